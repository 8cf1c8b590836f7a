#!/bin/sh
# bench/run.sh BUILD: time `overhead top` against google-pprof --text (and Go
# pprof -top when Go is installed) on one large generated profile, check
# that all agree on every function's flat samples, and print the ratios.
# Called by `make bench`, which installs the tools first. One run each.
#
# The profile: SAMPLES (1,000,000) samples over STACKS (20,000) distinct
# stacks, every pc inside a sized function of a generated, unstripped
# library of FUNCS (5,000) functions.
set -eu
build=${1:-build}
src=$(cd "$(dirname "$0")/.." && pwd)
samples=${SAMPLES:-1000000} stacks=${STACKS:-20000} funcs=${FUNCS:-5000}
overhead=$build/report/overhead genprof=$build/tests/genprof
dir=$build/bench
mkdir -p "$dir"
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b / a }'; }

[ -f "$dir/libgen.so" ] || "$src/bench/genlib.sh" "$dir" "$funcs"
"$genprof" "$dir/libgen.so" "$dir/big.prof" "$samples" "$stacks" 1
echo "bench: $samples samples, $stacks stacks, $funcs-function unstripped library" \
     "($(wc -c < "$dir/big.prof") bytes)"

t0=$(now); "$overhead" top "$dir/big.prof" > "$dir/overhead.txt"; t1=$(now)
ov=$(secs "$t0" "$t1")
echo "overhead top:          $ov s"

if command -v google-pprof >/dev/null 2>&1; then
    t0=$(now); google-pprof --text "$dir/libgen.so" "$dir/big.prof" > "$dir/gpprof.txt" 2>/dev/null
    t1=$(now); gp=$(secs "$t0" "$t1")
    echo "google-pprof --text:   $gp s   -> overhead is $(ratio "$ov" "$gp")x faster (goal 20x)"
    "$src/bench/flatcmp.sh" "$dir/overhead.txt" "$dir/gpprof.txt"
else
    echo "google-pprof: not installed (scripts/install-deps.sh bench)"
fi

if command -v go >/dev/null 2>&1 && [ -d /usr/share/gocode/src/github.com/google/pprof ]; then
    if [ ! -x "$dir/pprof" ]; then
        (cd "$dir" && GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$PWD/gocache" \
            go build -o pprof github.com/google/pprof)
    fi
    t0=$(now)
    HOME=$dir PPROF_TMPDIR=$dir "$dir/pprof" -top -sample_index=0 -nodecount=1000000 \
        -nodefraction=0 "$dir/libgen.so" "$dir/big.prof" > "$dir/gopprof.txt" 2>/dev/null
    t1=$(now); go_s=$(secs "$t0" "$t1")
    echo "go pprof -top:         $go_s s   -> overhead is $(ratio "$ov" "$go_s")x faster (goal 15x)"
    "$src/bench/flatcmp.sh" "$dir/overhead.txt" "$dir/gopprof.txt"
else
    echo "go pprof: Go or golang-github-google-pprof-dev not installed (scripts/install-deps.sh bench)"
fi
