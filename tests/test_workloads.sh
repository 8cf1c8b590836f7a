#!/usr/bin/env bash
# End-to-end test of the workloads against the fixture's real nats-server
# (NATS_URL): every architecture stores exactly N rows for N=1000 and
# N=100000, and injected malformed events are counted, not fatal. Every
# variant (--variant) stores each event exactly once (rows and distinct ids
# equal published); a service killed mid-batch loses its open batch, and
# only that (the stored ids are the committed prefix); the publish-to-commit
# latency shows a known injected delay.
#   test_workloads.sh WORKLOAD_DIR
set -euo pipefail
wd=${1:?usage: test_workloads.sh WORKLOAD_DIR}
: "${NATS_URL:?run under tests/nats-fixture.sh exec}"
tmp=$(mktemp -d)
svc_pid=
bot_pid=
cleanup() {
    [ -n "$svc_pid" ] && kill "$svc_pid" 2>/dev/null
    [ -n "$bot_pid" ] && kill "$bot_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
fail=0
subject="test.workloads.$$"

# field NAME JSON: the first integer/null value of "NAME" in compact JSON.
field() { sed -n "s/.*\"$1\":\([-0-9a-z.]*\).*/\1/p" <<<"$2" | head -1; }

expect_eq() { # what got want
    if [ "$2" != "$3" ]; then
        echo "FAIL: $1: got '$2', want '$3'" >&2
        fail=1
    else
        echo "ok: $1 = $2"
    fi
}

check_store() { # label N json
    expect_eq "$1 stored" "$(field stored "$3")" "$2"
    expect_eq "$1 rows" "$(field rows "$3")" "$2"
    expect_eq "$1 dropped" "$(field dropped "$3")" 0
    expect_eq "$1 ok" "$(field ok "$3")" true
}

# sql DB QUERY: one value from the database file (sqlite3 CLI).
sql() { sqlite3 -batch -noheader "$1" "$2"; }

# json_num NAME FILE: a number anywhere in the (indented) result file.
json_num() { tr -d ' \n' <"$2" | sed -n "s/.*\"$1\":\([-0-9.e+]*\).*/\1/p" | head -1; }

# start_service ARGS...: the service in the background on $tmp/s.db, waits
# until it has subscribed. Sets $svc_pid.
start_service() {
    rm -f "$tmp/ready" "$tmp/svc.json" "$tmp"/s.db*
    "$wd/chat_nats" --mode service --subject "$subject" --db "$tmp/s.db" \
        --journal wal --sync normal --result "$tmp/svc.json" --ready-fd 3 "$@" \
        3>"$tmp/ready" 2>"$tmp/svc.err" &
    svc_pid=$!
    for _ in $(seq 100); do [ -s "$tmp/ready" ] && break; sleep 0.05; done
    expect_eq "service ready ($*)" "$(cat "$tmp/ready")" ready
}

# two_process LABEL N ARGS...: service and bot (both given ARGS) for N events,
# the bot started once the service has subscribed: both exit 0, the bot
# published N, the service stored N. Leaves $tmp/s.db and $tmp/svc.json.
two_process() {
    local label=$1 n=$2 bot svc_rc=0
    shift 2
    start_service --events "$n" "$@"
    bot=$("$wd/chat_nats" --mode bot --subject "$subject" --events "$n" "$@")
    wait "$svc_pid" || svc_rc=$?
    svc_pid=
    expect_eq "$label: service exit" "$svc_rc" 0
    expect_eq "$label: published" "$(field published "$bot")" "$n"
    check_store "$label 2-process" "$n" "$(tr -d ' \n' <"$tmp/svc.json")"
}

for n in 1000 100000; do
    out=$("$wd/chat_direct" --events "$n" --db "$tmp/d.db" --journal wal --sync normal)
    check_store "direct N=$n" "$n" "$out"
    rm -f "$tmp"/d.db*

    out=$("$wd/chat_nats" --mode inproc --subject "$subject" --events "$n")
    check_store "nats inproc N=$n" "$n" "$out"
    expect_eq "nats inproc N=$n published" "$(field published "$out")" "$n"

    two_process "nats N=$n" "$n"
    rm -f "$tmp"/s.db*
done

# Per-thread CPU from the kernel: the threads the workload names (its
# pthread_create interposer) sum to the process's measured CPU; nats.c's
# delivery thread is named by its exported entry and does most of the work;
# some nats.c thread blocks and wakes at least once per 10 events (the
# collector).
two_process "threads" 30000
if python3 - "$tmp/svc.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
th, m = r["threads"], r["measured"]
cpu = m["user_s"] + m["sys_s"]
tsum = sum(t["cpu_s"] for t in th)
by = {t["name"]: t for t in th}
assert abs(tsum - cpu) <= 0.03 * cpu + 0.02, (tsum, cpu)
assert sum(t["main"] for t in th) == 1, th
d = by["natsSub_deliverMsgs"]
assert d["cpu_s"] == max(t["cpu_s"] for t in th), th
assert any(t["name"].startswith("libnats") and t["voluntary"] >= 3000 for t in th), th
print(f"ok: {len(th)} threads, {tsum:.3f} s of {cpu:.3f} s measured")
PY
then :; else echo "FAIL: per-thread CPU in the service's result" >&2; fail=1; fi

# The task-clock sampler (where perf events can be opened): every thread of
# the profiled service carries its clock, which counts most of the kernel's
# schedstat CPU and not much more (see sampler-fair.sh); an unprofiled
# process carries none.
if perf_ok=$(python3 -c 'import sys; print(int(open("/proc/sys/kernel/perf_event_paranoid").read()) <= 1 or __import__("os").geteuid() == 0)') && [ "$perf_ok" = True ]; then
    start_service --events 30000 --profile "$tmp/svc.prof" --sampler task-clock
    bot=$("$wd/chat_nats" --mode bot --subject "$subject" --events 30000)
    svc_rc=0; wait "$svc_pid" || svc_rc=$?; svc_pid=
    expect_eq "task-clock: service exit" "$svc_rc" 0
    if python3 - "$tmp/svc.json" <<'PY'
import json, sys
th = json.load(open(sys.argv[1]))["threads"]
assert all("task_clock_s" in t for t in th), th
for t in th:
    assert t["task_clock_s"] <= t["cpu_s"] * 1.15 + 0.005, t
cpu, clock = sum(t["cpu_s"] for t in th), sum(t["task_clock_s"] for t in th)
assert clock >= 0.7 * cpu, (clock, cpu)
print(f"ok: task-clock {clock:.3f} s of {cpu:.3f} s schedstat over {len(th)} threads")
PY
    then :; else echo "FAIL: task-clock counts in the service's result" >&2; fail=1; fi
    if grep -q task_clock_s <<<"$bot"; then
        echo "FAIL: an unprofiled bot reports task-clock counts" >&2; fail=1
    fi
else
    echo "skip: task-clock counts (perf events cannot be opened here)"
fi

# Every variant, two processes: each event stored exactly once.
n=20000
for v in baseline gc64 compact batch10 batch100 batch100-compact; do
    two_process "$v" "$n" --variant "$v"
    expect_eq "$v: rows in the file" "$(sql "$tmp/s.db" 'select count(*) from chat_log')" "$n"
    expect_eq "$v: distinct ids" \
        "$(sql "$tmp/s.db" 'select count(distinct event_id) from chat_log')" "$n"
    expect_eq "$v: latency of every event" "$(json_num events "$tmp/svc.json")" "$n"
    grep -q "\"name\": \"$v\"" "$tmp/svc.json" && echo "ok: $v named in the result" ||
        { echo "FAIL: $v not in the result" >&2; fail=1; }
    out=$("$wd/chat_nats" --mode inproc --subject "$subject" --events 2000 --variant "$v")
    check_store "$v inproc" 2000 "$out"
done
for v in batch10 batch100; do
    out=$("$wd/chat_direct" --events 5000 --db "$tmp/d.db" --journal wal --sync normal \
        --variant "$v")
    check_store "direct $v" 5000 "$out"
    expect_eq "direct $v distinct ids" \
        "$(sql "$tmp/d.db" 'select count(distinct event_id) from chat_log')" 5000
    rm -f "$tmp"/d.db*
    # At a low rate a batch never waits for more events: the loop commits
    # whenever the next event is not due yet, so every event is stored.
    out=$("$wd/chat_direct" --events 30 --rate 200 --variant "$v")
    check_store "direct $v at 200/s" 30 "$out"
done

# The service killed (SIGKILL) in the middle of a batch: a batch100 service
# whose every commit first sleeps 300 ms (--delay-ms) is nearly always inside
# an open transaction. What it had not committed is lost; what it had is a
# prefix of the ids, each once: the loss is visible as rows < published.
start_service --events 20000 --variant batch100 --delay-ms 300
"$wd/chat_nats" --mode bot --subject "$subject" --events 20000 --variant batch100 \
    >/dev/null &
bot_pid=$!
sleep 1.5
kill -KILL "$svc_pid"
svc_rc=0
{ wait "$svc_pid" || svc_rc=$?; } 2>/dev/null
svc_pid=
wait "$bot_pid" || true
bot_pid=
expect_eq "killed service exit" "$svc_rc" 137
rows=$(sql "$tmp/s.db" 'select count(*) from chat_log')
if [ "$rows" -gt 0 ] && [ "$rows" -lt 20000 ]; then
    echo "ok: killed mid-batch: $rows of 20000 stored, $((20000 - rows)) lost"
else
    echo "FAIL: killed mid-batch: $rows rows (want 0 < rows < 20000)" >&2
    fail=1
fi
expect_eq "killed: distinct ids" \
    "$(sql "$tmp/s.db" 'select count(distinct event_id) from chat_log')" "$rows"
expect_eq "killed: committed prefix" \
    "$(sql "$tmp/s.db" 'select max(event_id) + 1 from chat_log')" "$rows"
[ -s "$tmp/svc.json" ] && { echo "FAIL: a killed service wrote a result" >&2; fail=1; }

# Latency from the events' own timestamps: with a known delay of 40 ms
# before every commit, at 10 events/s (nothing queues), every event's
# publish-to-commit latency is at least 40 ms (and not absurdly more: a unit
# error would be off by 1000x).
for v in baseline batch10; do
    out=$("$wd/chat_nats" --mode inproc --subject "$subject" --events 20 --rate 10 \
        --delay-ms 40 --variant "$v" --result "$tmp/lat.json")
    p50=$(json_num p50_us "$tmp/lat.json")
    p99=$(json_num p99_us "$tmp/lat.json")
    if awk -v a="$p50" -v b="$p99" 'BEGIN { exit !(a >= 40000 && b >= a && b < 2040000) }'
    then
        echo "ok: $v latency with a 40 ms delay: p50 $p50 us, p99 $p99 us"
    else
        echo "FAIL: $v latency with a 40 ms delay: p50 $p50 us, p99 $p99 us" >&2
        fail=1
    fi
    expect_eq "$v latency events" "$(json_num events "$tmp/lat.json")" 20
done
out=$("$wd/chat_direct" --events 20 --rate 10 --delay-ms 40 --variant batch10 \
    --result "$tmp/lat.json")
p50=$(json_num p50_us "$tmp/lat.json")
awk -v a="$p50" 'BEGIN { exit !(a >= 40000 && a < 2040000) }' &&
    echo "ok: direct batch10 latency with a 40 ms delay: p50 $p50 us" ||
    { echo "FAIL: direct batch10 latency with a 40 ms delay: p50 $p50 us" >&2; fail=1; }

# Malformed events: counted and logged, the valid ones all stored.
out=$("$wd/chat_nats" --mode inproc --subject "$subject" --events 1000 --malformed 50 \
    2>"$tmp/err")
check_store "malformed inproc" 1000 "$out"
expect_eq "malformed counted" "$(field malformed "$out")" 50
expect_eq "received" "$(field received "$out")" 1050
grep -q "malformed event ignored" "$tmp/err" || { echo "FAIL: no log line" >&2; fail=1; }

# Bad usage is exit 2.
rc=0; "$wd/chat_direct" --events -5 2>/dev/null || rc=$?
expect_eq "negative N exit" "$rc" 2
rc=0; "$wd/chat_nats" --mode sideways --events 5 2>/dev/null || rc=$?
expect_eq "bad mode exit" "$rc" 2
rc=0; "$wd/chat_nats" --mode bot --events 5 --variant nope 2>/dev/null || rc=$?
expect_eq "unknown variant exit" "$rc" 2
rc=0; "$wd/chat_direct" --events 5 --variant gc64 2>/dev/null || rc=$?
expect_eq "NATS-only variant on direct exit" "$rc" 2
rc=0; "$wd/chat_nats" --mode bot --events 5 --variant batch100 --batch 10 2>/dev/null || rc=$?
expect_eq "variant and --batch disagree exit" "$rc" 2
# The runner knows the variants by the names in common/chatproto.h.
proto=$(dirname "$0")/../common/chatproto.h
help_names() { "$wd/$1" --help | sed -n '/^variants:/,$p' | sed -n 's/^  \([a-z0-9-]*\)$/\1/p' | tr '\n' ' '; }
list() { sed -n "s/#define $1 *\"\(.*\)\"/\1 /p" "$proto"; }
expect_eq "chat_nats variants = CHATPROTO_VARIANTS" "$(help_names chat_nats)" \
    "$(list CHATPROTO_VARIANTS)"
expect_eq "chat_direct variants = CHATPROTO_DIRECT_VARIANTS" "$(help_names chat_direct)" \
    "$(list CHATPROTO_DIRECT_VARIANTS)"
exit $fail
