#!/usr/bin/env bash
# The ctest fixture for tests that need a real nats-server.
#
#   nats-fixture.sh start DIR   start nats-server on free loopback ports, wait
#                               until its monitoring /healthz answers, write
#                               DIR/url (client URL) and DIR/pid
#   nats-fixture.sh stop DIR    stop it with SIGINT (SIGKILL after 5 s)
#   nats-fixture.sh exec DIR CMD...
#                               run CMD with NATS_URL set from DIR/url
#
# Ports are chosen by nats-server itself (-p -1 -m -1) and read back from its
# ports file, so there is no window in which another process can take them.
set -euo pipefail

cmd=${1:?usage: nats-fixture.sh start|stop|exec DIR [CMD...]}
dir=${2:?usage: nats-fixture.sh start|stop|exec DIR [CMD...]}

stop_server() {
    [ -f "$dir/pid" ] || return 0
    local pid
    pid=$(cat "$dir/pid")
    rm -f "$dir/pid" "$dir/url"
    kill -0 "$pid" 2>/dev/null || return 0
    kill -INT "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    echo "nats-fixture: nats-server $pid ignored SIGINT for 5 s, killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
}

case "$cmd" in
    start)
        mkdir -p "$dir"
        stop_server # a server left over from an interrupted run
        rm -f "$dir"/nats-server_*.ports
        nats-server -a 127.0.0.1 -p -1 -m -1 --ports_file_dir "$dir" \
            >"$dir/server.log" 2>&1 </dev/null &
        pid=$!
        echo "$pid" >"$dir/pid"
        ports="$dir/nats-server_$pid.ports"
        for _ in $(seq 100); do
            if [ -s "$ports" ]; then
                mon=$(sed -n 's/.*"monitoring":\["\([^"]*\)".*/\1/p' "$ports")
                url=$(sed -n 's/.*"nats":\["\([^"]*\)".*/\1/p' "$ports")
                if [ -n "$mon" ] && curl -fsS --max-time 1 "$mon/healthz" >/dev/null 2>&1; then
                    echo "$url" >"$dir/url"
                    echo "nats-fixture: nats-server $pid at $url (monitoring $mon)"
                    exit 0
                fi
            fi
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.05
        done
        echo "nats-fixture: nats-server did not become healthy; its log:" >&2
        cat "$dir/server.log" >&2
        stop_server
        exit 1
        ;;
    stop)
        stop_server
        ;;
    exec)
        shift 2
        [ -s "$dir/url" ] || { echo "nats-fixture: no server running in $dir" >&2; exit 1; }
        NATS_URL=$(cat "$dir/url")
        export NATS_URL
        exec "$@"
        ;;
    *)
        echo "nats-fixture: unknown command '$cmd'" >&2
        exit 2
        ;;
esac
