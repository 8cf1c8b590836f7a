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
    '### Sensitivity to storage settings' '**Noise floor.**' 'CPU at 50 events/s'; do
    grep -qF -- "$section" "$md" || { echo "missing in the report: $section" >&2; exit 1; }
done
echo "report e2e: ok"
