#!/bin/sh
# cli_golden.sh OVERHEAD: run every case of tests/data/cli/cases.sh and
# compare stdout and stderr (+ exit status) with the golden files (re-create them with
# tests/data/cli/regen.sh OVERHEAD after an intended change).
set -eu
overhead=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cd "$(dirname "$0")/data/cli"
. ./cases.sh
tmp=$(mktemp -d /tmp/cli-golden-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
echo "$cases" | {
    while read -r name args; do
        [ -n "$name" ] || continue
        # shellcheck disable=SC2086
        "$overhead" $args > "$tmp/$name.out" 2> "$tmp/$name.err" && rc=0 || rc=$?
        echo "[exit $rc]" >> "$tmp/$name.err"
        for ext in out err; do
            if ! cmp -s "$name.$ext" "$tmp/$name.$ext"; then
                echo "cli_golden: $name.$ext differs:"
                diff "$name.$ext" "$tmp/$name.$ext" | head -20
                fail=1
            fi
        done
    done
    exit $fail
}
