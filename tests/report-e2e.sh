#!/usr/bin/env bash
# End to end: a short `overhead report`, which starts its own real
# nats-server (so that the server's CPU is accounted too), then its numbers
# recomputed from the run records.
set -euo pipefail
overhead=${1:?usage: report-e2e.sh OVERHEAD TEST_REPORT_E2E}
checker=${2:?usage: report-e2e.sh OVERHEAD TEST_REPORT_E2E}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
env -u NATS_URL "$overhead" report --quick -n 5000 --sweep memory --rate 50 --sprint e2e-sprint \
    --docs "$tmp/docs" --runs "$tmp/runs" >"$tmp/out" 2>"$tmp/err" || {
    echo "overhead report failed:" >&2
    cat "$tmp/err" "$tmp/out" >&2
    exit 1
}
cat "$tmp/out"
grep -q '^Verdict: \(PASS\|FAIL\|INCONCLUSIVE\): ' "$tmp/out"
"$checker" "$tmp/docs/sprints/active/e2e-sprint"
grep -q 'href="sprints/active/e2e-sprint/CPU_OVERHEAD_ANALYSIS.html"' "$tmp/docs/index.html"
# the sections the seed asks for
md=$tmp/docs/sprints/active/e2e-sprint/CPU_OVERHEAD_ANALYSIS.md
for section in '## Methodology' '### Top 3 Hotspots' '### NATS Overhead Breakdown' \
    '### Comparison to Direct Database' '## Recommendations' '## Conclusion' \
    '**Storage settings.**' '**Noise floor.**' 'CPU at 50 events/s'; do
    grep -qF -- "$section" "$md" || { echo "missing in the report: $section" >&2; exit 1; }
done
# One denominator: every variant's "% of the overhead" is the same in the
# decision block's actions and in the ranked variants table (both over the
# headline's overhead in us/event from the same rounds).
table=$(awk -F' *[|] *' '/^## Recommendations/ {on = 1} /^## Conclusion/ {on = 0}
    on && /^[|] [0-9]+ [|] [a-z][a-z0-9-]* [|]/ {print $3, $7}' "$md" |
    sed 's/%$//' | sort)
recs=$(sed -n 's/^> - Action: \([a-z0-9-]*\): .* us per event (interval [^)]*), \([-0-9.e+]*\)% of the overhead.*/\1 \2/p' \
    "$md" | sort -u)
[ -n "$table" ] || { echo "no variants table in the report" >&2; exit 1; }
[ -n "$recs" ] || { echo "no measured variant among the decision's actions" >&2; exit 1; }
while read -r name pct; do
    want=$(printf '%s\n' "$table" | awk -v n="$name" '$1 == n {print $2}')
    [ "$want" = "$pct" ] || {
        echo "variant $name: $pct% of the overhead in the decision block, '$want'% in the table" >&2
        exit 1
    }
done <<<"$recs"
# Per-thread truth from the kernel: the table for both architectures,
# saturated and at the chat rate; each process's threads add up to its
# measured CPU; each thread's weighed share of the samples is its kernel share
# (a thread no stack is matched to would get none).
grep -qF 'Threads: CPU and wake-ups per event' "$md" ||
    { echo "missing in the report: the per-thread table" >&2; exit 1; }
python3 - "$tmp/docs/sprints/active/e2e-sprint" <<'PY'
import glob, json, os, sys
d = sys.argv[1]
a = json.load(open(os.path.join(d, "CPU_OVERHEAD_ANALYSIS.json")))
th = a["threads"]
seen = {(r["arch"], r["phase"]) for r in th["rows"]}
nats = a["config"]["nats_arch"]
for want in [("direct", "saturated"), (nats, "saturated"), ("direct", "50 events/s"),
             (nats, "50 events/s")]:
    assert want in seen, (want, seen)
n = 0
for f in glob.glob(os.path.join(d, "data", "**", "trial-*.json"), recursive=True):
    for p in json.load(open(f)).get("processes", []):
        if p.get("threads") and p.get("measured"):
            s, m = sum(t["cpu_s"] for t in p["threads"]), p["measured"]["cpu_s"]
            assert abs(s - m) <= 0.05 * m + 0.01, (f, p["role"], s, m)
            n += 1
assert n > 0, "no record has threads"
for r in th["sampling_rows"]:
    k, w = float(r["kernel_pct"]), float(r["weighted_pct"])
    if k >= 2 and r["samples"] >= 20:
        assert abs(w / k - 1) <= 0.10, r
print(f"threads: ok ({n} processes, {len(th['rows'])} rows)")
PY
echo "report e2e: ok"
