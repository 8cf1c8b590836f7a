#!/usr/bin/env bash
# `overhead run --variant` and the optimization section, end to end (the
# runner starts its own nats-server):
#  - every architecture runs with each variant that applies to it, tagged
#    ARCH+VARIANT; each stores every event once; the record names the
#    variant, its batch and the latency of every stored event;
#  - a batch100 service SIGKILLed mid-trial: the trial fails, the run exits
#    1, and the loss is what the service had not committed (rows counted in
#    its database file, lost = requested - rows), never hidden;
#  - `overhead analyze` of a headline run plus a variant run gives the
#    optimization section, every variant compared with its own baseline.
#   test_runner_variants.sh OVERHEAD
set -euo pipefail
ovh=${1:?usage: test_runner_variants.sh OVERHEAD}
. "$(dirname "$0")/lib.sh"

# 1. Variants beside the baseline (two rounds: the analysis needs two of each).
env -u NATS_URL "$ovh" run -o "$tmp/v" --arch direct,nats-2p --variant baseline,gc64,batch100 \
    -k 2 -n 3000 --unprofiled-only --no-warmup -q >/dev/null
run=$(ls -d "$tmp"/v/*/)
tags=$(cd "$run" && ls trial-*.json | sed 's/trial-[0-9]*-\(.*\)\.json/\1/' | sort -u | tr '\n' ' ')
want="direct+batch100-unprof direct-unprof nats-2p+batch100-unprof nats-2p+gc64-unprof nats-2p-unprof "
[ "$tags" = "$want" ] && ok "trials: $tags" || bad "trials: '$tags', want '$want'"
for f in "$run"/trial-*.json; do
    got=$(j "$f" "(d['ok'], d['events']['rows'], d['events']['stored'], d['latency']['events'], d['variant']['name'], d['db']['batch'], d['profiled'])")
    name=$(basename "$f" .json | sed 's/.*[0-9]-\([a-z0-9-]*\)\(+\([a-z0-9-]*\)\)\{0,1\}-unprof/\3/')
    v=${name:-baseline}
    b=1
    [ "$v" = batch100 ] && b=100
    [ "$got" = "(True, 3000, 3000, 3000, '$v', $b, False)" ] && ok "$(basename "$f"): $got" \
        || bad "$(basename "$f"): $got, want (True, 3000, 3000, 3000, '$v', $b, False)"
done

# 2. The service killed in the middle of a batched trial.
env -u NATS_URL "$ovh" run -o "$tmp/k" --arch nats-2p --variant batch100 -k 1 -n 30000 \
    --rate 5000 --unprofiled-only --no-warmup -q >/dev/null 2>"$tmp/k.err" &
runner=$!
svc=
for _ in $(seq 200); do
    svc=$(pgrep -f "chat_nats --mode service .*$tmp/k" || true)
    [ -n "$svc" ] && break
    sleep 0.05
done
sleep 2
[ -n "$svc" ] && kill -KILL $svc
rc=0
wait "$runner" || rc=$?
runner=
[ "$rc" = 1 ] && ok "killed service: runner exit 1" || bad "killed service: runner exit $rc"
rec=$(ls "$tmp"/k/*/trial-01-*.json 2>/dev/null || true)
if [ -z "$rec" ]; then
    bad "killed service: no record"
else
    got=$(j "$rec" "(d['ok'], 0 < d['events']['rows'] < 30000, d['events']['lost'] == 30000 - d['events']['rows'])")
    [ "$got" = "(False, True, True)" ] \
        && ok "killed service: loss counted from the file: rows $(j "$rec" "d['events']['rows']"), lost $(j "$rec" "d['events']['lost']"): $(j "$rec" "d['failure']")" \
        || bad "killed service: (ok, 0 < rows < N, lost = N - rows) = $got; $(j "$rec" "d['events'], d['failure']")"
fi

# 3. The optimization section of the analysis.
env -u NATS_URL "$ovh" run -o "$tmp/h" --arch direct,nats-2p -k 2 -n 3000 --no-warmup -q \
    >/dev/null
"$ovh" analyze "$(ls -d "$tmp"/h/*/)" "$run" -o "$tmp/a.json" 2>"$tmp/an.err" || true
if [ ! -s "$tmp/a.json" ]; then
    bad "analyze: $(cat "$tmp/an.err")"
else
    got=$(j "$tmp/a.json" "sorted(v['name'] for v in d['optimization']['variants'])")
    [ "$got" = "['batch100', 'gc64']" ] && ok "optimization variants: $got" \
        || bad "optimization variants: $got"
    got=$(j "$tmp/a.json" "all(isinstance(v[k], float) for v in d['optimization']['variants'] for k in ('cpu_us', 'saving_us', 'latency_p50_us'))")
    [ "$got" = True ] && ok "every variant has CPU, saving and latency" || bad "numbers: $got"
    got=$(j "$tmp/a.json" "[v['text']['vs_batched_direct'] for v in d['optimization']['variants'] if v['name'] == 'batch100'][0]")
    case "$got" in *"direct batch100"*) ok "batch100 against batched direct: $got" ;;
        *) bad "batch100 against batched direct: $got" ;; esac
    got=$(j "$tmp/a.json" "d['headline']['n_direct'], d['headline']['n_nats']" | tr -d "(),")
    [ "$got" = "2 2" ] && ok "the variant run is kept out of the headline: $got" \
        || bad "headline trials: $got"
fi
exit $fail
