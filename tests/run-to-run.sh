#!/bin/sh
# The run-to-run component (issue 17): `overhead repeat --compare` estimates
# how far the headline moves between runs beyond their own intervals and
# writes it (overhead.repeatability/1); `overhead analyze --repeatability`
# states it beside the headline, with the interval widened by it, only for
# the host it was measured on, and refuses a file that is not one (exit 2,
# naming it). Runs on the golden fixture run tests/data/analysis/main; the
# "second run" is its analysis with the headline moved, so the truth is known.
#   run-to-run.sh OVERHEAD
set -eu
ovh=${1:?usage: run-to-run.sh OVERHEAD}
src=$(cd "$(dirname "$0")" && pwd)/data/analysis/main
tmp=$(mktemp -d /tmp/run-to-run-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*" >&2; fail=1; }
# py EXPR FILE...: print a Python expression over the JSON files (a, b, ...).
py() {
    python3 - "$@" <<'PY'
import json, sys
expr, files = sys.argv[1], sys.argv[2:]
a, b = [json.load(open(f)) for f in files] + [None] * (2 - len(files))
print(eval(expr))
PY
}

"$ovh" analyze -o "$tmp/a.json" "$src"
[ "$(py 'a["run_to_run"]["measured"]' "$tmp/a.json")" = False ] &&
    py 'a["run_to_run"]["text"]' "$tmp/a.json" | grep -q "not measured here" &&
    ok "without a repeatability file: not measured, says so" ||
    bad "without a file: $(py 'a["run_to_run"]' "$tmp/a.json")"

# Two identical runs: no component.
cp "$tmp/a.json" "$tmp/same.json"
rc=0
"$ovh" repeat --compare "$tmp/a.json" "$tmp/same.json" --write "$tmp/r0.json" \
    >"$tmp/out0" 2>&1 || rc=$?
if [ "$rc" = 0 ] && [ "$(py 'a["headline"]["tau"]' "$tmp/r0.json")" = 0.0 ] &&
    [ "$(py 'round(a["headline"]["q_p"], 6)' "$tmp/r0.json")" = 1.0 ]; then
    ok "identical runs: tau 0, Q's p 1, exit 0"
else
    bad "identical runs: exit $rc, $(cat "$tmp/out0")"
fi

# A second run whose headline sits well outside the first's interval.
python3 - "$tmp/a.json" "$tmp/b.json" <<'PY'
import json, math, sys
a = json.load(open(sys.argv[1]))
v = a["headline"]["values"]
shift = 2.5 * (math.log1p(v["ci_hi"]) - math.log1p(v["ci_lo"]))
for k in ("overhead", "ci_lo", "ci_hi"):
    v[k] = math.expm1(math.log1p(v[k]) + shift)
json.dump(a, open(sys.argv[2], "w"))
PY
rc=0
"$ovh" repeat --compare "$tmp/a.json" "$tmp/b.json" --write "$tmp/r.json" \
    >"$tmp/out" 2>&1 || rc=$?
if [ "$rc" = 1 ] && grep -q "headline overhead *tau" "$tmp/out" &&
    [ "$(py 'a["schema"]' "$tmp/r.json")" = overhead.repeatability/1 ] &&
    [ "$(py 'a["headline"]["tau"] > 0 and a["headline"]["q_p"] < 0.05' "$tmp/r.json")" = True ]
then
    ok "moved run: exit 1, tau > 0, Q rejects, file written"
else
    bad "moved run: exit $rc, $(cat "$tmp/out")"
fi

# Applied on the same host: the interval widens by tau, around this run.
"$ovh" analyze --repeatability "$tmp/r.json" -o "$tmp/w.json" "$src"
check='(a["run_to_run"]["measured"] and a["run_to_run"]["host_matches"]
 and a["run_to_run"]["lo_pct"] < 100 * a["headline"]["values"]["ci_lo"]
 and a["run_to_run"]["hi_pct"] > 100 * a["headline"]["values"]["ci_hi"]
 and abs(a["run_to_run"]["tau_pts"] - 100 * (1 + a["headline"]["values"]["overhead"])
         * b["headline"]["tau"]) < 1e-6 * a["run_to_run"]["tau_pts"])'
if [ "$(py "$check" "$tmp/w.json" "$tmp/r.json")" = True ] &&
    py 'a["run_to_run"]["text"]' "$tmp/w.json" | grep -q "Run to run on this host (2 runs"
then
    ok "same host: measured, interval widened by tau, stated"
else
    bad "same host: $(py 'a["run_to_run"]' "$tmp/w.json")"
fi
"$ovh" render -o "$tmp/page" "$tmp/w.json" >/dev/null
grep -q "^| Allowing for the run-to-run spread on this host" "$tmp/page/CPU_OVERHEAD_ANALYSIS.md" &&
    ok "the Summary table has the widened interval" ||
    bad "no run-to-run row in the Summary table"

# Another host: not applied, and said so.
python3 - "$tmp/r.json" "$tmp/other.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["hardware"]["text"] = "Intel Xeon, 2 CPUs, a virtual machine"
json.dump(r, open(sys.argv[2], "w"))
PY
"$ovh" analyze --repeatability "$tmp/other.json" -o "$tmp/o.json" "$src"
if [ "$(py 'a["run_to_run"]["measured"] or a["run_to_run"]["host_matches"]' "$tmp/o.json")" = False ] &&
    py 'a["run_to_run"]["text"]' "$tmp/o.json" | grep -q "on another host"; then
    ok "another host: not applied, says so"
else
    bad "another host: $(py 'a["run_to_run"]' "$tmp/o.json")"
fi

# Not a repeatability file: exit 2 naming it.
echo '{"schema": "overhead.analysis/1"}' >"$tmp/wrong.json"
rc=0
"$ovh" analyze --repeatability "$tmp/wrong.json" -o "$tmp/x.json" "$src" 2>"$tmp/err" || rc=$?
if [ "$rc" = 2 ] && grep -q "wrong.json: not a repeatability file" "$tmp/err" &&
    [ ! -e "$tmp/x.json" ]; then
    ok "not a repeatability file: exit 2, named, no output"
else
    bad "wrong file: exit $rc, $(cat "$tmp/err")"
fi
printf '{"schema": ' >"$tmp/cut.json"
rc=0
"$ovh" analyze --repeatability "$tmp/cut.json" "$src" >/dev/null 2>"$tmp/err" || rc=$?
[ "$rc" = 2 ] && grep -q "cut.json" "$tmp/err" && ok "truncated file: exit 2, named" ||
    bad "truncated file: exit $rc, $(cat "$tmp/err")"

[ "$fail" = 0 ] && echo "run to run: ok"
exit "$fail"
