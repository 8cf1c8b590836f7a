#!/bin/sh
# overhead analyze on a fixed set of run directories (recorded with the tool
# before report/ was split into layers; tests/data/analysis) must give the
# analysis JSON in expected.json byte for byte. The workloads' paths in the
# profiles point nowhere, so their frames are unnamed on every machine; the
# system libraries are Debian's. Re-create expected.json with
#   tests/analysis-golden.sh OVERHEAD --regen
# only when a change of the analysis is intended, and say so in the commit.
#
# The second case, expected95.json, is the same main run with two more
# rounds (tests/make-fixture95.py): 4 + 4 headline trials, so the exact
# Mann-Whitney interval reaches 95% there (2 + 2 are always short of it).
# Both hold frame names that the host's libc and libc6-dbg gave: on a host
# whose glibc build differs from host-libs.txt (tests/host-libs.sh) the test
# is skipped (exit 77) with the difference, never failed or passed by chance;
# --regen records this host's builds.
set -eu
ovh=${1:?usage: analysis-golden.sh OVERHEAD [--regen]}
case $ovh in /*) ;; *) ovh=$PWD/$ovh ;; esac
tests=$(cd "$(dirname "$0")" && pwd)
here=$tests/data/analysis
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$here"
if [ "${2:-}" != --regen ]; then
    "$tests/host-libs.sh" check "$here" || exit $?
fi
SOURCE_DATE_EPOCH=1764547200 "$ovh" analyze main aa rate storage >"$tmp/expected.json"
python3 "$tests/make-fixture95.py" main "$tmp/fx/main"
(cd "$tmp/fx" && SOURCE_DATE_EPOCH=1764547200 "$ovh" analyze main) >"$tmp/expected95.json"
if [ "${2:-}" = --regen ]; then
    cp "$tmp/expected.json" "$tmp/expected95.json" .
    "$tests/host-libs.sh" write "$here"
    echo "regenerated $here/expected.json and expected95.json"
    exit 0
fi
fail=0
for f in expected.json expected95.json; do
    if ! cmp -s "$f" "$tmp/$f"; then
        diff -u "$f" "$tmp/$f" | head -40
        echo "FAIL: analysis differs from tests/data/analysis/$f" >&2
        fail=1
    fi
done
[ "$fail" -eq 0 ] && echo "analysis identical to expected.json and expected95.json"
exit "$fail"
