#!/usr/bin/env bash
# The host's C library a fixture's profiles are symbolized against: each
# glibc object the profiles map (libc, libm, the dynamic loader, from their
# /proc/PID/maps trailer), its GNU build ID on this host and whether its
# separate debug file (libc6-dbg) is installed. Other libraries are named
# from their own symbol tables, which do not change with the host's build. A golden file
# made from those profiles (analysis_golden) holds the names the host's libc
# and libc6-dbg gave, so it is only comparable on a host with the same builds.
#
#   host-libs.sh write FIXTURE_DIR   record them in FIXTURE_DIR/host-libs.txt
#   host-libs.sh check FIXTURE_DIR   exit 0 when the host has the same builds,
#                                    else say which differs and exit 77 (skip)
set -euo pipefail
mode=${1:?usage: host-libs.sh write|check FIXTURE_DIR}
dir=${2:?usage: host-libs.sh write|check FIXTURE_DIR}

libs() {
    find "$dir" -name '*.prof' -exec strings -n 8 {} + |
        grep -oE '/[^ ]+/(libc|libm|ld-linux[^/ ]*)\.so[0-9.]*' | sort -u |
        while read -r lib; do
            [ -e "$lib" ] || { echo "$lib absent"; continue; }
            id=$(readelf -n "$lib" 2>/dev/null | sed -n 's/^ *Build ID: *//p' | head -1)
            debug=no
            [ -n "$id" ] && [ -e "/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug" ] &&
                debug=yes
            echo "$lib ${id:-no-build-id} debug=$debug"
        done
}

case $mode in
    write)
        libs >"$dir/host-libs.txt"
        echo "wrote $dir/host-libs.txt"
        ;;
    check)
        if ! diff=$(diff "$dir/host-libs.txt" <(libs)); then
            echo "SKIP: this host's libraries differ from those $dir's golden file was" \
                "made with (a library upgrade renames frames with no code change):"
            printf '%s\n' "$diff" | head -10
            echo "Regenerate on this host (tests/analysis-golden.sh OVERHEAD --regen) if" \
                "the new names are intended."
            exit 77
        fi
        ;;
    *)
        echo "usage: host-libs.sh write|check FIXTURE_DIR" >&2
        exit 2
        ;;
esac
