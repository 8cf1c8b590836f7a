#!/usr/bin/env bash
# `overhead run` on a real 3-node nats-server cluster it starts itself:
#  - nats-cluster with K=3 services in one queue group and jetstream: every
#    event stored exactly once across the services (rows AND distinct event
#    ids), every node's CPU accounted and summed, the services away from the
#    bot's node;
#  - a node killed mid-trial: with core NATS the loss is counted and
#    reported; with JetStream nothing is lost (rows and ids prove it) once the
#    clients reconnected;
#  - every node gone after each run.
#   test_runner_cluster.sh OVERHEAD
set -euo pipefail
ovh=${1:?usage: test_runner_cluster.sh OVERHEAD}
. "$(dirname "$0")/lib.sh"

nodes_gone() { # run-dir label
    local pids
    pids=$(j "$1/run.json" "' '.join(str(p) for p in d['nats_nodes']['pids'])")
    [ "$(j "$1/run.json" "d['nats_nodes']['count']")" = 3 ] || bad "$2: not 3 nodes"
    # A zombie (killed, not yet reaped by whoever inherited it) is gone too.
    running() { kill -0 "$1" 2>/dev/null && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null; }
    for p in $pids; do
        for _ in $(seq 20); do running "$p" || break; sleep 0.1; done
        if running "$p"; then bad "$2: node pid $p still running"; return; fi
    done
    ok "$2: every node ($pids) gone"
}

# 1. Exactly once, K=3, both architectures.
n=6000
env -u NATS_URL "$ovh" run -o "$tmp/out" -q --cluster 3 --services 3 \
    --arch nats-cluster,jetstream -n $n -k 1 --no-warmup >"$tmp/stdout" 2>"$tmp/stderr" \
    || bad "cluster run failed: $(cat "$tmp/stderr")"
run=$(cat "$tmp/stdout")
for rec in "$run"/trial-01-nats-cluster.json "$run"/trial-02-jetstream.json; do
    name=$(basename "$rec")
    [ -f "$rec" ] || { bad "no record $name"; continue; }
    got=$(j "$rec" "(d['ok'], d['events']['rows'], d['events']['unique_ids'], d['events']['stored'], d['events']['lost'])")
    [ "$got" = "(True, $n, $n, $n, 0)" ] && ok "$name: exactly once: ok, rows, unique ids, stored = $got" \
        || bad "$name: (ok, rows, unique ids, stored, lost) = $got, want $n each"
    got=$(j "$rec" "(len(d['events']['per_service']), sum(s['stored'] - s['duplicates'] for s in d['events']['per_service']))")
    [ "$got" = "(3, $n)" ] && ok "$name: 3 services, what they stored sums to $n" || bad "$name: per_service $got"
    got=$(j "$rec" "(d['cluster']['nodes'], d['cluster']['services'], 0 in d['cluster']['service_nodes'], d['cluster']['bot_node'])")
    [ "$got" = "(3, 3, False, 0)" ] && ok "$name: services away from the bot's node" || bad "$name: cluster $got"
    # Every node measured; nats_server_s is their sum; total is the sum of all processes.
    got=$(j "$rec" "(len([p for p in d['processes'] if p['role']=='nats-server' and p['cpu_s'] is not None]), abs(sum(p['cpu_s'] for p in d['processes'] if p['role']=='nats-server') - d['cpu']['nats_server_s']) < 1e-6, abs(sum(p['cpu_s'] for p in d['processes']) - d['cpu']['total_s']) < 1e-6, len([p for p in d['processes'] if p['role']=='service']), d['cpu']['includes_nats_server'])")
    [ "$got" = "(3, True, True, 3, True)" ] && ok "$name: CPU of 3 nodes + 3 services + bot, sums agree" \
        || bad "$name: CPU accounting $got"
done
[ "$(j "$run/trial-02-jetstream.json" "(d['jetstream']['storage'], d['jetstream']['replicas'], d['db']['event_id_unique'])")" = "('file', 3, True)" ] \
    && ok "jetstream record: file storage, 3 replicas, unique event ids" || bad "jetstream record"
