#!/usr/bin/env bash
# The report's main body as a sprint review reads it (issue 19): real
# analyses, re-created with this build from their data and rendered with
# this tree's templates, must keep the part before "## Appendix" to at most
# 150 lines and state each headline figure once in the decision block and
# once in the Summary, not again in every later section:
#   - the per-event overhead as printed ("84.9%"),
#   - each verdict's interval (per event and at the chat rate), and the
#     chat-rate difference as printed,
#   - each verdict word no more often than twice per verdict carrying it;
# each also has to be in the decision block (so that a renamed field cannot
# pass by printing nothing).
#
# The analyses: every published report under docs/sprints whose data/README.md
# gives the command that re-creates its JSON (a full default run: variants,
# rate sweep, chat rate), and the analysis fixture (tests/data/analysis).
#
#   report-body.sh OVERHEAD
set -euo pipefail
overhead=${1:?usage: report-body.sh OVERHEAD}
overhead=$(cd "$(dirname "$overhead")" && pwd)/$(basename "$overhead")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
n=0

check() { # check NAME ANALYSIS.json
    local name=$1 json=$2 out=$tmp/$1
    OVERHEAD_TEMPLATES=$root/templates "$overhead" render -o "$out" "$json" >/dev/null
    python3 - "$json" "$out/CPU_OVERHEAD_ANALYSIS.md" "$name" <<'PY' || fail=1
import json, re, sys
a = json.load(open(sys.argv[1]))
md = open(sys.argv[2]).read()
name = sys.argv[3]
MAX_LINES = 150
body, sep, _ = md.partition("\n## Appendix")
bad = []
if not sep:
    bad.append("no '## Appendix' heading")
lines = body.count("\n") + 1
if lines > MAX_LINES:
    bad.append("main body has %d lines (at most %d)" % (lines, MAX_LINES))
# Markdown escapes and signs do not make a figure another one
plain = body.replace("\\", "").replace("+", "")
decision = "\n".join(l for l in plain.splitlines() if l.startswith(">"))

def figure(text):
    # the figure not inside a longer number ("4.9%" is not in "84.9%")
    return r"(?<![\d.])" + re.escape(text) + r"(?![\d])"

def at_most_twice(what, pattern):
    n = len(re.findall(pattern, plain))
    if n > 2:
        bad.append("%s appears %d times before the appendix (at most 2: decision block "
                   "and Summary)" % (what, n))
    if not re.search(pattern, decision):
        bad.append("%s is not in the decision block" % what)

h = a["headline"]
at_most_twice("the headline overhead %s%%" % h["overhead_pct"], figure(h["overhead_pct"] + "%"))
at_most_twice("the per-event interval %s%% to %s%%" % (h["ci_lo_pct"], h["ci_hi_pct"]),
              figure(h["ci_lo_pct"] + "% to " + h["ci_hi_pct"] + "%"))
words = {h["verdict"]: 1}
cr = a.get("chat_rate")
if cr and cr.get("ci_lo_pp") not in (None, "n/a"):
    lo, hi = cr["ci_lo_pp"].lstrip("+"), cr["ci_hi_pp"].lstrip("+")
    at_most_twice("the chat-rate interval %s to %s" % (lo, hi), figure(lo + " to " + hi))
    at_most_twice("the chat-rate difference %s points" % cr["diff_pp"],
                  figure(cr["diff_pp"].lstrip("+") + " points"))
if cr:
    words[cr["verdict"]] = words.get(cr["verdict"], 0) + 1
for w, k in words.items():
    got = len(re.findall(r"\b%s\b" % w, plain))
    if got > 2 * k:
        bad.append("the verdict %s appears %d times before the appendix (at most %d)"
                   % (w, got, 2 * k))
    if not re.search(r"\b%s\b" % w, decision):
        bad.append("the verdict %s is not in the decision block" % w)
# a number of rounds is stated only as a plausible plan: at most 10 times the
# rounds (or trials per side) run, the verdicts' texts anywhere in the report
runs = {}
for key in ("headline", "chat_rate"):
    iv = (a.get(key) or {}).get("interval") or {}
    if iv:
        runs[key] = iv.get("pairs") or min(iv.get("n_a") or 0, iv.get("n_b") or 0)
for key, have in runs.items():
    need = (a.get(key) or {}).get("trials_to_decide")
    for text in (a[key].get("verdict_text", ""), a[key].get("verdict_why", "")):
        for m in re.finditer(r"about (\d+) (paired rounds|trials per side) would settle", text):
            if int(m.group(1)) > 10 * max(have, 1):
                bad.append("%s: '%s' with %d run: not a plausible plan"
                           % (key, m.group(0), have))
for m in re.finditer(r"about (\d+) (paired rounds|trials per side) would settle", md):
    if all(int(m.group(1)) > 10 * max(h, 1) for h in runs.values()):
        bad.append("the report says '%s'" % m.group(0))
# the Conclusion says what to do in its own words: not the decision's
# sentence again, nor a verdict's explanation
concl = plain.partition("\n## Conclusion")[2]
rec = a.get("recommendation") or {}
for key, text in (("the decision's sentence", rec.get("summary_short")),
                  ("the recommendation's summary", rec.get("summary")),
                  ("the per-event verdict's text", h.get("verdict_text"))):
    if text and text.replace("\\", "").replace("+", "") in concl:
        bad.append("the Conclusion repeats %s" % key)
# the spec's sections keep their headings
for head in ("## Summary", "## Methodology", "## Results", "### Top 3 Hotspots",
             "## Analysis", "### NATS Overhead Breakdown",
             "### Comparison to Direct Database", "## Recommendations", "## Conclusion"):
    if not re.search(r"^" + re.escape(head) + r"$", body, re.M):
        bad.append("no '%s' heading in the main body" % head)
# one heading per section
heads = re.findall(r"^#+ .*$", body, re.M)
dup = sorted({x for x in heads if heads.count(x) > 1})
if dup:
    bad.append("headings repeated: %s" % ", ".join(dup))
for b in bad:
    print("FAIL: %s: %s" % (name, b), file=sys.stderr)
print("%s: main body %d lines" % (name, lines))
sys.exit(1 if bad else 0)
PY
    n=$((n + 1))
}

# Every published report, re-created from its own data/ with this build.
for readme in "$root"/docs/sprints/*/*/data/README.md; do
    [ -f "$readme" ] || continue
    data=$(dirname "$readme")
    name=$(basename "$(dirname "$data")")
    cmd=$(grep '^SOURCE_DATE_EPOCH=[0-9]* overhead analyze ' "$readme" || true)
    [ -n "$cmd" ] || { echo "FAIL: $readme gives no command" >&2; fail=1; continue; }
    (cd "$data" && eval "${cmd/ overhead analyze / \"\$overhead\" analyze }") \
        >"$tmp/$name.json" 2>"$tmp/$name.err" ||
        { echo "FAIL: $name: re-analysing data/ failed: $(cat "$tmp/$name.err")" >&2
          fail=1; continue; }
    check "$name" "$tmp/$name.json"
done
# The analysis fixture (a real run, smaller).
(cd "$here/data/analysis" && SOURCE_DATE_EPOCH=1764547200 "$overhead" analyze main aa rate storage) \
    >"$tmp/fixture.json"
check fixture "$tmp/fixture.json"
[ "$n" -ge 1 ] || { echo "FAIL: no report checked" >&2; fail=1; }
[ "$fail" -eq 0 ] && echo "report body: ok ($n reports)"
exit "$fail"
