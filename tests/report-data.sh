#!/usr/bin/env bash
# The data published beside a report (data/): `overhead report --from` the
# analysis fixture's runs (tests/data/analysis), then check the spec's files
# (direct_profile.txt and nats_profile.txt with flat and cumulative columns,
# folded stacks and speedscope JSON per architecture, the run records and
# profiles), and that the command in data/README.md, run inside data/,
# re-creates the published CPU_OVERHEAD_ANALYSIS.json byte for byte.
#
#   report-data.sh OVERHEAD
set -euo pipefail
overhead=${1:?usage: report-data.sh OVERHEAD}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*" >&2; fail=1; }

cd "$here/data/analysis"
SOURCE_DATE_EPOCH=1764547200 OVERHEAD_TEMPLATES=$here/../templates \
    "$overhead" report --docs "$tmp/docs" --sprint data-sprint --from main aa rate storage \
    >"$tmp/report.out"
out=$tmp/docs/sprints/active/data-sprint
data=$out/data
for f in README.md direct_profile.txt nats_profile.txt main/run.json aa/run.json; do
    [ -s "$data/$f" ] || bad "data/$f is missing"
done
for f in direct_profile.txt nats_profile.txt; do
    grep -qE '^ +flat +flat% +sum% +cum +cum% ' "$data/$f" || bad "$f: no pprof header"
    rows=$(grep -cE '^ +[0-9.]+s +[0-9.]+% ' "$data/$f" || true)
    [ "$rows" -ge 10 ] && [ "$rows" -le 50 ] || bad "$f: $rows function rows"
done
grep -q '^Architecture nats-2p: ' "$data/nats_profile.txt" \
    || bad "nats_profile.txt is not the headline NATS architecture's"
for arch in direct nats-2p; do
    grep -qE '^[^ ]+(;[^ ]+)* [0-9]+$' "$data/profiles/$arch.folded" \
        || bad "profiles/$arch.folded has no folded stack"
    python3 - "$data/profiles/$arch.speedscope.json" <<'PY' || bad "$arch.speedscope.json"
import json, sys
d = json.load(open(sys.argv[1]))
p = d["profiles"][0]
assert p["type"] == "sampled" and len(p["samples"]) == len(p["weights"]) > 0
assert all(0 <= i < len(d["shared"]["frames"]) for s in p["samples"] for i in s)
PY
done
# The header of each pooled profile, read back against the trial records: the
# number of profiled trials (A/A control excluded) and their measured CPU
# seconds (a per-architecture state left uninitialised shows here).
python3 - "$data" main <<'PY' || bad "profiles' headers do not match the trial records"
import glob, json, os, re, sys
data, run = sys.argv[1], sys.argv[2]
want = {}
for f in glob.glob(os.path.join(run, "trial-*.json")):
    r = json.load(open(f))
    if not r.get("profiled") or r.get("aa_group") is not None:
        continue
    n, cpu = want.get(r["arch"], (0, 0.0))
    for p in r.get("processes", []):
        if p.get("profile"):
            m = (p.get("measured") or {}).get("cpu_s")
            cpu += m if m is not None else p["cpu_s"]
    want[r["arch"]] = (n + 1, cpu)
assert want, "no profiled trial in the fixture"
for arch, (n, cpu) in want.items():
    head = open(os.path.join(data, "profiles", arch + ".txt")).readline()
    m = re.match(r"Architecture (\S+): (\d+) profiled trial\(s\) pooled, \d+ samples, "
                 r"([0-9.]+) CPU seconds measured", head)
    assert m and m.group(1) == arch, head
    assert int(m.group(2)) == n, f"{arch}: header says {m.group(2)} trials, records {n}"
    assert abs(float(m.group(3)) - cpu) <= 0.0005 + 1e-9 * cpu, \
        f"{arch}: header says {m.group(3)} CPU s, records {cpu:.3f}"
PY
n=$(find "$data/main" -name '*.prof' | wc -l)
[ "$n" -eq "$(find main -name '*.prof' | wc -l)" ] || bad "data/main has $n profiles"

# Re-create the analysis from data/ alone, as README.md says.
cmd=$(grep '^SOURCE_DATE_EPOCH=[0-9]* overhead analyze ' "$data/README.md" || true)
[ -n "$cmd" ] || bad "README.md gives no command"
(cd "$data" && eval "${cmd/ overhead analyze / \"\$overhead\" analyze }") >"$tmp/again.json"
if ! cmp -s "$tmp/again.json" "$out/CPU_OVERHEAD_ANALYSIS.json"; then
    bad "re-analysing data/ does not give the published JSON"
    diff "$tmp/again.json" "$out/CPU_OVERHEAD_ANALYSIS.json" | head -10 >&2
fi
grep -q 'href="sprints/active/data-sprint/data/README.md"' "$tmp/docs/index.html" \
    || bad "the index does not link the data"
kb=$(du -sk "$data" | cut -f1)
[ "$kb" -lt 5000 ] || bad "data/ is $kb KB"
[ "$fail" -eq 0 ] && echo "report data: ok (data/ $kb KB, analysis re-created byte for byte)"
exit "$fail"
