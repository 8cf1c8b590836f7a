#!/usr/bin/env bash
# The team's protocol in the workload (scripts/replica-reference.sh): chat_nats
# --idle-ms reports its own CPU over an idle stretch before the window, and
# --store-subject subscribes the service elsewhere, so that events published
# on --subject are not stored and not waited for (the test as written); with
# the same subject they are stored (as intended). Run under the nats fixture.
#
#   replica-workload.sh WORKLOADS_DIR
set -euo pipefail
wl=${1:?usage: replica-workload.sh WORKLOADS_DIR}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
args=(--mode inproc --events 40 --rate 100 --idle-ms 300 --journal wal --sync normal)
"$wl/chat_nats" "${args[@]}" --db "$tmp/w.db" --subject replica.test.chat \
    --store-subject replica.test.log >"$tmp/written.json"
"$wl/chat_nats" "${args[@]}" --db "$tmp/i.db" --subject replica.test.chat >"$tmp/intended.json"
[ "$(j "$tmp/written.json" 'd["ok"] and d["events"]["published"] == 40 and d["events"]["stored"] == 0 and d["events"]["rows"] == 0')" = True ] \
    || bad "as written: $(cat "$tmp/written.json")"
[ "$(j "$tmp/intended.json" 'd["ok"] and d["events"]["stored"] == 40 and d["events"]["rows"] == 40')" = True ] \
    || bad "as intended: $(cat "$tmp/intended.json")"
for f in written intended; do
    # the idle stretch is measured, sleeps about 300 ms, and costs (almost) nothing
    [ "$(j "$tmp/$f.json" '0.29 <= d["idle"]["wall_s"] < 1.0 and 0 <= d["idle"]["cpu_s"] < 0.1')" = True ] \
        || bad "$f: idle $(j "$tmp/$f.json" 'd.get("idle")')"
    # 40 events at 100/s: the window lasts about 0.4 s
    [ "$(j "$tmp/$f.json" '0.35 < d["measured"]["wall_s"] < 3')" = True ] \
        || bad "$f: window $(j "$tmp/$f.json" 'd["measured"]')"
done
[ "$(j "$tmp/written.json" 'd["store_subject"]')" = replica.test.log ] || bad "store_subject not recorded"
[ "$fail" -eq 0 ] && echo "replica workload: ok"
exit "$fail"
