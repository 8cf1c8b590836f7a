#!/usr/bin/env bash
# Faults during `overhead run` (its own nats-server):
#  - nats-server killed mid-trial: the trial fails within seconds, the run
#    exits non-zero, no child is left behind, finished trials stay on disk;
#  - SIGINT to the runner: it stops its children and its nats-server, says
#    "interrupted" in run.json and exits 1; the interrupted trial's counts
#    are null (unknown), never -1 (which read as "201 of 200 events not
#    stored, -1 dropped"), and `overhead analyze` refuses the run (exit 2).
#   test_runner_fault.sh OVERHEAD
set -euo pipefail
ovh=${1:?usage: test_runner_fault.sh OVERHEAD}
. "$(dirname "$0")/lib.sh"

# Start a run whose trials take ~3 s each (fixed rate), wait until trial 1 is
# recorded and trial 2 (two processes) is under way. Sets $runner and $run.
start_run() {
    rm -rf "$tmp/out"
    env -u NATS_URL "$ovh" run -o "$tmp/out" --arch nats,nats-2p -k 2 -n 6000 --rate 2000 \
        --no-warmup --progress >"$tmp/stdout" 2>"$tmp/stderr" &
    runner=$!
    for _ in $(seq 200); do
        ls "$tmp"/out/*/trial-01-*.json >/dev/null 2>&1 && break
        sleep 0.05
    done
    run=$(dirname "$(ls "$tmp"/out/*/trial-01-*.json)")
    sleep 1
    server=$(ls "$run"/nats/nats-server_*.ports | sed 's/.*nats-server_\([0-9]*\)\.ports/\1/')
}

# wait_runner SECONDS: wait for the runner to exit; sets $rc and $took.
wait_runner() {
    local t0=$SECONDS
    for _ in $(seq $(($1 * 20))); do
        kill -0 "$runner" 2>/dev/null || break
        sleep 0.05
    done
    took=$((SECONDS - t0))
    if kill -0 "$runner" 2>/dev/null; then
        bad "runner still running after $1 s"
        kill -KILL "$runner"
    fi
    rc=0
    wait "$runner" || rc=$?
    runner=
}

no_leftovers() {
    sleep 0.2
    if pgrep -f "$tmp/out" >/dev/null; then
        bad "$1: processes left behind: $(pgrep -af "$tmp/out")"
    else
        ok "$1: no process left behind"
    fi
}

# 1. nats-server killed during trial 2.
start_run
kill -KILL "$server"
wait_runner 15
[ "$rc" != 0 ] && ok "server killed: runner exit $rc after ${took}s" || bad "server killed: exit 0"
grep -q '"ok": true' "$run"/trial-01-nats.json && ok "trial 1 kept, ok" || bad "trial 1 lost"
if [ -f "$run/trial-02-nats-2p.json" ]; then
    grep -q '"ok": false' "$run/trial-02-nats-2p.json" && ok "trial 2 recorded as failed: $(
        sed -n 's/.*"failure": \(.*\),$/\1/p' "$run/trial-02-nats-2p.json")" \
        || bad "trial 2 not marked failed"
else
    bad "no record for the failed trial 2"
fi
grep -q "failed" "$tmp/stderr" && ok "stderr says why" || bad "stderr: $(cat "$tmp/stderr")"
no_leftovers "server killed"

# 2. SIGINT to the runner during trial 2.
start_run
kill -INT "$runner"
wait_runner 15
[ "$rc" = 1 ] && ok "SIGINT: exit 1 after ${took}s" || bad "SIGINT: exit $rc, want 1"
grep -q '"status": "interrupted"' "$run/run.json" && ok "run.json says interrupted" \
    || bad "run.json status: $(grep '"status"' "$run/run.json")"
kill -0 "$server" 2>/dev/null && bad "SIGINT: nats-server $server still running" \
    || ok "SIGINT: nats-server stopped"
no_leftovers "SIGINT"
if [ -f "$run/trial-02-nats-2p.json" ]; then
    python3 - "$run/trial-02-nats-2p.json" <<'PY' && ok "interrupted trial: no negative count" \
        || bad "interrupted trial: a negative count: $(grep -A12 '"events"' "$run/trial-02-nats-2p.json")"
import json, sys
e = json.load(open(sys.argv[1]))["events"]
sys.exit(any(isinstance(v, int) and not isinstance(v, bool) and v < 0 for v in e.values()))
PY
else
    bad "no record for the interrupted trial 2"
fi
arc=0
"$ovh" analyze "$run" >/dev/null 2>"$tmp/analyze.err" || arc=$?
[ "$arc" = 2 ] && grep -q "interrupted" "$tmp/analyze.err" \
    && ok "analyze refuses the interrupted run: $(cat "$tmp/analyze.err")" \
    || bad "analyze of the interrupted run: exit $arc: $(cat "$tmp/analyze.err")"
exit $fail
