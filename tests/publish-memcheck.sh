#!/usr/bin/env bash
# The real publish step under valgrind memcheck (CI, .ci/run): a short real
# `overhead run` (2 rounds of direct and nats-2p, profiled, not under
# valgrind: the workloads are what is measured), then `overhead report
# --from` that run under memcheck: analysis, rendering, the index and
# data/ (report_data: pooled profiles, top-50 files). An uninitialised read
# (issue 20 item 9: report_data's per-architecture state) or an invalid
# access makes memcheck exit 99 and this script fail. ASan (the sanitizer
# build) finds no uninitialised reads; memcheck does, on the plain build.
#
#   publish-memcheck.sh OVERHEAD
set -euo pipefail
overhead=${1:?usage: publish-memcheck.sh OVERHEAD}
here=$(cd "$(dirname "$0")" && pwd)
command -v valgrind >/dev/null || {
    echo "FAIL: valgrind is not installed (scripts/install-deps.sh test)" >&2
    exit 1
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
env -u NATS_URL "$overhead" run -q -o "$tmp/runs" -n 2000 -k 2 --arch direct,nats-2p \
    --no-warmup >"$tmp/run.out" 2>"$tmp/run.err" || {
    echo "FAIL: overhead run: $(cat "$tmp/run.err")" >&2
    exit 1
}
run=$(tail -n 1 "$tmp/run.out")
[ -f "$run/run.json" ] || { echo "FAIL: no run.json in '$run'" >&2; exit 1; }
rc=0
OVERHEAD_TEMPLATES=$here/../templates valgrind -q --error-exitcode=99 \
    --leak-check=no --track-origins=yes --log-file="$tmp/memcheck.log" \
    "$overhead" report --docs "$tmp/docs" --sprint memcheck --from "$run" \
    >"$tmp/report.out" 2>"$tmp/report.err" || rc=$?
if [ "$rc" -ne 0 ] || [ -s "$tmp/memcheck.log" ]; then
    echo "FAIL: overhead report under memcheck: exit $rc" >&2
    head -60 "$tmp/memcheck.log" "$tmp/report.err" >&2
    exit 1
fi
for f in CPU_OVERHEAD_ANALYSIS.md data/direct_profile.txt data/nats_profile.txt; do
    [ -s "$tmp/docs/sprints/active/memcheck/$f" ] || { echo "FAIL: $f missing" >&2; exit 1; }
done
echo "publish memcheck: ok ($(head -1 "$tmp/docs/sprints/active/memcheck/data/direct_profile.txt"))"
