#!/bin/sh
# The report's warnings grouped by kind (sampling.warning_groups): checked
# against the raw list (sampling.warnings) of the analysis fixture, another
# way: every warning is counted in exactly one group line, a line per kind
# (no two lines with the same text once subjects and numbers are taken out),
# and the Markdown lists the groups in the appendix, not in the body; the
# decision block holds at most three actions, and no text says "(s)".
#
#   warning-groups.sh OVERHEAD
set -eu
ovh=${1:?usage: warning-groups.sh OVERHEAD}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$here/data/analysis" && SOURCE_DATE_EPOCH=1764547200 "$ovh" analyze main aa rate storage) \
    >"$tmp/a.json"
OVERHEAD_TEMPLATES=$here/../templates "$ovh" render -o "$tmp/out" "$tmp/a.json" >/dev/null
python3 - "$tmp/a.json" "$tmp/out/CPU_OVERHEAD_ANALYSIS.md" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))["sampling"]
raw, groups = d["warnings"], d["warning_groups"]
def count(line):
    m = re.match(r"(\d+) (trials|profiles|warnings) \(", line)
    return int(m.group(1)) if m else 1
assert sum(count(g) for g in groups) == len(raw), (len(raw), groups)
assert len(groups) < len(raw), "nothing was grouped"
def kind(w):
    w = re.sub(r"^(trial \d+ \([^)]*\)|[^ :]+\.(prof|pb\.gz)|[^:]{1,60}): ", "", w)
    return re.sub(r"\d+(\.\d+)*", "#", w)
kinds = [kind(re.sub(r"^\d+ \w+ \(.*?\), for example (trial )?[^:]+: ", "x: ", g)) for g in groups]
assert len(set(kinds)) == len(kinds), "two lines of one kind"
md = open(sys.argv[2]).read()
body, _, appendix = md.replace("\\", "").partition("\n## Appendix")
assert appendix, "no appendix"
for g in groups:
    assert g not in body, "a warning in the main body: " + g[:60]
    assert ("- " + g) in appendix, "a warning group missing from the appendix: " + g[:60]
assert "### A. Per-trial measurements" in appendix and "| trial |" not in body
# the decision block: at most three actions, no placeholder, no "(s)" anywhere
decision = [l for l in md.splitlines() if l.startswith("> ")]
assert sum(l.startswith("> - Action:") for l in decision) <= 3, decision
assert "Target: reduce" not in md and "(s)" not in md, "placeholder or (s) plural"
print("warning groups: ok (%d warnings, %d lines)" % (len(raw), len(groups)))
PY
