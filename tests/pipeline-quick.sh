#!/usr/bin/env bash
# The real pipeline, short: `overhead run` (its own nats-server, a few
# thousand events, 2 rounds of direct and nats-2p), `analyze`, `render`.
# Registered in the sanitizer build (SANITIZE=ON), so that .ci/run checks
# the real run -> analysis -> report path under ASan/UBSan, not only the
# unit tests: any sanitizer report makes a step exit non-zero.
set -euo pipefail
overhead=${1:?usage: pipeline-quick.sh OVERHEAD}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
step() { # step NAME CMD...
    local name=$1 rc=0
    shift
    "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" || rc=$?
    if [ "$rc" -ne 0 ] || grep -q 'Sanitizer\|runtime error' "$tmp/$name.err"; then
        echo "FAIL: $name exited $rc" >&2
        cat "$tmp/$name.err" >&2
        exit 1
    fi
}
step run env -u NATS_URL "$overhead" run -o "$tmp/runs" -n 3000 -k 2 \
    --arch direct,nats-2p --no-warmup
dir=$(tail -n 1 "$tmp/run.out")
[ -f "$dir/run.json" ] || { echo "FAIL: no run.json in '$dir'" >&2; exit 1; }
step analyze "$overhead" analyze -o "$tmp/analysis.json" "$dir"
step render "$overhead" render -o "$tmp/docs/sprints/active/quick" -d "$tmp/docs" \
    "$tmp/analysis.json"
for f in md html json; do
    [ -s "$tmp/docs/sprints/active/quick/CPU_OVERHEAD_ANALYSIS.$f" ] ||
        { echo "FAIL: CPU_OVERHEAD_ANALYSIS.$f missing" >&2; exit 1; }
done
grep -q 'href="sprints/active/quick/CPU_OVERHEAD_ANALYSIS.html"' "$tmp/docs/index.html" ||
    { echo "FAIL: the index does not list the report" >&2; exit 1; }
echo "pipeline quick ok"
