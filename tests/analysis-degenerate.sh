#!/usr/bin/env bash
# Degenerate inputs, one per analysis section (issue 20): the analysis
# fixture (tests/data/analysis) cut down or bent to an edge case, analysed
# and rendered. Every section must stay present, with null figures (never
# NaN, never a missing key) and a sentence saying why, and the Markdown must
# show that sentence where the section would be:
#   one_rate_trial     1 + 1 chat-rate trials: chat_rate without an interval
#   one_aa_pair        one A/A pair: noise_floor "Not measured" (2 needed)
#   no_aa              no A/A run at all: noise_floor says there is none
#   negative           NATS cheaper than direct: negative overhead, shares n/a;
#                      with 2 + 2 trials no verdict, with 4 + 4 (negative95) PASS
#   zero               every headline trial the same CPU: overhead exactly 0
#   single_storage     no sweep: sensitivity says only one storage
#   one_side_storage   the sweep's storage measured by direct only (item 10):
#                      never compared with itself
#   empty_profiles     profiles with no samples: breakdown, hotspots, flame,
#                      sampling still there
#   optimize_no_gain   an optimization phase whose baseline NATS costs less
#                      than direct: every variant row kept, share n/a, said why
#   one_trial          1 + 1 headline trials: refused with exit 1, saying so
#
#   analysis-degenerate.sh OVERHEAD
set -euo pipefail
overhead=${1:?usage: analysis-degenerate.sh OVERHEAD}
here=$(cd "$(dirname "$0")" && pwd)
export OVERHEAD_TEMPLATES=$here/../templates SOURCE_DATE_EPOCH=1764547200
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*" >&2; fail=1; }

# edit_cpu FACTOR|=US FILES...: scale every CPU figure of trial records by
# FACTOR, or (=US) set each record's per-event CPU to exactly US.
edit_cpu() {
    python3 - "$@" <<'PY'
import json, sys
keys = {"cpu_s", "measured_s", "user_s", "sys_s", "total_s", "per_event_us", "window_s",
        "window_per_event_us", "measured_per_event_us", "bot_s", "services_s",
        "nats_server_s"}
def scale(v, f):
    if isinstance(v, dict):
        return {k: (x * f if k in keys and isinstance(x, (int, float))
                    and not isinstance(x, bool) else scale(x, f)) for k, x in v.items()}
    return [scale(x, f) for x in v] if isinstance(v, list) else v
how = sys.argv[1]
for path in sys.argv[2:]:
    r = json.load(open(path))
    f = float(how) if how[0] != "=" else None
    if f is None:  # the analysis's per-event CPU: windows + nats-server's window
        nodes = [(p.get("measured") or {}).get("cpu_s")
                 for p in r["processes"] if p["role"] == "nats-server"]
        broker = (sum(nodes) if nodes and None not in nodes
                  else r["cpu"].get("nats_server_s") or 0)
        us = (r["cpu"]["measured_s"] + broker) / r["events"]["stored"] * 1e6
        f = float(how[1:]) / us
    json.dump(scale(r, f), open(path, "w"), indent=2)
PY
}

# fresh NAME: a copy of the fixture in $tmp/NAME, the current directory.
fresh() {
    rm -rf "${tmp:?}/$1"
    cp -r "$here/data/analysis" "$tmp/$1"
    rm -f "$tmp/$1/expected.json"
    cd "$tmp/$1"
}

