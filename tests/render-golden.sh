#!/usr/bin/env bash
# Golden test of `overhead render`: a fixed analysis JSON must render to the
# Markdown in tests/data/report/expected.md, the HTML must escape data
# (function names with <script> and &), and the docs index must list it.
#
#   render-golden.sh OVERHEAD            check
#   render-golden.sh OVERHEAD --update   regenerate expected.md (review the diff!)
set -euo pipefail
overhead=${1:?usage: render-golden.sh OVERHEAD [--update]}
here=$(cd "$(dirname "$0")" && pwd)
data=$here/data/report
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
docs=$tmp/docs
out=$docs/sprints/active/golden-sprint

OVERHEAD_TEMPLATES=$here/../templates "$overhead" render -o "$out" -d "$docs" "$data/analysis.json"

if [ "${2:-}" = "--update" ]; then
    cp "$out/CPU_OVERHEAD_ANALYSIS.md" "$data/expected.md"
    echo "updated $data/expected.md"
    exit 0
fi
fail=0
if ! diff -u "$data/expected.md" "$out/CPU_OVERHEAD_ANALYSIS.md"; then
    echo "FAIL: Markdown differs from the golden file" >&2
    fail=1
fi
html=$out/CPU_OVERHEAD_ANALYSIS.html
# The page's one script is the template's own (the flame graph); data never
# adds another.
if [ "$(grep -o '<script' "$html" | wc -l)" -ne 1 ] || grep -q '<script>alert' "$html"; then
    echo "FAIL: unescaped <script in the HTML" >&2
    fail=1
fi
for c in trials breakdown sensitivity flame; do
    grep -q '<svg xmlns' "$out/charts/$c.svg" || { echo "FAIL: no charts/$c.svg" >&2; fail=1; }
done
grep -q 'json_loads&lt;script&gt;&amp;' "$html" || { echo "FAIL: escaped name missing" >&2; fail=1; }
n=$(grep -c '<svg' "$html")
[ "$n" -eq 4 ] || { echo "FAIL: $n charts in the HTML, expected 4" >&2; fail=1; }
grep -q 'http' <(grep -v 'xmlns="http://www.w3.org/2000/svg"' "$html" | grep -E '(src|href)="https?:') \
    && { echo "FAIL: the page loads something from the network" >&2; fail=1; }
grep -q 'href="sprints/active/golden-sprint/CPU_OVERHEAD_ANALYSIS.html"' "$docs/index.html" \
    || { echo "FAIL: the index does not list the report" >&2; fail=1; }
grep -q '151.4% per-event overhead' "$docs/index.html" \
    || { echo "FAIL: the index lacks the headline" >&2; fail=1; }

# Bad input: exit 2, the file named, nothing written.
expect_bad() { # expect_bad NAME PATTERN CMD...
    local name=$1 pattern=$2 rc=0
    shift 2
    "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
    if [ "$rc" -ne 2 ] || ! grep -q -- "$pattern" "$tmp/err"; then
        echo "FAIL: $name: exit $rc, stderr: $(cat "$tmp/err")" >&2
        fail=1
    fi
}
printf '{"schema": "overhead.analysis/1", ' >"$tmp/trunc.json"
expect_bad "truncated JSON" "trunc.json:1:" "$overhead" render -o "$tmp/o1" "$tmp/trunc.json"
echo '{"schema": "other/2"}' >"$tmp/other.json"
expect_bad "wrong schema" "other.json: schema is 'other/2'" "$overhead" render -o "$tmp/o2" "$tmp/other.json"
mkdir -p "$tmp/tpl"
cp "$here"/../templates/* "$tmp/tpl/"
printf 'ok\n{{#headline}}\n{{nope}}\n{{/headline}}\n' >"$tmp/tpl/CPU_OVERHEAD_ANALYSIS.md.mustache"
expect_bad "template error" "CPU_OVERHEAD_ANALYSIS.md.mustache:3:1: no value for 'nope'" \
    "$overhead" render -t "$tmp/tpl" -o "$tmp/o3" "$data/analysis.json"
[ ! -e "$tmp/o1" ] && [ ! -e "$tmp/o2" ] && [ ! -e "$tmp/o3" ] \
    || { echo "FAIL: output written despite bad input" >&2; fail=1; }
expect_bad "no output dir" "--out-dir is required" "$overhead" render "$data/analysis.json"
[ "$fail" -eq 0 ] && echo "render golden: ok"
exit "$fail"
