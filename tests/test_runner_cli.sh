#!/usr/bin/env bash
# `overhead run` end to end, against the fixture's nats-server (NATS_URL) and
# against a server it starts itself:
#  - bad options exit 2 before any trial and leave no run directory;
#  - --help documents every option the parser accepts;
#  - a short run writes a record per trial with the fields of
#    docs/run-record.md, exact row counts, and profiles whose samples match;
#  - the control modes (A/A, unprofiled, fixed rate, storage sweep) are
#    recorded so the analysis can group them.
#   test_runner_cli.sh OVERHEAD
set -euo pipefail
ovh=${1:?usage: test_runner_cli.sh OVERHEAD}
: "${NATS_URL:?run under tests/nats-fixture.sh exec}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*" >&2; fail=1; }

expect_exit() { # want label args...
    local want=$1 label=$2 rc=0
    shift 2
    "$ovh" run -o "$tmp/out" -q "$@" >"$tmp/stdout" 2>"$tmp/stderr" || rc=$?
    if [ "$rc" = "$want" ]; then ok "$label: exit $rc ($(head -c 150 "$tmp/stderr"))"
    else bad "$label: exit $rc, want $want; stderr: $(cat "$tmp/stderr")"; fi
}

# Bad input: exit 2, nothing run.
expect_exit 2 "negative N" -n -5
expect_exit 2 "zero trials" -k 0
expect_exit 2 "unknown storage" --storage memory,tape
expect_exit 2 "unknown arch" --arch direct,carrier-pigeon
expect_exit 2 "unknown option" --frobnicate
expect_exit 2 "unreachable NATS_URL" --nats-url nats://127.0.0.1:1 --arch nats
touch "$tmp/file"
expect_exit 2 "unwritable output dir" -o "$tmp/file/sub"
[ ! -e "$tmp/out" ] || [ -z "$(ls -A "$tmp/out")" ] && ok "no run directory after bad input" \
    || bad "a run directory was created for bad input: $(ls "$tmp/out")"

# --help documents every option of the parser's table (OPT_*("name", ...)
# entries in cmd_run.c), and the parser accepts each one.
"$ovh" run --help >"$tmp/help"
opts=$(grep -o 'OPT_[A-Z]*("[a-z-]*"' "$(dirname "$0")/../report/cli/cmd_run.c" \
       | sed 's/.*"\([a-z-]*\)"/--\1/' | sort -u)
nopts=$(echo "$opts" | grep -c -- '^--' || true)
[ "$nopts" -ge 20 ] || bad "found only $nopts options in cmd_run.c's table"
for opt in $opts; do
    grep -q -- "$opt[ ,=]" "$tmp/help" || bad "--help does not mention $opt"
    # "-k 0" is refused whatever $opt takes, so nothing runs
    case $("$ovh" run "$opt" -k 0 2>&1 || true) in
        *"unknown option"*) bad "the parser does not know $opt" ;;
    esac
done
ok "--help covers the $nopts options"

# field FILE KEY: the scalar value of "KEY" (first match) in a pretty JSON file.
field() { sed -n "s/^ *\"$2\": \([^,{[]*\),\{0,1\}$/\1/p" "$1" | head -1; }

# A short run on the fixture's server: every architecture, two storages.
rm -rf "$tmp/out"
"$ovh" run -o "$tmp/out" -n 1000 -k 1 --no-warmup --storage memory,wal --freq 250 \
    >"$tmp/stdout" 2>"$tmp/stderr" || bad "short run failed: $(cat "$tmp/stderr")"
run=$(cat "$tmp/stdout")
[ -f "$run/run.json" ] && ok "run.json" || bad "no run.json in '$run'"
[ "$(field "$run/run.json" status)" = '"ok"' ] && ok "run status ok" || bad "run status"
n=$(ls "$run"/trial-*.json | wc -l)
[ "$n" = 6 ] && ok "6 records" || bad "$n records, want 6 (3 arch x 2 storage)"
for rec in "$run"/trial-*.json; do
    for key in schema run_id trial round arch control profiled storage requested published \
               stored dropped rows verified rate path_kind journal synchronous batch \
               user_s sys_s cpu_s wall_s per_event_us window_per_event_us samples requested_hz effective_hz \
               nats-server gperftools sqlite kernel cpu_model sha; do
        grep -q "\"$key\"" "$rec" || bad "$(basename "$rec"): no \"$key\""
    done
    [ "$(field "$rec" schema)" = '"overhead.run/1"' ] || bad "$(basename "$rec"): schema"
    [ "$(field "$rec" verified)" = true ] || bad "$(basename "$rec"): not verified"
    [ "$(field "$rec" rows)" = 1000 ] || bad "$(basename "$rec"): rows != 1000"
    base=$(basename "$rec" .json)
    [ -f "$run/$base.prof" ] || bad "$base: no profile"