# analyse NAME RUNS...: analyze and render; every section present, every
# number finite or null; leaves $tmp/NAME/a.json and $tmp/NAME/md.
analyse() {
    local name=$1 rc=0
    shift
    "$overhead" analyze "$@" >a.json 2>err || rc=$?
    if [ "$rc" -ne 0 ]; then
        bad "$name: analyze exit $rc: $(cat err)"
        return
    fi
    "$overhead" render -o out a.json >/dev/null 2>err || bad "$name: render: $(cat err)"
    cp out/CPU_OVERHEAD_ANALYSIS.md md 2>/dev/null || : >md
    python3 - a.json "$name" <<'PY' || bad "$name: sections or numbers"
import json, math, sys
a, name = json.load(open(sys.argv[1])), sys.argv[2]
want = ["headline", "breakdown", "hotspots", "rules", "sampling", "architectures",
        "sensitivity", "noise_floor", "reference", "recommendation", "conclusion",
        "trials", "charts"]
missing = [k for k in want if k not in a]
assert not missing, f"{name}: sections missing: {missing}"
def walk(v, path):
    if isinstance(v, float):
        assert math.isfinite(v), f"{name}: {path} = {v}"
    elif isinstance(v, str):
        assert v.lower() not in ("nan", "-nan", "inf", "-inf"), f"{name}: {path} = {v}"
        assert "nan%" not in v and " nan " not in v, f"{name}: {path}: {v[:120]}"
    elif isinstance(v, dict):
        for k, x in v.items():
            walk(x, path + "." + k)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            walk(x, "%s[%d]" % (path, i))
walk(a, name)
PY
}

# j EXPR: a Python expression on the analysis 'a' of the current case.
j() { python3 -c "import json; a = json.load(open('a.json')); print($1)"; }
# has TEXT WHAT: the rendered Markdown holds TEXT.
has() { grep -qF -- "$1" md || bad "$2: the report does not say '$1'"; }

# -- chat rate with one trial a side (item 8: the section vanished)
fresh one_rate_trial
rm rate/trial-03-* rate/trial-04-*
analyse one_rate_trial main aa rate storage
[ "$(j "a['chat_rate']['values']['ci_lo'], a['chat_rate']['values']['ci_hi'], a['chat_rate']['interval']['n_a'], a['chat_rate']['interval']['n_b']")" = "None None 1 1" ] ||
    bad "one_rate_trial: $(j "a.get('chat_rate', {}).get('values'), a.get('chat_rate', {}).get('interval')")"
has "1 + 1 trials: too few for any interval" one_rate_trial
has "At 300 events/s" one_rate_trial

# -- noise floor with one A/A pair, and with none
fresh one_aa_pair
rm aa/trial-03-* aa/trial-04-*
analyse one_aa_pair main aa rate storage
[ "$(j "a['noise_floor']['difference'], a['noise_floor']['detectable_pct'], a['noise_floor']['pairs']")" = "None None 1" ] ||
    bad "one_aa_pair: $(j "a.get('noise_floor')")"
has "**Noise floor.** Not measured: the A/A control (direct against direct) has 1 pair(s)" one_aa_pair
fresh no_aa
analyse no_aa main rate storage
has "**Noise floor.** Not measured: these runs have no A/A control" no_aa

# -- negative and zero overhead
fresh negative
edit_cpu 0.4 main/trial-*nats*.json
analyse negative main aa rate storage
# 2 + 2 trials: short of 95%, so no verdict although the range lies below
[ "$(j "a['headline']['values']['overhead'] < 0, a['headline']['values']['ci_hi'] < 0.05, a['headline']['verdict']")" = "True True INCONCLUSIVE" ] ||
    bad "negative: $(j "a['headline']['verdict'], a['headline']['values']")"
has "**Per-event overhead:" negative
has "### NATS Overhead Breakdown" negative
# 4 + 4 (tests/make-fixture95.py): the 95% interval lies below the target
fresh negative95
python3 "$here/make-fixture95.py" main main95
edit_cpu 0.4 main95/trial-*nats*.json
analyse negative95 main95
[ "$(j "a['headline']['values']['ci_hi'] < 0.05, a['headline']['interval']['short_of_level'], a['headline']['verdict']")" = "True False PASS" ] ||
    bad "negative95: $(j "a['headline']['verdict'], a['headline']['values']")"
