#!/bin/sh
# overhead analyze refuses what it must not analyse, with exit 2 naming the
# file and the field (issue 14, items 3, 4 and 10), and says the truth about a
# failed trial. Each case is a copy of the golden fixture run
# tests/data/analysis/main with one hostile or unlucky change:
#   - run.json status "running" (runner killed) and "interrupted";
#   - the same run directory given twice (also through a symbolic link);
#   - negative CPU, events.stored = 1e30, a huge events.requested,
#     stored > published;
#   - an interrupted trial (counts null: the workloads wrote no result): exit 1
#     naming the trial by its number (not "trial 0") and "200 of 200 events
#     not stored, 0 dropped" (not "201 of 200 ..., -1 dropped").
#   analysis-refuse.sh OVERHEAD
set -eu
ovh=${1:?usage: analysis-refuse.sh OVERHEAD}
src=$(cd "$(dirname "$0")" && pwd)/data/analysis/main
tmp=$(mktemp -d /tmp/analysis-refuse-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*" >&2; fail=1; }

# fresh NAME: a copy of the fixture run in $tmp/NAME.
fresh() {
    rm -rf "${tmp:?}/$1"
    cp -r "$src" "$tmp/$1"
}

# edit FILE PYTHON-STATEMENT: change the JSON in FILE (bound to r).
edit() {
    python3 - "$1" "$2" <<'PY'
import json, sys
path, stmt = sys.argv[1], sys.argv[2]
r = json.load(open(path))
exec(stmt)
open(path, "w").write(json.dumps(r, indent=2))
PY
}

# expect NAME RC TEXT [ARGS...]: analyze ARGS; exit RC and stderr containing TEXT.
expect() {
    name=$1 want=$2 text=$3
    shift 3
    rc=0
    "$ovh" analyze "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
    if [ "$rc" != "$want" ]; then
        bad "$name: exit $rc, want $want: $(cat "$tmp/err")"
    elif [ -n "$text" ] && ! grep -qF -- "$text" "$tmp/err"; then
        bad "$name: stderr does not say '$text': $(cat "$tmp/err")"
    else
        ok "$name: exit $rc, $(head -c 200 "$tmp/err")"
    fi
}

fresh good
expect "fixture" 0 "" "$tmp/good"

fresh running
edit "$tmp/running/run.json" 'r["status"] = "running"'
expect "status running" 2 "running/run.json: field status is 'running'" "$tmp/running"

fresh interrupted
edit "$tmp/interrupted/run.json" 'r["status"] = "interrupted"'
expect "status interrupted" 2 "field status is 'interrupted'" "$tmp/interrupted"

expect "same directory twice" 2 "given twice" "$tmp/good" "$tmp/good"
expect "same directory, another spelling" 2 "given twice" "$tmp/good" "$tmp/good/../good/"
ln -s "$tmp/good" "$tmp/link"
expect "same directory through a link" 2 "given twice" "$tmp/good" "$tmp/link"

fresh negcpu
edit "$tmp/negcpu/trial-01-direct.json" 'r["cpu"]["total_s"] = -0.4'
expect "negative CPU" 2 "trial-01-direct.json: field cpu.total_s is -0.4" "$tmp/negcpu"

fresh negproc
edit "$tmp/negproc/trial-01-direct.json" 'r["cpu"]["measured_s"] = -1.0'
expect "negative measured CPU" 2 "field cpu.measured_s is -1" "$tmp/negproc"

fresh huge
edit "$tmp/huge/trial-03-nats-2p.json" 'r["events"]["stored"] = 1e30'
expect "stored 1e30" 2 "trial-03-nats-2p.json: field events.stored must be an integer" "$tmp/huge"

fresh req
edit "$tmp/req/trial-01-direct.json" 'r["events"]["requested"] = 2**63 - 1'
expect "huge requested" 2 "field events.requested is 9223372036854775807" "$tmp/req"

fresh sum
edit "$tmp/sum/trial-01-direct.json" 'r["events"]["stored"] = r["events"]["published"] + 1'
expect "stored > published" 2 "exceeds events.published" "$tmp/sum"

# An interrupted trial as the runner now records it: the workloads were
# killed before they wrote a result, so their counts are unknown (null).
fresh lost
edit "$tmp/lost/run.json" 'r["status"] = "failed"'
edit "$tmp/lost/trial-06-nats-2p-unprof.json" '
e = r["events"]
for k in ("published", "received", "stored", "malformed", "dropped", "rows"):
    e[k] = None
e["requested"] = 200
e["verified"] = False
e["lost"] = 200
r["ok"] = False
r["failure"] = "interrupted"'
expect "interrupted trial" 1 "trial 6 failed (interrupted): 200 of 200 events not stored, 0 dropped" "$tmp/lost"
expect "interrupted trial, loss accepted" 0 "" --accept-loss "$tmp/lost"
grep -q "trial 6 (nats-2p-unprof) lost 200 of 200 events (interrupted)" "$tmp/out" \
    && ok "the accepted loss is stated in the analysis" \
    || bad "no warning for the accepted loss: $(grep -o '"warnings".*' "$tmp/out" | head -c 300)"
exit $fail