done
# Each process's recorded sample count is the sum of its profile's sample
# counts (gperftools' format: a 5-word header, records of count, depth, PCs,
# then the 0, 1, 0 trailer).
python3 - "$run" <<'PY' && ok "profiles' samples match their records" || bad "profile samples"
import glob, json, os, struct, sys
run, seen = sys.argv[1], 0
for rec in sorted(glob.glob(os.path.join(run, "trial-*.json"))):
    r = json.load(open(rec))
    for p in r["processes"]:
        if not p.get("profile"):
            continue
        data = open(os.path.join(run, p["profile"]), "rb").read()
        w = lambda i: struct.unpack_from("<Q", data, 8 * i)[0]  # the maps text follows
        assert (w(0), w(1)) == (0, 3), (rec, p["profile"], "not a profile")
        i, n = 5, 0
        while not (w(i) == 0 and w(i + 1) == 1 and w(i + 2) == 0):
            n += w(i)
            i += 2 + w(i + 1)
        assert n == p["samples"], (os.path.basename(rec), p["role"], n, p["samples"])
        seen += 1
assert seen >= 6, "only %d profiles" % seen
PY
grep -q '"storage": "memory"' "$run"/trial-*.json && grep -q '"journal": "wal"' "$run"/trial-*.json \
    && ok "storage recorded" || bad "storage settings not recorded"
grep -q '"role": "nats-server"' "$run"/trial-*-nats.json 2>/dev/null || \
    grep -q '"role": "nats-server"' "$run"/trial-*-nats-memory.json || bad "no nats-server entry"

# Control modes, on a server the runner starts itself (NATS_URL unset).
rm -rf "$tmp/out"
env -u NATS_URL "$ovh" run -o "$tmp/out" -n 300 -k 2 --no-warmup --aa --unprofiled \
    >"$tmp/stdout" 2>"$tmp/stderr" || bad "A/A run failed: $(cat "$tmp/stderr")"
run=$(cat "$tmp/stdout")
n=$(ls "$run"/trial-*.json | wc -l)
[ "$n" = 8 ] && ok "A/A x unprofiled: 8 records" || bad "A/A: $n records, want 8"
[ "$(grep -l '"control": "aa"' "$run"/trial-*.json | wc -l)" = 8 ] || bad "control != aa"
[ "$(grep -l '"aa_group": "B"' "$run"/trial-*.json | wc -l)" = 4 ] || bad "aa_group B count"
[ "$(grep -l '"profiled": false' "$run"/trial-*.json | wc -l)" = 4 ] || bad "unprofiled count"
ls "$run"/trial-*-unprof.prof >/dev/null 2>&1 && bad "unprofiled trial wrote a profile"
[ -e "$run/trial-01-direct-A.json" ] && [ -e "$run/trial-04-direct-B-unprof.json" ] \
    && [ -e "$run/trial-05-direct-B-unprof.json" ] && [ -e "$run/trial-08-direct-A.json" ] && ok "interleaved A B .. B A order" \
    || bad "order: $(ls "$run")"

rm -rf "$tmp/out"
env -u NATS_URL "$ovh" run -o "$tmp/out" -n 100 -k 1 --no-warmup --rate 200 \
    --arch direct,nats-2p >"$tmp/stdout" 2>"$tmp/stderr" || bad "rate run failed: $(cat "$tmp/stderr")"
run=$(cat "$tmp/stdout")
for rec in "$run"/trial-*.json; do
    ach=$(sed -n '/"rate": {/,/}/s/.*"achieved": \([0-9.]*\).*/\1/p' "$rec")
    awk -v a="$ach" 'BEGIN { exit !(a > 150 && a < 210) }' && ok "$(basename "$rec") rate $ach/s" \
        || bad "$(basename "$rec"): achieved rate '$ach', want ~200"
    grep -q '"requested": 200' "$rec" || bad "$(basename "$rec"): rate.requested"
done
# nats-server's CPU over the workloads' measured window (read at its edges,
# issue 11 item 6): present, within the trial's, its wall time that of the
# widest workload window (a quarter second of slack for a loaded machine).
python3 - "$run"/trial-*-nats-2p.json <<'PY' && ok "nats-server measured over the workloads' window" \
    || bad "nats-server window: $(grep -B2 -A8 '"nats-server"' "$run"/trial-*-nats-2p.json)"
