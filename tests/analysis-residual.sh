#!/bin/sh
# The breakdown can fail: copy the analysis fixture's main run, make the
# unprofiled NATS trials (the measured overhead) use 40% more CPU than the
# profiled ones (whose per-process attribution makes the breakdown's total),
# and check that the analysis shows the residual instead of hiding it, and
# warns. Then the untouched copy: no such warning.
set -eu
ovh=${1:?usage: analysis-residual.sh OVERHEAD}
here=$(cd "$(dirname "$0")" && pwd)/data/analysis
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$here/main" "$tmp/main"
cd "$tmp"
"$ovh" analyze main >plain.json
python3 - main <<'PY'
import glob, json, sys
for f in glob.glob(sys.argv[1] + "/trial-*-nats-2p-unprof.json"):
    r = json.load(open(f))
    for p in r["processes"]:
        for k in ("cpu_s", "user_s", "sys_s"):
            if isinstance(p.get(k), (int, float)):
                p[k] *= 1.4
        m = p.get("measured")
        if isinstance(m, dict):
            for k in ("cpu_s", "user_s", "sys_s"):
                m[k] *= 1.4
    c = r["cpu"]
    for k in ("total_s", "measured_s", "nats_server_s", "user_s", "sys_s"):
        if isinstance(c.get(k), (int, float)):
            c[k] *= 1.4
    json.dump(r, open(f, "w"))
PY
"$ovh" analyze main >skewed.json
python3 - plain.json skewed.json <<'PY'
import json, sys
plain, skewed = (json.load(open(f)) for f in sys.argv[1:3])
fail = 0
def check(cond, what):
    global fail
    if not cond:
        print("FAIL:", what)
        fail = 1
b = skewed["breakdown"]
total = b["total"]["delta"]
measured = skewed["headline"]["values"]["nats_us"] - skewed["headline"]["values"]["direct_us"]
check(abs(b["residual_us"] - (total - measured)) < 1e-6 * abs(measured), "residual = total - measured")
check(b["residual_large"] is True, "residual flagged as large")
check("Warning" in b["residual_text"], "residual text warns")
check(any(w.startswith("breakdown: its total") for w in skewed["sampling"]["warnings"]), "warning raised")
check(abs(sum(r["delta"] for r in b["rows"]) - total) < 1e-6 * abs(total), "rows sum to the total")
check(plain["breakdown"]["residual_large"] is False, "no warning for the untouched run")
check(not any(w.startswith("breakdown: its total") for w in plain["sampling"]["warnings"]), "untouched: no warning")
print("residual %.3f us of %.3f measured (untouched %.3f)" % (b["residual_us"], measured, plain["breakdown"]["residual_us"]))
sys.exit(fail)
PY