nodes_gone "$run" "exactly once"
# The stream is deleted after its trial: left behind, it would capture (and
# replicate) every later trial's events and bill them to the broker.
left=$(find "$run"/nats/node-*/store -type d -name ROSEY_CHAT 2>/dev/null | head -1)
[ -z "$left" ] && ok "no JetStream stream left after the trial" || bad "stream left: $left"

# 2. A node killed mid-trial (node 1 holds services 0 and 2). Trials of ~3 s,
# but a JetStream stream leader election after the kill takes 1-9 s, and was
# seen to take 21 s on a loaded machine: the bot re-sends and the services
# wait for up to CHATPROTO_JS_FAILOVER_MS (60 s). --trial-timeout bounds a
# failing trial (then the stream clean, <= 45 s) within the test's TIMEOUT.
fault_run() { # arch [extra]
    rm -rf "$tmp/out"
    env -u NATS_URL "$ovh" run -o "$tmp/out" --progress --cluster 3 --services 3 --arch "$1" \
        -n 9000 --rate 3000 -k 1 --no-warmup --trial-timeout 120 "${@:2}" \
        >"$tmp/stdout" 2>"$tmp/stderr" &
    runner=$!
    # A loaded machine may take more than a few seconds to start the cluster.
    for _ in $(seq 600); do
        ls "$tmp"/out/*/run.json >/dev/null 2>&1 && break
        sleep 0.05
    done
    run=$(dirname "$(ls "$tmp"/out/*/run.json)")
    sleep 1.5
    victim=$(j "$run/run.json" "d['nats_nodes']['pids'][1]")
    kill -KILL "$victim"
    local t0=$SECONDS
    rc=0
    wait "$runner" || rc=$?
    runner=
    took=$((SECONDS - t0))
    rec=$(ls "$run"/trial-01-*.json 2>/dev/null || true)
}

fault_run nats-cluster --accept-loss
if [ -z "$rec" ]; then
    bad "core: no record (exit $rc): $(cat "$tmp/stderr")"
else
    got=$(j "$rec" "(d['cluster']['nodes_lost'], d['events']['lost'] == d['events']['requested'] - d['events']['unique_ids'], d['events']['rows'] == d['events']['unique_ids'])")
    [ "$got" = "([1], True, True)" ] && ok "core: node 1 recorded lost; lost = requested - unique ids" \
        || bad "core: $got"
    # The killed node's CPU up to its death is still accounted (wait4 at exit).
    got=$(j "$rec" "([p['cpu_source'] for p in d['processes'] if p['role']=='nats-server'], d['cpu']['includes_nats_server'], d['cpu']['nats_server_s'] > 0)")
    [ "$got" = "(['schedstat', 'wait4-at-exit', 'schedstat'], True, True)" ] \
        && ok "core: every node's CPU accounted, the dead one from wait4" || bad "core: node CPU $got"
    summary=$(j "$rec" "'ok=%s loss_accepted=%s lost=%s published=%s rows=%s failure=%s' % (d['ok'], d.get('loss_accepted'), d['events']['lost'], d['events']['published'], d['events']['rows'], d['failure'])")
    # Lost events are accepted (exit 0, loss_accepted); a service that lost its
    # node fails the run with the numbers (exit 1). Never a silent pass.
    if [ "$rc" = 0 ]; then
        [ "$(j "$rec" "d.get('loss_accepted') is True and d['events']['lost'] > 0")" = True ] \
            && ok "core: loss counted and accepted after ${took}s: $summary" \
            || bad "core: exit 0 but no accepted loss: $summary"
    else
        [ "$rc" = 1 ] && grep -q "node 1" "$tmp/stderr" \
            && ok "core: exit 1 naming node 1 after ${took}s: $summary" \
            || bad "core: exit $rc: $(cat "$tmp/stderr")"
    fi
fi
nodes_gone "$run" "core fault"

fault_run jetstream
if [ -z "$rec" ]; then
    bad "jetstream: no record (exit $rc): $(cat "$tmp/stderr")"
