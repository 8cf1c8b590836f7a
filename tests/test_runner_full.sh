#!/usr/bin/env bash
# A full disk during `overhead run` (issue 14, item 10): the run fails with
# the real cause (no space left on the run directory's file system), not only
# "direct ... killed by a signal", in the error and in the trial's record, and
# leaves no process behind. The disk is a 300 KB tmpfs, so this needs root
# (mount); skipped (77) otherwise.
#   test_runner_full.sh OVERHEAD
set -uo pipefail
ovh=${1:?usage: test_runner_full.sh OVERHEAD}
[ "$(id -u)" = 0 ] || { echo "skip: needs root to mount a small tmpfs"; exit 77; }
tmp=$(mktemp -d)
cleanup() {
    umount "$tmp/disk" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
mkdir "$tmp/disk"
mount -t tmpfs -o size=300k tmpfs "$tmp/disk" || { echo "skip: cannot mount tmpfs"; exit 77; }
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*" >&2; fail=1; }

rc=0
env -u NATS_URL "$ovh" run -o "$tmp/disk" --arch direct -k 1 -n 20000 --no-warmup \
    >"$tmp/stdout" 2>"$tmp/stderr" || rc=$?
[ "$rc" = 1 ] && ok "exit 1" || bad "exit $rc, want 1: $(cat "$tmp/stderr")"
if grep -q "no space left" "$tmp/stderr"; then
    ok "stderr names the cause: $(head -1 "$tmp/stderr")"
else
    bad "stderr does not name the full disk: $(cat "$tmp/stderr")"
fi
rec=$(ls "$tmp"/disk/*/trial-01-direct.json 2>/dev/null)
if [ -n "$rec" ] && grep -q '"failure": ".*no space left' "$rec"; then
    ok "the record's failure names the cause"
elif [ -z "$rec" ]; then
    # The record itself may not fit: then the error must say so instead.
    grep -q "No space left on device" "$tmp/stderr" && ok "no record: stderr says ENOSPC" \
        || bad "no record and no ENOSPC: $(cat "$tmp/stderr")"
else
    bad "record failure: $(grep '"failure"' "$rec")"
fi
sleep 0.2
if pgrep -f "$tmp/disk" >/dev/null; then
    bad "processes left behind: $(pgrep -af "$tmp/disk")"
else
    ok "no process left behind"
fi
exit $fail
