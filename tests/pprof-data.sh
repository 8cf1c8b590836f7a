#!/usr/bin/env bash
# Published data re-analyses anywhere. A real run (the workloads copied into
# a build directory of their own under a temporary folder), published with
# `overhead report --from`; then that build directory is renamed, the data/
# folder copied elsewhere, and the command in its README.md must re-create
# the published JSON byte for byte from the symbolized profiles (*.pb.gz)
# alone. Without them (raw *.prof only) analyze must fail with exit 2 naming
# the binary that is gone, and with --allow-unnamed go on and name it in the
# report's header. The *.pb.gz is checked with a reader that is not ours
# (protoc --decode, when installed) for function names, files and lines.
#
#   pprof-data.sh OVERHEAD WORKLOADS_DIR
set -euo pipefail
overhead=${1:?usage: pprof-data.sh OVERHEAD WORKLOADS_DIR}
workloads=${2:?usage: pprof-data.sh OVERHEAD WORKLOADS_DIR}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

mkdir -p "$tmp/build-a/workloads" "$tmp/runs"
cp "$workloads/chat_direct" "$workloads/chat_nats" "$tmp/build-a/workloads/"
run=$(cd "$tmp" && OVERHEAD_WORKLOADS=$tmp/build-a/workloads "$overhead" run \
    --arch direct,nats-2p -k 2 -n 4000 --no-warmup -o runs 2>"$tmp/run.err") \
    || { cat "$tmp/run.err" >&2; bad "overhead run failed"; exit 1; }
rel=runs/$(basename "$run")
(cd "$tmp" && SOURCE_DATE_EPOCH=1764547200 OVERHEAD_TEMPLATES=$here/../templates \
    "$overhead" report --docs docs --sprint s --from "$rel" >/dev/null 2>"$tmp/report.err") \
    || { cat "$tmp/report.err" >&2; bad "overhead report --from failed"; exit 1; }
pub=$tmp/docs/sprints/active/s
n=$(find "$pub/data/$rel" -name '*.pb.gz' | wc -l)
[ "$n" -gt 0 ] && [ "$n" -eq "$(find "$pub/data/$rel" -name '*.prof' | wc -l)" ] \
    || bad "data/ has $n symbolized profiles for $(find "$pub/data/$rel" -name '*.prof' | wc -l) raw ones"

# Another build path: the binaries the profiles name are gone.
mv "$tmp/build-a" "$tmp/build-b"
mkdir "$tmp/elsewhere"
cp -r "$pub/data" "$tmp/elsewhere/data"
cmd=$(grep '^SOURCE_DATE_EPOCH=[0-9]* overhead analyze ' "$pub/data/README.md" || true)
[ -n "$cmd" ] || bad "data/README.md gives no command"
(cd "$tmp/elsewhere/data" && eval "${cmd/ overhead analyze / \"\$overhead\" analyze }") \
    >"$tmp/again.json" || bad "re-analysis exited $?"
if cmp -s "$tmp/again.json" "$pub/CPU_OVERHEAD_ANALYSIS.json"; then
    ok "re-analysis on a renamed build path: byte for byte"
else
    bad "re-analysis on a renamed build path differs from the published JSON"
    diff "$tmp/again.json" "$pub/CPU_OVERHEAD_ANALYSIS.json" | head -10 >&2
fi

# The raw profiles alone: exit 2 naming the missing binary, unless told to go on.
find "$tmp/elsewhere/data" -name '*.pb.gz' -delete
set +e
(cd "$tmp/elsewhere/data" && "$overhead" analyze "$rel" >/dev/null 2>"$tmp/raw.err")
rc=$?
set -e
[ "$rc" -eq 2 ] || bad "analyze without the binaries exited $rc, not 2"
grep -q "build-a/workloads/chat_" "$tmp/raw.err" || bad "the error does not name the binary: $(cat "$tmp/raw.err")"
(cd "$tmp/elsewhere/data" && "$overhead" analyze --allow-unnamed "$rel" >"$tmp/go-on.json" 2>/dev/null) \
    || bad "analyze --allow-unnamed failed"
grep -q '"unnamed_binaries_text": "the profiles name .*build-a/workloads/chat_' "$tmp/go-on.json" \
    || bad "--allow-unnamed: the analysis does not say what was unnamed"

# A reader that is not ours.
pb=$(find "$pub/data/$rel" -name '*nats-2p.pb.gz' | head -1)
if command -v protoc >/dev/null 2>&1; then
    zcat "$pb" | protoc --decode perftools.profiles.Profile \
        -I "$here/../report/profile" "$here/../report/profile/profile.proto" >"$tmp/decoded.txt" \
        || bad "protoc cannot decode $pb"
    grep -q '^string_table: "natsConnection_Publish' "$tmp/decoded.txt" \
        || grep -q '^string_table: "nats' "$tmp/decoded.txt" || bad "no nats function names in $pb"
    grep -q '^string_table: ".*\.c"' "$tmp/decoded.txt" || bad "no source file in $pb"
    grep -qE '^  line \{' "$tmp/decoded.txt" && grep -qE '^    line: [1-9]' "$tmp/decoded.txt" \
        || bad "no line numbers in $pb"
    ok "protoc decodes $(basename "$pb"): names, files, lines"
else
    echo "protoc not installed: the independent decode was skipped"
fi
[ "$fail" -eq 0 ] && echo "pprof data: ok"
exit "$fail"
