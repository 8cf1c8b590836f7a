#!/usr/bin/env bash
# The team's "5.80%" measured as they measured it (their test_nats_cpu_overhead):
# one process hosting the bot and the DatabaseService (chat_nats --mode inproc),
# 500 JSON events at 100 events/s, its own CPU over the publishing window in
# percent of one core, minus its idle CPU over the second before (connected
# and subscribed); nats-server excluded. Run both as written (events on
# rosey.chat.message, the service subscribed to rosey.db.message.log: nothing
# stored) and as intended (stored), K trials each, interleaved, with direct at
# the same rate (chat_direct, same protocol) for the NATS-minus-direct figure.
# Prints each trial and, per arm, the median with the range (a distribution-
# free interval for the median: coverage 1 - 2/2^K, 93.8% at K = 5) and the
# mean with its 95% t interval; then tests 5.80 against each.
#
#   scripts/replica-reference.sh [BUILD_DIR] [K]
# Starts its own nats-server on a free loopback port (or uses NATS_URL).
set -euo pipefail
build=${1:-build}
k=${2:-5}
wl=$build/workloads
tmp=$(mktemp -d)
ns=
trap '[ -n "$ns" ] && kill -INT "$ns" 2>/dev/null; rm -rf "$tmp"' EXIT
if [ -z "${NATS_URL:-}" ]; then
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    nats-server -a 127.0.0.1 -p "$port" -m 0 >/dev/null 2>&1 &
    ns=$!
    for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.1; done
    export NATS_URL=nats://127.0.0.1:$port
fi
common=(--events 500 --rate 100 --idle-ms 1000 --journal wal --sync normal)
for i in $(seq "$k"); do
    for arm in written intended direct; do
        db=$tmp/$arm-$i.db
        case $arm in
            written) "$wl/chat_nats" --mode inproc "${common[@]}" --db "$db" \
                --subject rosey.chat.message --store-subject rosey.db.message.log ;;
            intended) "$wl/chat_nats" --mode inproc "${common[@]}" --db "$db" \
                --subject rosey.chat.message ;;
            direct) "$wl/chat_direct" --events 500 --rate 100 --journal wal --sync normal \
                --db "$db" ;;
        esac >"$tmp/$arm-$i.json"
    done
done
python3 - "$tmp" "$k" <<'PY'
import json, math, statistics, sys
tmp, k = sys.argv[1], int(sys.argv[2])
T95 = {2: 12.706, 3: 4.303, 4: 3.182, 5: 2.776, 6: 2.571, 7: 2.447, 8: 2.365, 9: 2.306, 10: 2.262}
def pct(r):
    m = r["measured"]
    busy = (m["user_s"] + m["sys_s"]) / m["wall_s"] * 100
    idle = r.get("idle")
    return busy - (idle["cpu_s"] / idle["wall_s"] * 100 if idle else 0.0)
arms = {}
for arm in ("written", "intended", "direct"):
    v = []
    for i in range(1, k + 1):
        r = json.load(open(f"{tmp}/{arm}-{i}.json"))
        assert r["ok"], r
        stored = r["events"].get("stored", r["events"].get("rows"))
        if stored is not None:
            assert stored == (0 if arm == "written" else 500), (arm, i, stored)
        v.append(pct(r))
    arms[arm] = v
def summary(v):
    n = len(v); mean = statistics.mean(v); sd = statistics.stdev(v)
    h = T95.get(n - 1, 2.0) * sd / math.sqrt(n)
    return mean, mean - h, mean + h, statistics.median(v), min(v), max(v)
cov = (1 - 2 / 2 ** k) * 100
print("trial " + " ".join(f"{a:>9}" for a in arms))
for i in range(k):
    print(f"{i+1:>5} " + " ".join(f"{arms[a][i]:9.2f}" for a in arms))
for arm, v in arms.items():
    mean, lo, hi, med, mn, mx = summary(v)
    verdict = "" if arm == "direct" else (
        " -> 5.80 %s" % ("is inside the interval: reproduced" if lo <= 5.80 <= hi else
                         "is above the interval: not reproduced, this C stack costs less"
                         if hi < 5.80 else
                         "is below the interval: not reproduced, this C stack costs more"))
    print(f"{arm}: mean {mean:.2f} (95% t {lo:.2f} to {hi:.2f}); median {med:.2f} "
          f"(range {mn:.2f} to {mx:.2f}, {cov:.1f}% for the median){verdict}")
d = [a - b for a, b in zip(arms["intended"], arms["direct"])]
mean, lo, hi, med, mn, mx = summary(d)
print(f"intended minus direct (paired by round, nats-server excluded): mean {mean:.2f} "
      f"points (95% t {lo:.2f} to {hi:.2f})")
PY
