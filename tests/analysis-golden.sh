#!/bin/sh
# overhead analyze on a fixed set of run directories (recorded with the tool
# before report/ was split into layers; tests/data/analysis) must give the
# analysis JSON in expected.json byte for byte. The workloads' paths in the
# profiles point nowhere, so their frames are unnamed on every machine; the
# system libraries are Debian's. Re-create expected.json with
#   tests/analysis-golden.sh OVERHEAD --regen
# only when a change of the analysis is intended, and say so in the commit.
set -eu
ovh=${1:?usage: analysis-golden.sh OVERHEAD [--regen]}
here=$(cd "$(dirname "$0")" && pwd)/data/analysis
out=$(mktemp)
trap 'rm -f "$out"' EXIT
cd "$here"
SOURCE_DATE_EPOCH=1764547200 "$ovh" analyze main aa rate storage >"$out"
if [ "${2:-}" = --regen ]; then
    cp "$out" expected.json
    echo "regenerated $here/expected.json"
    exit 0
fi
if cmp -s expected.json "$out"; then
    echo "analysis identical to expected.json"
else
    diff -u expected.json "$out" | head -40
    echo "FAIL: analysis differs from tests/data/analysis/expected.json" >&2
    exit 1
fi
