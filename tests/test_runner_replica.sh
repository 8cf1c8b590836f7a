#!/usr/bin/env bash
# The replica arm (overhead run --replica): the team's test as written stores
# nothing, and the runner accepts 0 stored for that arm only.
#  - real workloads: --replica written stores 0, passes, and its record says
#    so (events.expected_stored 0, verified) with its idle window
#    (replica.idle, about 1 s) and subjects; --replica stored stores all;
#  - a fake workload that stores nothing: a normal arm fails (exit 1, "lost
#    events") and so does the as-intended replica; one that stores every
#    event fails the as-written replica (it must store none).
#   test_runner_replica.sh OVERHEAD
set -euo pipefail
ovh=${1:?usage: test_runner_replica.sh OVERHEAD}
: "${NATS_URL:?run under tests/nats-fixture.sh exec}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*" >&2; fail=1; }
j() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

run() { # want label args...
    local want=$1 label=$2 rc=0
    shift 2
    rm -rf "$tmp/out"
    "$ovh" run -o "$tmp/out" -q --no-warmup --unprofiled-only -k 1 --rate 100 -n 40 \
        --storage wal "$@" >"$tmp/stdout" 2>"$tmp/stderr" || rc=$?
    if [ "$rc" = "$want" ]; then ok "$label: exit $rc"
    else bad "$label: exit $rc, want $want; stderr: $(cat "$tmp/stderr")"; fi
}

run 0 "as written and as intended" --arch nats --replica both
w=$(ls "$tmp"/out/*/trial-*-nats+replica-unprof.json 2>/dev/null | head -1)
s=$(ls "$tmp"/out/*/trial-*-nats+replica-stored-unprof.json 2>/dev/null | head -1)
if [ -n "$w" ] && [ -n "$s" ]; then
    [ "$(j "$w" "(d['events']['expected_stored'], d['events']['stored'], d['events']['rows'], d['events']['published'], d['events']['verified'], d['ok'])")" = "(0, 0, 0, 40, True, True)" ] \
        && ok "as written: 0 stored, expected 0, verified" || bad "as written: $(j "$w" "d['events']")"
    [ "$(j "$w" "(d['replica']['protocol'], d['replica']['subject'], d['replica']['store_subject'], d['replica']['idle_ms'])")" = "('as written', 'rosey.chat.message', 'rosey.db.message.log', 1000)" ] \
        && ok "as written: protocol and subjects" || bad "as written: $(j "$w" "d['replica']")"
    [ "$(j "$w" "0.9 < d['replica']['idle']['wall_s'] < 2 and 0 <= d['replica']['idle']['cpu_s'] < 0.5")" = True ] \
        && ok "as written: idle window recorded" || bad "idle: $(j "$w" "d['replica']")"
    [ "$(j "$s" "(d['events']['expected_stored'], d['events']['stored'], d['events']['rows'], d['replica']['protocol'], d['replica']['store_subject'])")" = "(40, 40, 40, 'as intended', None)" ] \
        && ok "as intended: every event stored" || bad "as intended: $(j "$s" "d['events']")"
    [ "$(j "$(dirname "$w")/run.json" "d['config']['replica']")" = 3 ] \
        && ok "run.json: config.replica" || bad "run.json: $(j "$(dirname "$w")/run.json" "d['config']")"
else
    bad "no replica records: $(ls "$tmp"/out/* 2>&1)"
fi

# A fake workload that stores FAKE_STORED events of N (exits 0).
mkdir -p "$tmp/fake"
cat >"$tmp/fake/chat_nats" <<'FAKE'
#!/usr/bin/env bash
while [ $# -gt 0 ]; do
    case "$1" in --events) n=$2 ;; --result) res=$2 ;; esac
    shift 2
done
x=${FAKE_STORED:-0}
[ "$x" = all ] && x=$n
cat >"$res" <<JSON
{"role":"inproc","events":{"requested":$n,"published":$n,"received":$x,"stored":$x,
 "malformed":0,"dropped":0,"rows":$x},"measured":{"user_s":0.001,"sys_s":0.001,"wall_s":0.01},
 "idle":{"cpu_s":0.0,"wall_s":1.0},
 "db":{"journal":"wal","synchronous":"normal"},"ok":true,"error":null}
JSON
FAKE
chmod +x "$tmp/fake/chat_nats"
cp "$tmp/fake/chat_nats" "$tmp/fake/chat_direct"
export FAKE_STORED=0
run 1 "a normal arm storing 0" --workloads "$tmp/fake" --arch nats
grep -q "lost events: requested 40, published 40, received 0, stored 0, rows 0" "$tmp/stderr" \
    && ok "normal arm: the loss is named" || bad "normal arm: $(cat "$tmp/stderr")"
run 1 "the stored replica storing 0" --workloads "$tmp/fake" --arch nats --replica stored
run 0 "the written replica storing 0 (fake)" --workloads "$tmp/fake" --arch nats --replica written
export FAKE_STORED=all
run 1 "the written replica storing every event" --workloads "$tmp/fake" --arch nats \
    --replica written
grep -q "must store none" "$tmp/stderr" && ok "written replica: says it must store none" \
    || bad "written replica: $(cat "$tmp/stderr")"
run 0 "a normal arm storing every event (fake)" --workloads "$tmp/fake" --arch nats

[ "$fail" = 0 ] && echo "runner replica: ok"
exit "$fail"
