#!/usr/bin/env bash
# The perf cross-check end to end (issue 18): a short real run of direct and
# nats-2p (the runner starts its own nats-server) with `overhead run --perf
# 999`: Linux perf records every profiled process beside gperftools, over the
# same measured windows; `overhead analyze` puts perf's samples into the
# breakdown's categories and compares them with gperftools' breakdown.
#  - skipped (exit 77) where perf cannot sample: `overhead run --perf` then
#    exits 3 with the reason, which is printed;
#  - every profiled process has its NAME.perf.txt, no perf.data is left;
#  - the crosscheck section exists, perf sampled the windows at more than
#    half its requested rate, every category is compared;
#  - the breakdown agrees with perf category by category, within bounds
#    that hold and say something. The issue's goal is 1 us/event everywhere;
#    measured on a loaded 2-core VM (3 + 3 trials of 100,000 events and
#    2 + 2 of 20,000-30,000), every category but two agrees within 1 us
#    (JSON, NATS client, network, memory, other, unattributed, broker), and
#    "thread hand-off" and "SQLite" differ by 2-4 us in opposite directions
#    (breakdown hand-off +15.3..17.3 against perf +12.4..15.8): the breakdown
#    weighs each thread's samples to the kernel's CPU for it, and perf, like
#    gperftools, under-samples nats.c's collector thread (kernel 22-24% of the
#    service's CPU, perf 11-15% of its samples: its context switches are
#    charged to it by the kernel and seen by no sampler), so CPU moves from
#    the delivery thread's SQLite to the collector's hand-off. The test
#    checks: the other categories within 2 us (sampling noise of a short
#    run: ~0.4 us standard error on JSON's change from gperftools' ~250 Hz
#    alone; JSON once differed by 1.1 us); hand-off and SQLite each within 6 us and their
#    sum within 2.5 us (the transfer between them, not a loss). A perf frame
#    mis-symbolized or a process left unscaled is off by far more (a missed
#    exec left direct's SQLite, 23 us, unattributed).
#   perf-crosscheck.sh OVERHEAD
set -euo pipefail
ovh=${1:?usage: perf-crosscheck.sh OVERHEAD}
. "$(dirname "$0")/lib.sh"

set +e
env -u NATS_URL "$ovh" run -o "$tmp/r" --arch direct,nats-2p -k 2 -n 30000 --no-warmup \
    --perf 999 -q >"$tmp/out" 2>"$tmp/err"
rc=$?
set -e
if [ $rc -eq 3 ]; then
    echo "SKIP: $(cat "$tmp/err")"
    exit 77
fi
[ $rc -eq 0 ] || { cat "$tmp/err" >&2; bad "overhead run --perf exited $rc"; exit 1; }
run=$(cat "$tmp/out")
for prof in "$run"/trial-*.prof; do
    txt=${prof%.prof}.perf.txt
    [ -s "$txt" ] && ok "$(basename "$txt")" || bad "no perf text beside $prof"
done
leftover=$(ls -A "$run" | grep -c 'perf\.data\|perf\.log' || true)
[ "$leftover" = 0 ] && ok "no perf.data or perf.log left" || bad "$leftover perf files left"

"$ovh" analyze "$run" -o "$tmp/a.json" >/dev/null
j "$tmp/a.json" "d['crosscheck']['text']"
j "$tmp/a.json" "'\n'.join('%-30s gperftools %8s  perf %8s  difference %8s' % (r['category'], r['gperftools_us'], r['perf_us'], r['difference_us']) for r in d['crosscheck']['rows'])"
got=$(j "$tmp/a.json" "float(d['crosscheck']['perf_effective_hz']) > 500 and d['crosscheck']['perf_samples'] > 1000")
[ "$got" = True ] && ok "perf sampled the windows" || bad "perf's rate or samples too low"
# Every breakdown row is compared; a category only perf sampled (the breakdown
# leaves out a row neither side has) is compared against gperftools' zero.
got=$(j "$tmp/a.json" "set(r['category'] for r in d['breakdown']['rows']) <= set(r['category'] for r in d['crosscheck']['rows']) and all(float(r['gperftools_us']) == 0 for r in d['crosscheck']['rows'] if r['category'] not in [b['category'] for b in d['breakdown']['rows']])")
[ "$got" = True ] && ok "every breakdown category compared" || bad "categories differ"
# The columns recomputed: gperftools' is the breakdown's row, the difference
# is perf minus it (to the printed precision).
got=$(j "$tmp/a.json" "all(r['gperftools_us'] == ([b['delta_us'] for b in d['breakdown']['rows'] if b['category'] == r['category']] + [r['gperftools_us']])[0] and abs(float(r['perf_us']) - float(r['gperftools_us']) - float(r['difference_us'])) <= 0.02 + 0.01 * abs(float(r['perf_us'])) for r in d['crosscheck']['rows'])")
[ "$got" = True ] && ok "columns recomputed" || bad "crosscheck columns do not match the breakdown"
two="('thread hand-off / event loop', 'SQLite')"
got=$(j "$tmp/a.json" "[r['category'] for r in d['crosscheck']['rows'] if r['category'] not in $two and abs(float(r['difference_us'])) > 2]")
[ "$got" = "[]" ] && ok "other categories within 2 us/event" \
    || bad "categories beyond 2 us/event: $got"
got=$(j "$tmp/a.json" "[r['category'] for r in d['crosscheck']['rows'] if r['category'] in $two and abs(float(r['difference_us'])) > 6]")
[ "$got" = "[]" ] && ok "hand-off and SQLite each within 6 us/event" \
    || bad "beyond 6 us/event: $got"
got=$(j "$tmp/a.json" "abs(sum(float(r['difference_us']) for r in d['crosscheck']['rows'] if r['category'] in $two)) <= 2.5")
[ "$got" = True ] && ok "hand-off + SQLite within 2.5 us/event" \
    || bad "hand-off + SQLite differ by more than 2.5 us/event"
# perf's per-thread shares: every thread of the NATS service it names.
got=$(j "$tmp/a.json" "sorted(r['thread'] for r in d['crosscheck']['threads'] if r['arch'] == 'nats-2p' and r['role'] == 'service' and float(r['kernel_pct']) >= 10)")
echo "perf's service threads: $(j "$tmp/a.json" "[(r['thread'], r['kernel_pct'], r['perf_pct']) for r in d['crosscheck']['threads'] if r['role'] == 'service']")"
case "$got" in *natsSub_deliverMsgs*) ok "perf's threads named: $got" ;; *) bad "perf's threads: $got" ;; esac
# The same numbers rendered: the Markdown carries the table and the sentence.
"$ovh" render -o "$tmp/html" "$tmp/a.json" >/dev/null
grep -q "An independent sampler" "$tmp/html/CPU_OVERHEAD_ANALYSIS.md" \
    && ok "rendered" || bad "the report does not show the cross-check"
exit $fail
