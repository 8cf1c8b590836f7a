#!/usr/bin/env bash
# Install the Debian packages this project needs, and only the missing ones.
#
#   scripts/install-deps.sh [--check] [GROUP...]
#
# Groups: core (always), test (chromium, tidy, cmark-gfm: the report layout
# tests; valgrind: CI's memcheck pass; linux-perf: the perf cross-check test;
# make test installs it), bench (google-pprof comparison; Go pprof
# when available; googletest's sources for the full-DWARF library), fuzz
# (clang + libFuzzer runtime). With --check nothing is installed: the script
# lists what is missing and exits 1 if anything is.
# It is a no-op when everything is present, runs `apt-get update` only when a
# package cannot be found in the current lists, and on a machine without
# apt-get/dpkg prints the package names to install by hand (exit 2).
set -euo pipefail

core=(
    build-essential cmake pkg-config git curl
    libnats-dev nats-server
    libgoogle-perftools-dev google-perftools
    libcmark-gfm-dev libcmark-gfm-extensions-dev
    libjansson-dev libsqlite3-dev sqlite3
    libdw-dev libelf-dev
    # symbolized profiles in pprof's format (profile.proto, gzipped)
    libprotobuf-c-dev protobuf-c-compiler zlib1g-dev
    # libc's symbol table by build-id: names libc's internal functions
    # (futex waits, memcpy variants) that its .dynsym does not
    libc6-dbg
    # used by the test scripts: pgrep (no process left behind) and python3
    # (JSON checks and free ports in the cluster test)
    procps python3
)
test=(chromium tidy cmark-gfm protobuf-compiler valgrind linux-perf)
bench=(golang-go golang-github-google-pprof-dev googletest time)
fuzz=(clang libclang-rt-14-dev)

check_only=0
want=("${core[@]}")
for arg in "$@"; do
    case "$arg" in
        --check) check_only=1 ;;
        core) ;;
        test) want+=("${test[@]}") ;;
        bench) want+=("${bench[@]}") ;;
        fuzz) want+=("${fuzz[@]}") ;;
        -h|--help)
            sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
            exit 0 ;;
        *) echo "install-deps: unknown argument '$arg' (groups: core test bench fuzz)" >&2
           exit 2 ;;
    esac
done

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    echo "install-deps: this is not a Debian-like system (no dpkg-query/apt-get)." >&2
    echo "install-deps: install these Debian 12 packages or their equivalents:" >&2
    echo "  ${want[*]}" >&2
    exit 2
fi

missing=()
for p in "${want[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#want[@]} packages present"
    exit 0
fi
echo "install-deps: missing: ${missing[*]}"
[ "$check_only" -eq 0 ] || exit 1

sudo=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || {
        echo "install-deps: not root and no sudo; run as root: apt-get install ${missing[*]}" >&2
        exit 2
    }
    sudo=(sudo)
fi

# Refresh the package lists only when one of the missing packages has no
# installation candidate in them (a fresh machine has empty lists).
need_update=0
for p in "${missing[@]}"; do
    cand=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ {print $2}')
    if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then
        need_update=1
        break
    fi
done
if [ "$need_update" -eq 1 ]; then
    echo "install-deps: apt-get update"
    "${sudo[@]}" apt-get update -qq
fi

echo "install-deps: apt-get install ${missing[*]}"
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
echo "install-deps: installed ${#missing[@]} package(s)"
