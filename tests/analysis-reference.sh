#!/usr/bin/env bash
# The reference paragraph (report/analysis/reference.c) tests the team's
# figure against the replica arms of their own test: the analysis fixture
# (tests/data/analysis) plus a replica run made here from one of its
# records, with chosen per-trial figures (CPU over the window minus the idle
# CPU, in % of one core):
#   inside   5.2 5.9 6.4 5.5 6.1 (mean 5.82): reproduced true, "reproduces"
#   above    2.0 2.2 1.9 2.1 2.3: reproduced false, "does not reproduce",
#            "costs less"; and the mean recomputed here appears in the text
#   stored   the same plus an as-intended arm: its figure stated, and a
#            stored arm never decides "reproduced"
#   none     no replica run: reproduced null, the text says so
#   analysis-reference.sh OVERHEAD
set -euo pipefail
ovh=${1:?usage: analysis-reference.sh OVERHEAD}
case $ovh in /*) ;; *) ovh=$PWD/$ovh ;; esac
here=$(cd "$(dirname "$0")" && pwd)
fx=$here/data/analysis
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*" >&2; fail=1; }

# replica DIR "WRITTEN..." ["STORED..."]: a replica run in DIR.
replica() {
    python3 - "$fx" "$@" <<'PY'
import copy, json, os, sys
fx, out, written = sys.argv[1], sys.argv[2], sys.argv[3].split()
stored = sys.argv[4].split() if len(sys.argv) > 4 else []
os.makedirs(out)
base = json.load(open(f"{fx}/rate/trial-02-nats-2p.json"))
run = json.load(open(f"{fx}/rate/run.json"))
run["trials"], run["config"]["replica"] = [], 1 if not stored else 3
k = 0
for mode, values in (("as written", written), ("as intended", stored)):
    for pp in values:
        k += 1
        r = copy.deepcopy(base)
        tag = "nats+replica-unprof" if mode == "as written" else "nats+replica-stored-unprof"
        n, x = 500, 0 if mode == "as written" else 500
        r.update(arch="nats", tag=tag, trial=k, round=k, profiled=False, samples=0)
        r["events"].update(requested=n, published=n, received=x, stored=x, rows=x,
                           expected_stored=x, lost=0)
        r["rate"] = {"requested": 100.0, "achieved": 100.0}
        wall, idle = 5.0, 0.001  # idle: 0.1% of one core over 1 s
        cpu = (float(pp) + 0.1) / 100 * wall
        inproc = dict(base["processes"][0], role="inproc", cpu_s=cpu, user_s=cpu / 2,
                      sys_s=cpu / 2, measured={"cpu_s": cpu, "user_s": cpu / 2,
                                               "sys_s": cpu / 2, "wall_s": wall})
        for key in ("profile", "samples", "effective_hz", "index"):
            inproc.pop(key, None)
        server = dict(base["processes"][2], measured={"cpu_s": 0.05, "user_s": 0.05,
                                                      "sys_s": 0.0, "wall_s": wall})
        r["processes"], r["profiles"] = [inproc, server], []
        r["sampling"].update(period_us=None, effective_hz=None)
        r["cpu"].update(measured_s=cpu, per_event_us=None if x == 0 else cpu / x * 1e6)
        r["replica"] = {"protocol": mode, "subject": "rosey.chat.message",
                        "store_subject": "rosey.db.message.log" if x == 0 else None,
                        "idle_ms": 1000, "idle": {"cpu_s": idle, "wall_s": 1.0}}
        name = f"trial-{k:02d}-{tag}.json"
        json.dump(r, open(f"{out}/{name}", "w"), indent=2)
        run["trials"].append({"ok": True, "record": name, "tag": tag, "trial": k})
json.dump(run, open(f"{out}/run.json", "w"), indent=2)
PY
}

# analyse NAME [REPLICA_DIR]: the fixture's runs (and the replica run).
analyse() {
    (cd "$fx" && SOURCE_DATE_EPOCH=1764547200 "$ovh" analyze main aa rate storage ${2:+"$2"}) \
        >"$tmp/$1.json" 2>"$tmp/$1.err" || { bad "$1: analyze failed: $(cat "$tmp/$1.err")"; return 1; }
}
j() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

replica "$tmp/inside" "5.2 5.9 6.4 5.5 6.1"
analyse inside "$tmp/inside"
[ "$(j "$tmp/inside.json" "d['reference']['reproduced']")" = True ] \
    && ok "inside: reproduced" || bad "inside: $(j "$tmp/inside.json" "d['reference']")"
j "$tmp/inside.json" "d['reference']['text']" | grep -q "5.8 lies inside that interval: it reproduces" \
    && ok "inside: the text says it reproduces" || bad "inside: $(j "$tmp/inside.json" "d['reference']['text']")"

replica "$tmp/above" "2.0 2.2 1.9 2.1 2.3"
analyse above "$tmp/above"
[ "$(j "$tmp/above.json" "d['reference']['reproduced']")" = False ] \
    && ok "above: not reproduced" || bad "above: $(j "$tmp/above.json" "d['reference']")"
text=$(j "$tmp/above.json" "d['reference']['text']")
echo "$text" | grep -q "does not reproduce, this C stack costs less" \
    && ok "above: the text says it does not reproduce" || bad "above: $text"
# the mean, recomputed here from the chosen values
mean=$(python3 -c "print(round(sum([2.0,2.2,1.9,2.1,2.3])/5, 3))")
got=$(j "$tmp/above.json" "round(d['reference']['as_written']['mean_pp'], 3)")
[ "$got" = "$mean" ] && ok "above: mean $got" || bad "above: mean $got, want $mean"
echo "$text" | grep -Eq "nats-server, which the team left out, used 1(\.0+)?% more\." \
    && ok "above: nats-server stated apart" || bad "above: nats-server: $text"

replica "$tmp/stored" "2.0 2.2 1.9 2.1 2.3" "5.2 5.9 6.4 5.5 6.1"
analyse stored "$tmp/stored"
[ "$(j "$tmp/stored.json" "d['reference']['reproduced']")" = False ] \
    && ok "stored: the as-written arm decides" || bad "stored: $(j "$tmp/stored.json" "d['reference']")"
j "$tmp/stored.json" "d['reference']['text']" | grep -q "every event is stored (the test as intended), the same process uses 5.82%" \
    && ok "stored: its figure stated" || bad "stored: $(j "$tmp/stored.json" "d['reference']['text']")"

analyse none
[ "$(j "$tmp/none.json" "d['reference']['reproduced']")" = None ] \
    && ok "none: reproduced null" || bad "none: $(j "$tmp/none.json" "d['reference']")"
j "$tmp/none.json" "d['reference']['text']" | grep -q "no replica of that test" \
    && ok "none: says why" || bad "none: $(j "$tmp/none.json" "d['reference']['text']")"

[ "$fail" = 0 ] && echo "analysis reference: ok"
exit "$fail"
