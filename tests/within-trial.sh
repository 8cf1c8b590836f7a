#!/usr/bin/env bash
# The noise within a trial (issue 17, Kalibera and Jones's third level), end
# to end: a short real run of direct and nats-2p in 3 rounds (the runner
# starts its own nats-server), every workload marking its half-way point.
#  - every process of every record has measured.half: the direct workload,
#    the bot and the service at their N/2-th event, with about half their
#    window's CPU (a mark placed at the start or the end, or a window's CPU
#    taken for its half, falls outside 30-70%); nats-server at the first
#    workload's mark, events null;
#  - analyze splits the within-round variance into within a trial and
#    between trials (the two add up to it), from 6 split trials, and a
#    trial's own SD is small (halves of 5,000 events: a few percent; a
#    mis-split is tens of percent);
#  - records without half-way points (older ones) leave the split out and
#    say so; a malformed half is refused (exit 2, file and field named).
#   within-trial.sh OVERHEAD
set -euo pipefail
ovh=${1:?usage: within-trial.sh OVERHEAD}
. "$(dirname "$0")/lib.sh"

env -u NATS_URL "$ovh" run -o "$tmp/r" --arch direct,nats-2p -k 3 -n 10000 \
    --unprofiled-only -q >"$tmp/out"
run=$(cat "$tmp/out")
for rec in "$run"/trial-*.json; do
    got=$(j "$rec" "all(('half' in (p.get('measured') or {})) for p in d['processes'])")
    [ "$got" = True ] || { bad "$(basename "$rec"): a process without measured.half"; continue; }
    got=$(j "$rec" "[(p['role'], p['measured']['half']['events'], round(p['measured']['half']['cpu_s'] / p['measured']['cpu_s'], 2)) for p in d['processes'] if p['role'] != 'nats-server' and not (p['measured']['half']['events'] == 5000 and 0.3 < p['measured']['half']['cpu_s'] / p['measured']['cpu_s'] < 0.7)]")
    [ "$got" = "[]" ] && ok "$(basename "$rec"): half-way points" \
        || bad "$(basename "$rec"): half-way points off: $got"
    got=$(j "$rec" "all(p['measured']['half']['events'] is None and 0 <= p['measured']['half']['cpu_s'] <= p['measured']['cpu_s'] for p in d['processes'] if p['role'] == 'nats-server')")
    [ "$got" = True ] || bad "$(basename "$rec"): nats-server's half"
done

"$ovh" analyze "$run" -o "$tmp/a.json" >/dev/null
c="d['precision']['components']"
j "$tmp/a.json" "$c['text']"
got=$(j "$tmp/a.json" "$c['half_trials'] == 6 and abs($c['var_within_trial'] + $c['var_between_trials'] - $c['var_within_round']) <= 1e-12 + 1e-9 * $c['var_within_round']")
[ "$got" = True ] && ok "the within-round part split in two, from 6 trials" \
    || bad "the split does not add up"
got=$(j "$tmp/a.json" "float($c['sd_within_trial_pct']) < 10 and abs(float($c['half_drift_pct'])) < 25")
[ "$got" = True ] && ok "a trial's own SD is small" || bad "within-trial SD or drift implausible"
grep -q "within a trial" <(j "$tmp/a.json" "$c['text']") && ok "stated" || bad "text"

# Older records: no half-way points, no split, said so.
cp -r "$run" "$tmp/old"
for rec in "$tmp/old"/trial-*.json; do
    python3 - "$rec" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for p in d['processes']:
    (p.get('measured') or {}).pop('half', None)
json.dump(d, open(sys.argv[1], 'w'), indent=2)
PY
done
"$ovh" analyze "$tmp/old" -o "$tmp/o.json" >/dev/null
got=$(j "$tmp/o.json" "'var_within_trial' not in $c and 'not separated' in $c['text']")
[ "$got" = True ] && ok "older records: not separated, says so" || bad "older records"

# A malformed half is refused.
rec=$(ls "$tmp/old"/trial-*.json | head -1)
python3 - "$rec" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d['processes'][0]['measured']['half'] = {'cpu_s': -1, 'wall_s': 0.1, 'events': 5000}
json.dump(d, open(sys.argv[1], 'w'), indent=2)
PY
set +e
"$ovh" analyze "$tmp/old" -o "$tmp/x.json" >/dev/null 2>"$tmp/err"
rc=$?
set -e
grep -q "half.cpu_s" "$tmp/err" && [ $rc -eq 2 ] && [ ! -e "$tmp/x.json" ] \
    && ok "malformed half: exit 2, $(cat "$tmp/err")" || bad "malformed half: exit $rc, $(cat "$tmp/err")"
[ $fail -eq 0 ] && echo "within trial: ok"
exit $fail