fresh zero
edit_cpu =20 main/trial-*-unprof.json
analyse zero main aa rate storage
[ "$(j "abs(a['headline']['values']['overhead']) < 1e-12, a['headline']['values']['ci_lo'] is None or abs(a['headline']['values']['ci_lo']) < 1e-12")" = "True True" ] ||
    bad "zero: $(j "a['headline']['values']")"
has "**Per-event overhead: " zero

# -- storage: no sweep, and a sweep storage with one side only (item 10)
fresh single_storage
analyse single_storage main aa rate
[ "$(j "a['sensitivity']['no_sweep'], a['sensitivity']['rows']")" = "True []" ] ||
    bad "single_storage: $(j "a.get('sensitivity')")"
has "Only one storage setting, 'wal', was measured with both architectures" single_storage
grep -q 'chart:sensitivity' md && bad "single_storage: a sensitivity chart with nothing in it"
fresh one_side_storage
rm storage/trial-02-*
analyse one_side_storage main aa rate storage
has "('memory' measured with only one of them)" one_side_storage
grep -q "smallest for 'wal'" md && grep -q "largest for 'wal'" md &&
    bad "one_side_storage: a storage compared with itself"

# -- profiles with no samples
fresh empty_profiles
rm -f -- */*.pb.gz # the symbolized copies would stand in for the raw profiles
for p in */*.prof; do # header and trailer of a valid gperftools profile
    printf '\0\0\0\0\0\0\0\0\3\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\240\17\0\0\0\0\0\0\0\0\0\0\0\0\0\0' >"$p"
    printf '\0\0\0\0\0\0\0\0\1\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0' >>"$p"
done
analyse empty_profiles main aa rate storage
[ "$(j "a['hotspots'], [r['samples'] for r in a['sampling']['rows']], 'flame' in a['charts']")" = "[] [0, 0] True" ] ||
    bad "empty_profiles: $(j "a['hotspots'], a['sampling']['rows']")"
has "No function shows a per-event increase" empty_profiles
has "### B. Sampling health and warnings" empty_profiles

# -- an optimization phase where NATS costs less than direct (item 8)
fresh optimize_no_gain
python3 - main opt <<'PY'
import json, os, shutil, sys
src, out = sys.argv[1], sys.argv[2]
os.makedirs(out)
run = json.load(open(os.path.join(src, "run.json")))
run["config"]["variants"] = ["gc64"]
json.dump(run, open(os.path.join(out, "run.json"), "w"), indent=2)
n = 0
for name in sorted(os.listdir(src)):
    if not name.endswith("-unprof.json"):
        continue
    r = json.load(open(os.path.join(src, name)))
    if r["arch"] not in ("direct", "nats-2p"):
        continue
    for variant in ([None, "gc64"] if r["arch"] == "nats-2p" else [None]):
        n += 1
        v = dict(r, trial=n)
        if variant:
            v["variant"] = {"name": variant, "changes": "a test variant",
                            "gives_up": "nothing", "code_change": "none"}
        json.dump(v, open(os.path.join(out, "trial-%02d-%s.json" % (n, r["tag"])), "w"),
                  indent=2)
PY
edit_cpu 0.4 opt/trial-*nats*.json
analyse optimize_no_gain main opt
[ "$(j "len(a['optimization']['variants']), [v['saving_pct'] for v in a['optimization']['variants']]")" = "1 [None]" ] ||
    bad "optimize_no_gain: $(j "a.get('optimization')")"
has "no saving is stated as a share of the overhead" optimize_no_gain
grep -q "No optimization variants were measured" md && bad "optimize_no_gain: variants said missing"

# -- one headline trial a side: refused, saying why
fresh one_trial
rm main/trial-0[2456789]* main/trial-1*
rc=0
"$overhead" analyze main >a.json 2>err || rc=$?
[ "$rc" -eq 1 ] && grep -q "at least 2 of each are needed" err ||
    bad "one_trial: exit $rc: $(cat err)"

[ "$fail" -eq 0 ] && echo "analysis degenerate: ok (11 cases, every section present)"
exit "$fail"
