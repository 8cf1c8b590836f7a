#!/usr/bin/env bash
# The headline of a published report recomputed from its trial records by
# test_report_e2e (independently of the analysis and of stats.c), on a
# fixture whose comparisons reach 95%: tests/data/analysis/main with two more
# rounds (tests/make-fixture95.py), 4 + 4 unprofiled trials, so the interval
# is the exact Mann-Whitney one, not the range of the data that 2 + 2 give;
# and with 6 rounds, paired by round (the exact signed-rank interval).
# Fast (no workload runs), so `make mutate` can use it: a headline whose
# bounds came from another method (Welch) or another order statistic fails.
#
#   analysis-recompute.sh OVERHEAD TEST_REPORT_E2E
set -euo pipefail
overhead=${1:?usage: analysis-recompute.sh OVERHEAD TEST_REPORT_E2E}
checker=${2:?usage: analysis-recompute.sh OVERHEAD TEST_REPORT_E2E}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# 4 rounds: 4 + 4 trials, unpaired (exact Mann-Whitney); 6 rounds: paired by
# round (exact signed-rank), the fewest pairs that reach 95%.
for rounds in 4 6; do
    python3 "$here/make-fixture95.py" "$here/data/analysis/main" "$tmp/fx$rounds/main" "$rounds"
    cd "$tmp/fx$rounds"
    SOURCE_DATE_EPOCH=1764547200 OVERHEAD_TEMPLATES=$here/../templates \
        "$overhead" report --docs "$tmp/docs" --sprint "r$rounds" --from main >"$tmp/out"
    out=$tmp/docs/sprints/active/r$rounds
    python3 - "$out/CPU_OVERHEAD_ANALYSIS.json" "$rounds" <<'PY'
import json, sys
h, rounds = json.load(open(sys.argv[1]))["headline"], int(sys.argv[2])
assert h["n_direct"] == rounds and h["n_nats"] == rounds, h
assert h["trials_source"] == "unprofiled", "headline says: " + h["trials_source"]
assert bool(h["interval"].get("paired")) == (rounds >= 6), h["interval"]
assert not h["interval"]["short_of_level"] and h["values"]["coverage"] >= 0.95, \
    "the fixture's headline does not reach 95%: " + h["interval"]["note"]
# the verdict rule, restated: the whole interval above the target fails
v = h["values"]
want = ("FAIL" if v["ci_lo"] > v["target"] else
        "PASS" if v["ci_hi"] < v["target"] else "INCONCLUSIVE")
assert h["verdict"] == want == "FAIL", (h["verdict"], want, v)
PY
    "$checker" "$out"
done
echo "analysis recompute: ok"
