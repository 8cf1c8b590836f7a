#!/bin/sh
# Flagged trials (issue 17, machine quietness): the analysis states the
# headline again without the rounds whose direct or NATS trial ran while
# other processes used more than 25% of a core (or steal above 5%), and says
# whether that moves it. On the 6-round paired fixture (make-fixture95.py)
# with machine readings added: none flagged -> "No headline trial was
# flagged."; one NATS trial flagged -> one paired round fewer, its estimate
# and interval; a flag on a trial outside the headline (nats, not nats-2p)
# changes nothing.
#   machine-flags.sh OVERHEAD
set -eu
ovh=${1:?usage: machine-flags.sh OVERHEAD}
tests=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/machine-flags-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*" >&2; fail=1; }
python3 "$tests/make-fixture95.py" "$tests/data/analysis/main" "$tmp/run" 6
# quiet TAG ROUND OUTSIDE_S: give every trial machine readings over a 1 s
# window (5% outside), then OUTSIDE_S for the trial TAG of ROUND.
machine() {
    python3 - "$tmp/run" "$@" <<'PY'
import glob, json, sys
d, tag, rnd, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
for f in glob.glob(d + "/trial-*.json"):
    r = json.load(open(f))
    o = out if (r["tag"] == tag and r["round"] == rnd) else 0.05
    r["machine"] = {"busy_s": 1.0, "outside_s": o, "steal_s": 0.0, "wall_s": 1.0}
    json.dump(r, open(f, "w"), indent=2)
PY
}
field() {
    python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["machine"]; print(eval(sys.argv[2]))' "$@"
}

machine none 0 0
"$ovh" analyze -o "$tmp/a0.json" "$tmp/run"
[ "$(field "$tmp/a0.json" 'm["without_flagged"]["text"]')" = "No headline trial was flagged." ] &&
    ok "quiet: no headline trial flagged" || bad "quiet: $(field "$tmp/a0.json" 'm')"

machine nats-unprof 3 0.6
"$ovh" analyze -o "$tmp/a1.json" "$tmp/run"
[ "$(field "$tmp/a1.json" 'm["flagged_count"], m["without_flagged"]["rounds_dropped"]')" = "(1, 0)" ] &&
    ok "a flag outside the headline's arms changes nothing" ||
    bad "outside the headline: $(field "$tmp/a1.json" 'm')"

machine nats-2p-unprof 3 0.6
"$ovh" analyze -o "$tmp/a2.json" "$tmp/run"
if [ "$(field "$tmp/a2.json" 'm["without_flagged"]["rounds_dropped"]')" = 1 ] &&
    field "$tmp/a2.json" 'm["without_flagged"]["text"]' |
    grep -Eq "^Without the rounds whose direct or NATS trial was flagged \(one (paired round|trial a side) fewer\), the headline is .*, 5 \+ 5 trials\)"
then
    ok "one headline trial flagged: its round left out, 5 + 5 trials remain"
else
    bad "flagged headline trial: $(field "$tmp/a2.json" 'm')"
fi
[ "$fail" = 0 ] && echo "machine flags: ok"
exit "$fail"
