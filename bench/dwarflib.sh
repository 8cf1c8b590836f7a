#!/bin/sh
# dwarflib.sh DIR: build DIR/libgtestbench.so, a large real C++ library with
# full DWARF and many inlined functions: GoogleTest and GoogleMock from the
# sources Debian's googletest package ships (/usr/src/googletest), compiled
# -O2 -g as one would profile one's own -g build. Two big CUs, several MB of
# .debug_info: the shape where a per-address DWARF walk is slow.
set -eu
dir=$1
src=${GOOGLETEST_SRC:-/usr/src/googletest}
[ -r "$src/googletest/src/gtest-all.cc" ] || {
    echo "dwarflib: $src/googletest/src/gtest-all.cc not found: install the Debian" \
         "package googletest (scripts/install-deps.sh bench)" >&2
    exit 2
}
mkdir -p "$dir"
${CXX:-c++} -O2 -g -fPIC -shared -o "$dir/libgtestbench.so.tmp" \
    -I"$src/googletest/include" -I"$src/googletest" \
    -I"$src/googlemock/include" -I"$src/googlemock" \
    "$src/googletest/src/gtest-all.cc" "$src/googlemock/src/gmock-all.cc" -lpthread
mv "$dir/libgtestbench.so.tmp" "$dir/libgtestbench.so"
