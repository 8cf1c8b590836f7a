#!/bin/sh
# pprof_agree.sh OVERHEAD GENPROF SRCDIR: on a profile where every pc lies
# inside a sized symbol of an unstripped library, `overhead top` and
# `google-pprof --text` must agree on every function's flat samples.
# Exits 77 (skipped) when google-pprof is not installed.
set -eu
overhead=$1 genprof=$2 src=$3
command -v google-pprof >/dev/null 2>&1 || { echo "google-pprof not installed"; exit 77; }
dir=$(mktemp -d /tmp/pprof-agree-XXXXXX)
trap 'rm -rf "$dir"' EXIT
"$src/bench/genlib.sh" "$dir" 400
"$genprof" "$dir/libgen.so" "$dir/p.prof" 60000 3000 7
"$overhead" top "$dir/p.prof" > "$dir/overhead.txt"
google-pprof --text "$dir/libgen.so" "$dir/p.prof" > "$dir/pprof.txt" 2>/dev/null
head -1 "$dir/overhead.txt"
grep -q '^Total: 60000 samples$' "$dir/overhead.txt"
grep -q '^Total: 60000 samples$' "$dir/pprof.txt"
"$src/bench/flatcmp.sh" "$dir/overhead.txt" "$dir/pprof.txt"
