#!/usr/bin/env bash
# End-to-end test of the workloads against the fixture's real nats-server
# (NATS_URL): every architecture stores exactly N rows for N=1000 and
# N=100000, and injected malformed events are counted, not fatal.
#   test_workloads.sh WORKLOAD_DIR
set -euo pipefail
wd=${1:?usage: test_workloads.sh WORKLOAD_DIR}
: "${NATS_URL:?run under tests/nats-fixture.sh exec}"
tmp=$(mktemp -d)
svc_pid=
cleanup() {
    [ -n "$svc_pid" ] && kill "$svc_pid" 2>/dev/null
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

for n in 1000 100000; do
    out=$("$wd/chat_direct" --events "$n" --db "$tmp/d.db" --journal wal --sync normal)
    check_store "direct N=$n" "$n" "$out"
    rm -f "$tmp"/d.db*

    out=$("$wd/chat_nats" --mode inproc --subject "$subject" --events "$n")
    check_store "nats inproc N=$n" "$n" "$out"
    expect_eq "nats inproc N=$n published" "$(field published "$out")" "$n"

    # Two processes: the bot starts only once the service has subscribed.
    rm -f "$tmp/ready" "$tmp/svc.json"
    "$wd/chat_nats" --mode service --subject "$subject" --events "$n" \
        --db "$tmp/s.db" --journal wal --sync normal \
        --result "$tmp/svc.json" --ready-fd 3 3>"$tmp/ready" &
    svc_pid=$!
    for _ in $(seq 100); do [ -s "$tmp/ready" ] && break; sleep 0.05; done
    expect_eq "service ready" "$(cat "$tmp/ready")" ready
    bot=$("$wd/chat_nats" --mode bot --subject "$subject" --events "$n")
    svc_rc=0
    wait "$svc_pid" || svc_rc=$?
    svc_pid=
    expect_eq "service N=$n exit" "$svc_rc" 0
    expect_eq "bot N=$n published" "$(field published "$bot")" "$n"
    svc=$(tr -d ' \n' <"$tmp/svc.json")
    check_store "nats 2-process N=$n" "$n" "$svc"
    rm -f "$tmp"/s.db*
done

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
exit $fail
