#!/bin/sh
# bench/run.sh BUILD: time `overhead top` against google-pprof --text and Go
# pprof -top (when Go is installed) on two large profiles, check that they
# agree on every function's flat samples, and print the ratios of CPU time. Called by
# `make bench`, which installs the tools first. One run of each tool.
#
# Both profiles: SAMPLES (1,000,000) samples over STACKS (20,000) distinct
# stacks, every pc inside a sized function symbol of one library:
#   generated  a generated, unstripped C library of FUNCS (5,000) functions,
#              no DWARF (bench/genlib.sh)
#   dwarf      GoogleTest + GoogleMock built -O2 -g by bench/dwarflib.sh: a
#              large real C++ library with full DWARF and inlined functions;
#              names are compared normalised (bench/flatcmp.sh), since each
#              tool labels inlined C++ functions its own way
set -eu
build=${1:-build}
src=$(cd "$(dirname "$0")/.." && pwd)
samples=${SAMPLES:-1000000} stacks=${STACKS:-20000} funcs=${FUNCS:-5000}
overhead=$build/report/overhead genprof=$build/tests/genprof
dir=$build/bench
mkdir -p "$dir"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b / a }'; }
# timed OUT CMD...: run CMD with stdout to OUT; sets wall and cpu (user+sys
# seconds, children included: google-pprof's addr2line). The machine may be
# shared: CPU time is the fairer figure, wall time is shown beside it.
timed() {
    out=$1
    shift
    /usr/bin/time -f "%e %U %S" -o "$dir/time.txt" "$@" > "$out" 2>/dev/null
    wall=$(awk '{ printf "%.3f", $1 }' "$dir/time.txt")
    cpu=$(awk '{ printf "%.3f", $2 + $3 }' "$dir/time.txt")
}
have_go=0
if command -v go >/dev/null 2>&1 && [ -d /usr/share/gocode/src/github.com/google/pprof ]; then
    have_go=1
    if [ ! -x "$dir/pprof" ]; then
        (cd "$dir" && GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$PWD/gocache" \
            go build -o pprof github.com/google/pprof)
    fi
fi
table=$dir/table.txt
printf '%-10s %16s %16s %16s %10s %10s\n' case "overhead cpu/wall" "google-pprof" \
    "go pprof" "vs google" "vs go" > "$table"

# bench_case NAME LIB NORMALISE: one profile over LIB, the three tools.
bench_case() {
    name=$1 lib=$2
    export FLATCMP_NORMALISE=$3
    prof=$dir/$name.prof
    "$genprof" "$lib" "$prof" "$samples" "$stacks" 1
    echo "bench $name: $samples samples, $stacks stacks over $(basename "$lib")" \
         "($(wc -c < "$lib") bytes; profile $(wc -c < "$prof") bytes)"
    timed "$dir/$name.overhead.txt" "$overhead" top "$prof"
    ov=$cpu ov_t="$cpu/$wall" gp_t=- go_t=- rg=- rgo=-
    echo "  overhead top:        $cpu s CPU ($wall s wall)"
    if command -v google-pprof >/dev/null 2>&1; then
        timed "$dir/$name.gpprof.txt" google-pprof --text "$lib" "$prof"
        gp_t="$cpu/$wall" rg=$(ratio "$ov" "$cpu")x
        echo "  google-pprof --text: $cpu s CPU ($wall s wall) -> overhead is $rg faster"
        "$src/bench/flatcmp.sh" "$dir/$name.overhead.txt" "$dir/$name.gpprof.txt" || true
    else
        echo "  google-pprof: not installed (scripts/install-deps.sh bench)"
    fi
    if [ "$have_go" = 1 ]; then
        timed "$dir/$name.gopprof.txt" env HOME="$dir" PPROF_TMPDIR="$dir" "$dir/pprof" -top \
            -sample_index=0 -nodecount=1000000 -nodefraction=0 "$lib" "$prof"
        go_t="$cpu/$wall" rgo=$(ratio "$ov" "$cpu")x
        echo "  go pprof -top:       $cpu s CPU ($wall s wall) -> overhead is $rgo faster"
        "$src/bench/flatcmp.sh" "$dir/$name.overhead.txt" "$dir/$name.gopprof.txt" || true
    else
        echo "  go pprof: Go or golang-github-google-pprof-dev not installed" \
             "(scripts/install-deps.sh bench)"
    fi
    printf '%-10s %16s %16s %16s %10s %10s\n' "$name" "$ov_t" "$gp_t" "$go_t" "$rg" \
        "$rgo" >> "$table"
}

[ -f "$dir/libgen.so" ] || "$src/bench/genlib.sh" "$dir" "$funcs"
bench_case generated "$dir/libgen.so" 0
[ -f "$dir/libgtestbench.so" ] || "$src/bench/dwarflib.sh" "$dir"
bench_case dwarf "$dir/libgtestbench.so" 1
echo
cat "$table"