import json, sys
r = json.load(open(sys.argv[1]))
srv = [p for p in r["processes"] if p["role"] == "nats-server"][0]
m = srv["measured"]
wl = max(p["measured"]["wall_s"] for p in r["processes"] if p["role"] != "nats-server")
print("broker window %.4f s CPU over %.3f s; trial %.4f s over %.3f s; workloads %.3f s"
      % (m["cpu_s"], m["wall_s"], srv["cpu_s"], srv["wall_s"], wl))
assert 0 < m["cpu_s"] <= srv["cpu_s"], "window CPU"
assert m["wall_s"] < srv["wall_s"], "window wall"
assert abs(m["wall_s"] - wl) < 0.25, "window edges"
assert abs(r["cpu"]["window_s"] - r["cpu"]["measured_s"] - m["cpu_s"]) < 1e-9, "cpu.window_s"
PY
# A workload that "loses" one event (exits 0, reports stored = rows = N-1; or
# only one of them short with FAKE_STORED_SHORT=0 / FAKE_ROWS_SHORT=0): the runner
# must catch it from the numbers alone, exit 1 and print them; with
# --accept-loss it records the loss and goes on.
mkdir -p "$tmp/fake"
cat >"$tmp/fake/chat_direct" <<'FAKE'
#!/usr/bin/env bash
while [ $# -gt 0 ]; do
    case "$1" in
        --events) n=$2 ;; --result) res=$2 ;; --profile) prof=$2 ;;
    esac
    shift 2
done
if [ -n "${prof:-}" ]; then # an empty but valid profile: header, trailer
    printf '\0\0\0\0\0\0\0\0\3\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\240\17\0\0\0\0\0\0\0\0\0\0\0\0\0\0' >"$prof"
    printf '\0\0\0\0\0\0\0\0\1\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0' >>"$prof"
fi
stored=$((n - ${FAKE_STORED_SHORT:-1})) rows=$((n - ${FAKE_ROWS_SHORT:-1}))
cat >"$res" <<JSON
{"role":"direct","events":{"requested":$n,"published":$n,"received":$n,"stored":$stored,
 "malformed":0,"dropped":0,"rows":$rows},"measured":{"user_s":0.001,"sys_s":0.001,"wall_s":0.01},
 "db":{"journal":"memory","synchronous":"off"},"ok":true,"error":null}
JSON
FAKE
chmod +x "$tmp/fake/chat_direct"
cp "$tmp/fake/chat_direct" "$tmp/fake/chat_nats"
rm -rf "$tmp/out"
expect_exit 1 "lost event" --workloads "$tmp/fake" --arch direct -n 50 -k 2 --no-warmup \
    --storage memory
grep -q "lost events: requested 50, published 50, received 50, stored 49, rows 49" \
    "$tmp/stderr" && ok "lost event: numbers printed" || bad "numbers: $(cat "$tmp/stderr")"
[ "$(ls "$tmp"/out/*/trial-*.json | wc -l)" = 1 ] && ok "lost event: stopped after trial 1" \
    || bad "lost event: $(ls "$tmp"/out/*)"
# Each count decides alone: every event reported stored but a row missing
# from the table, and every row there but fewer reported stored.
rm -rf "$tmp/out"
export FAKE_STORED_SHORT=0
expect_exit 1 "rows short of N" --workloads "$tmp/fake" --arch direct -n 50 -k 1 \
    --no-warmup --storage memory
grep -q "stored 50, rows 49" "$tmp/stderr" && ok "rows short of N: caught" \
    || bad "rows short of N: $(cat "$tmp/stderr")"
unset FAKE_STORED_SHORT
export FAKE_ROWS_SHORT=0
rm -rf "$tmp/out"
expect_exit 1 "stored short of N" --workloads "$tmp/fake" --arch direct -n 50 -k 1 \
    --no-warmup --storage memory
grep -q "stored 49, rows 50" "$tmp/stderr" && ok "stored short of N: caught" \
    || bad "stored short of N: $(cat "$tmp/stderr")"
unset FAKE_ROWS_SHORT
rm -rf "$tmp/out"
expect_exit 0 "--accept-loss" --workloads "$tmp/fake" --arch direct -n 50 -k 2 --no-warmup \
    --storage memory --accept-loss
[ "$(grep -l '"loss_accepted": true' "$tmp"/out/*/trial-*.json | wc -l)" = 2 ] \
    && ok "--accept-loss: both trials recorded with loss_accepted" || bad "loss_accepted"

pgrep -f "$tmp/out" >/dev/null && bad "processes left behind: $(pgrep -af "$tmp/out")"
exit $fail
