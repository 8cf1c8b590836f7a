#!/bin/sh
# Pack a run directory (run.json, trial-*.json, trial-*.prof) into one file
# in the input format of fuzz/fuzz_analysis.c, for its corpus:
#   fuzz/pack-run.sh RUNDIR [FILE...] > fuzz/corpus-analysis/seed-NAME
# With FILEs, only those names of RUNDIR are packed.
set -eu
dir=${1:?usage: pack-run.sh RUNDIR [FILE...]}
shift
cd "$dir"
if [ $# -eq 0 ]; then
    set -- run.json $(ls trial-*.json trial-*.prof 2>/dev/null)
fi
for f in "$@"; do
    printf '%%%%%% %s\n' "$f"
    cat "$f"
    printf '\n'
done