else
    got=$(j "$rec" "(d['ok'], d['cluster']['nodes_lost'], d['events']['rows'], d['events']['unique_ids'], d['events']['lost'])")
    [ "$rc" = 0 ] && [ "$got" = "(True, [1], 9000, 9000, 0)" ] \
        && ok "jetstream: node 1 killed, nothing lost after ${took}s: $got, reconnects $(j "$rec" "[s['reconnects'] for s in d['events']['per_service']]"), redelivered duplicates $(j "$rec" "d['events']['duplicates']"), re-sent $(j "$rec" "d['events']['resent']")" \
        || bad "jetstream: exit $rc, (ok, lost nodes, rows, ids, lost) = $got; $(tail -3 "$tmp/stderr"); $(grep -h chat_nats "$run"/*.log)"
fi
nodes_gone "$run" "jetstream fault"

# 3. The runner stopped by SIGINT, then killed outright: no node survives it.
for sig in INT KILL; do
    rm -rf "$tmp/out"
    env -u NATS_URL "$ovh" run -o "$tmp/out" -q --cluster 3 --services 2 --arch nats-cluster \
        -n 9000 --rate 3000 -k 1 --no-warmup >/dev/null 2>&1 &
    runner=$!
    for _ in $(seq 200); do
        ls "$tmp"/out/*/run.json >/dev/null 2>&1 && break
        sleep 0.05
    done
    run=$(dirname "$(ls "$tmp"/out/*/run.json)")
    sleep 1
    kill -$sig "$runner"
    rc=0
    wait "$runner" 2>/dev/null || rc=$?
    runner=
    [ "$sig" = KILL ] || [ "$rc" = 1 ] && ok "SIG$sig: runner exit $rc" || bad "SIG$sig: exit $rc"
    nodes_gone "$run" "SIG$sig"
done

# 4. An existing cluster given as several URLs in NATS_URL (started here).
ports=()
for _ in 1 2 3 4 5 6 7 8 9; do ports+=("$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"); done
pids=()
for i in 0 1 2; do
    routes=
    for k in 0 1 2; do [ "$k" != "$i" ] && routes="$routes${routes:+,}nats://127.0.0.1:${ports[$((3 + k))]}"; done
    nats-server -a 127.0.0.1 -p "${ports[$i]}" -m "${ports[$((6 + i))]}" \
        --cluster "nats://127.0.0.1:${ports[$((3 + i))]}" --cluster_name ext --routes "$routes" \
        >"$tmp/ext$i.log" 2>&1 &
    pids+=($!)
done
for _ in $(seq 100); do
    n=0
    for i in 0 1 2; do
        curl -sf "http://127.0.0.1:${ports[$((6 + i))]}/routez" 2>/dev/null | grep -q '"num_routes": 2' && n=$((n + 1))
    done
    [ "$n" = 3 ] && break
    sleep 0.1
done
rm -rf "$tmp/out"
NATS_URL="nats://127.0.0.1:${ports[0]},nats://127.0.0.1:${ports[1]},nats://127.0.0.1:${ports[2]}" \
    "$ovh" run -o "$tmp/out" -q --services 2 --arch nats-cluster -n 3000 -k 1 --no-warmup \
    >"$tmp/stdout" 2>"$tmp/stderr" || bad "external cluster run failed: $(cat "$tmp/stderr")"
rec=$(ls "$(cat "$tmp/stdout")"/trial-01-nats-cluster.json 2>/dev/null || true)
if [ -n "$rec" ]; then
    got=$(j "$rec" "(d['ok'], d['events']['unique_ids'], d['cluster']['nodes'], d['cluster']['service_nodes'], d['cpu']['nats_server_nodes_measured'], d['cpu']['includes_nats_server'])")
    [ "$got" = "(True, 3000, 3, [1, 2], 0, False)" ] \
        && ok "external cluster from NATS_URL: $got" || bad "external cluster: $got"
else
    bad "external cluster: no record"
fi
kill -INT "${pids[@]}"
wait "${pids[@]}" 2>/dev/null || true
NATS_URL=nats://127.0.0.1:1 "$ovh" run -o "$tmp/out" -q --cluster 3 --arch nats-cluster \
    >/dev/null 2>"$tmp/stderr" && rc=0 || rc=$?
[ "$rc" = 2 ] && ok "--cluster with NATS_URL: exit 2 ($(head -c 80 "$tmp/stderr"))" \
    || bad "--cluster with NATS_URL: exit $rc"
exit $fail
