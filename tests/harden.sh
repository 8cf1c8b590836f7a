#!/usr/bin/env bash
# Hostile and unlucky inputs of issue 14, one case per ctest test:
#
#   harden.sh OVERHEAD CASE
#
# Every case must end in bounded time (each command runs under `timeout`)
# with the exit status and message the README promises, and must leave
# published files consistent. The hostile inputs are made here from the
# golden analysis (tests/data/report/analysis.json) or written to a temp dir.
set -uo pipefail
overhead=${1:?usage: harden.sh OVERHEAD CASE}
case_name=${2:?usage: harden.sh OVERHEAD CASE}
here=$(cd "$(dirname "$0")" && pwd)
export OVERHEAD_TEMPLATES=$here/../templates
golden=$here/data/report/analysis.json
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
fail=0
bad() {
    echo "FAIL: $*" >&2
    fail=1
}

# run LIMIT CMD...: run with a time limit; sets rc (124 = it hung) and
# leaves stderr in $tmp/err.
run() {
    local limit=$1
    shift
    rc=0
    timeout -k 2 "$limit" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
}

# expect RC PATTERN WHAT: the last run's status and stderr.
expect() {
    if [ "$rc" -ne "$1" ] || ! grep -q -- "$2" "$tmp/err"; then
        bad "$3: exit $rc (expected $1), stderr: $(head -c 400 "$tmp/err")"
    fi
}

# edit OUT PYTHON: the golden analysis changed by a Python statement on 'a'.
edit() {
    python3 -c "import json, sys
a = json.load(open(sys.argv[1]))
$2
json.dump(a, open(sys.argv[2], 'w'), ensure_ascii=False)" "$golden" "$1"
}

# finite_svg DIR WHAT: the published HTML draws no inf or nan coordinate,
# and every axis has at most CHART_MAX_TICKS + 1 grid lines.
finite_svg() {
    grep -qE '="-?(inf|nan)' "$1/CPU_OVERHEAD_ANALYSIS.html" && bad "$2: inf or nan in the SVG"
    [ "$(grep -o 'stroke="#ddd"' "$1/CPU_OVERHEAD_ANALYSIS.html" | wc -l)" -le 200 ] ||
        bad "$2: too many grid lines"
}

case_chart_axis() { # item 1: a chart maximum near DBL_MAX, or all denormal
    edit "$tmp/big.json" "a['charts']['trials']['series'][0]['points'][0]['value'] = 1.7e308"
    run 20 "$overhead" render -o "$tmp/big" "$tmp/big.json"
    [ "$rc" -eq 0 ] || bad "near DBL_MAX: exit $rc: $(head -c 400 "$tmp/err")"
    finite_svg "$tmp/big" "near DBL_MAX"
    edit "$tmp/sens.json" "a['charts']['sensitivity']['groups'][0]['bars'][0]['value'] = 1.7e308"
    run 20 "$overhead" render -o "$tmp/sens" "$tmp/sens.json"
    [ "$rc" -eq 0 ] || bad "sensitivity near DBL_MAX: exit $rc: $(head -c 400 "$tmp/err")"
    edit "$tmp/tiny.json" "
t = a['charts']['trials']
for s in t['series']:
    s['median'] = 5e-324
    for p in s['points']: p['value'] = 5e-324
t['band'] = {'lo': 5e-324, 'hi': 5e-324, 'label': 'b'}
t['target_value'] = 5e-324
for g in a['charts']['sensitivity']['groups']:
    for b in g['bars']: b['value'] = 5e-324"
    run 20 "$overhead" render -o "$tmp/tiny" "$tmp/tiny.json"
    [ "$rc" -eq 0 ] || bad "denormal values: exit $rc: $(head -c 400 "$tmp/err")"
    finite_svg "$tmp/tiny" "denormal values"
}

case_publish_set() { # item 2: a write fails midway (file size limit = a full disk)
    local out=$tmp/docs/sprints/active/s
    run 20 "$overhead" render -o "$out" "$golden"
    [ "$rc" -eq 0 ] || bad "first publication: exit $rc"
    echo "kept" >"$out/NOTES.txt"
    (cd "$out" && md5sum ./*) >"$tmp/before.md5"
    edit "$tmp/new.json" "a['generated'] = '2031-01-01T00:00:00Z'; a['date'] = '2031-01-01'"
    # 12 KiB: the new JSON (~10 KiB) and Markdown fit, the HTML (~19 KiB) does not.
    rc=0
    (trap '' XFSZ; ulimit -f 12; exec "$overhead" render -o "$out" "$tmp/new.json") \
        2>"$tmp/err" || rc=$?
    expect 1 "File too large" "publication over the size limit"
    (cd "$out" && md5sum -c --quiet "$tmp/before.md5") || bad "the previous set changed"
    [ -z "$(find "$tmp/docs/sprints/active" -mindepth 1 -maxdepth 1 -name '.*')" ] ||
        bad "temporary folder left behind: $(ls -a "$tmp/docs/sprints/active")"
    # Without the limit the new set replaces the old one whole, extra files kept.
    run 20 "$overhead" render -o "$out" "$tmp/new.json"
    [ "$rc" -eq 0 ] || bad "second publication: exit $rc"
    grep -q 2031-01-01 "$out/CPU_OVERHEAD_ANALYSIS.json" || bad "JSON not replaced"
    grep -q 2031-01-01 "$out/CPU_OVERHEAD_ANALYSIS.md" || bad "Markdown not replaced"
    grep -q 2031-01-01 "$out/CPU_OVERHEAD_ANALYSIS.html" || bad "HTML not replaced"
    grep -q kept "$out/NOTES.txt" || bad "a file of the folder was lost"
    [ -z "$(find "$tmp/docs/sprints/active" -mindepth 1 -maxdepth 1 -name '.*')" ] ||
        bad "old set left behind"
}

case_profile_special() { # item 9: FIFO, devices, a huge sparse file
    mkfifo "$tmp/fifo"
    run 20 "$overhead" top "$tmp/fifo"
    expect 2 "fifo: is a pipe or socket, not a regular file" "FIFO without a writer"
    run 20 "$overhead" top /dev/zero
    expect 2 "/dev/zero: is a device, not a regular file" "/dev/zero"
    run 20 "$overhead" top /dev/urandom
    expect 2 "/dev/urandom: is a device" "/dev/urandom"
    # A valid 64-bit header, then 2 GB of holes: refused before it is read.
    printf '\0\0\0\0\0\0\0\0\3\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x10\x27\0\0\0\0\0\0' \
        >"$tmp/sparse.prof"
    printf '\0\0\0\0\0\0\0\0' >>"$tmp/sparse.prof"
    truncate -s 2G "$tmp/sparse.prof"
    run 20 "$overhead" top "$tmp/sparse.prof"
    expect 2 "sparse.prof: 2147483648 bytes, more than the 512 MiB" "2 GB sparse profile"
    # A 2 GB sparse file whose header is wrong is refused on its header.
    truncate -s 2G "$tmp/zeros.prof"
    run 20 "$overhead" top "$tmp/zeros.prof"
    expect 2 "zeros.prof: bad header word 1" "2 GB of zeros"
    # JSON inputs too: an analysis for render, a run's run.json and a record.
    run 20 "$overhead" render -o "$tmp/r" "$tmp/fifo"
    expect 2 "fifo: is a pipe or socket, not a regular file" "render of a FIFO"
    mkdir -p "$tmp/run"
    mkfifo "$tmp/run/run.json"
    run 20 "$overhead" analyze "$tmp/run"
    expect 2 "run.json: is a pipe or socket, not a regular file" "analyze, run.json a FIFO"
    # The docs index reads every published analysis the same way.
    mkdir -p "$tmp/docs/sprints/active/x"
    mkfifo "$tmp/docs/sprints/active/x/CPU_OVERHEAD_ANALYSIS.json"
    run 20 "$overhead" index "$tmp/docs"
    [ "$rc" -eq 0 ] || bad "index with a FIFO for an analysis: exit $rc"
    grep -q "unreadable analysis: .*not a regular file" "$tmp/docs/index.html" ||
        bad "index does not say the FIFO is unreadable"
}

# valid_utf8 FILE: the file decodes as UTF-8.
valid_utf8() {
    python3 -c "import sys; open(sys.argv[1], 'rb').read().decode('utf-8')" "$1" 2>/dev/null
}

case_index_names() { # item 5: a non-UTF-8 folder name, a headline cut mid-character
    local docs=$tmp/docs bad_name
    bad_name=$(printf 'bad\377\376name')
    run 20 "$overhead" render -o "$docs/sprints/active/$bad_name" "$golden"
    [ "$rc" -eq 0 ] || bad "publishing into a non-UTF-8 folder: exit $rc"
    edit "$tmp/long.json" "a['headline']['overhead_pct'] = 'é' * 300"
    run 20 "$overhead" render -o "$docs/sprints/active/long" -d "$docs" "$tmp/long.json"
    [ "$rc" -eq 0 ] || bad "index rebuild: exit $rc: $(head -c 400 "$tmp/err")"
    valid_utf8 "$docs/index.html" || bad "index.html is not valid UTF-8"
    grep -q 'href="sprints/active/bad%FF%FEname/CPU_OVERHEAD_ANALYSIS.html"' \
        "$docs/index.html" || bad "the non-UTF-8 folder is not listed with an encoded link"
    grep -q "bad�*name" "$docs/index.html" || bad "the folder name is not shown"
    grep -q "$(printf 'é%.0s' $(seq 300))% per-event" "$docs/index.html" ||
        bad "the long headline is not listed whole"
}

case_index_links() { # item 10: links to a sprint named with URL syntax
    local docs=$tmp/docs
    run 20 "$overhead" render -o "$docs/sprints/active/v#1?%zz" -d "$docs" "$golden"
    [ "$rc" -eq 0 ] || bad "publishing 'v#1?%zz': exit $rc"
    grep -q 'href="sprints/active/v%231%3F%25zz/CPU_OVERHEAD_ANALYSIS.html"' \
        "$docs/index.html" || bad "link not percent-encoded: $(grep -o 'href="[^"]*"' \
        "$docs/index.html" | head -3)"
}

case_utf8_labels() { # item 10: long multibyte labels are cut on a character boundary
    edit "$tmp/labels.json" "
for it in a['charts']['breakdown']['items']: it['label'] = 'é' * 150 + 'x'
a['charts']['flame']['root']['children'][0]['name'] = '€' * 200"
    run 20 "$overhead" render -o "$tmp/pub" "$tmp/labels.json"
    [ "$rc" -eq 0 ] || bad "render: exit $rc: $(head -c 400 "$tmp/err")"
    valid_utf8 "$tmp/pub/CPU_OVERHEAD_ANALYSIS.html" || bad "the HTML is not valid UTF-8"
}

case_markdown_injection() { # item 8: data fields cannot open a fence, HTML or a block
    edit "$tmp/inj.json" "
a['reproduce'] = 'make report\n\`\`\`\n<script>alert(1)</script>'
a['run']['dir'] = 'runs/\`</code><script>alert(2)</script>'
a['headline']['lost_text'] = '<script>alert(3)</script>'
a['headline']['observer_text'] = '\`\`\`'
a['reference']['text'] = '<img src=x onerror=alert(4)>\n\n<div>'
a['conclusion'] = '# heading\n<!-- chart:flame -->'
a['recommendation']['summary'] = '~~~'"
    run 20 "$overhead" render -o "$tmp/pub" "$tmp/inj.json"
    [ "$rc" -eq 0 ] || bad "render: exit $rc: $(head -c 400 "$tmp/err")"
    local md=$tmp/pub/CPU_OVERHEAD_ANALYSIS.md html=$tmp/pub/CPU_OVERHEAD_ANALYSIS.html
    # In the Markdown, every '<' of the data outside the reproduce fence is escaped.
    if sed '/^```$/,/^```$/d' "$md" | grep -nE '(^|[^\\])<(script|img|div|/code)'; then
        bad "raw HTML from data in the Markdown"
    fi
    [ "$(grep -c '^```' "$md")" -eq 2 ] || bad "data opened or closed a code fence"
    [ "$(grep -c '^<!-- chart:' "$md")" -eq 4 ] || bad "data added a chart marker"
    grep -q '^\$ make report ```' "$md" || bad "reproduce line not kept on its own fenced line"
    # (the page has its own <div>s and <script>: look for the data's tags)
    grep -qiE '<script>alert|<img src=x|<div>|</code><script' "$html" &&
        bad "raw HTML from data in the HTML"
    [ "$(grep -c '<svg' "$html")" -eq 4 ] || bad "a chart was swallowed: $(grep -c '<svg' "$html") of 4"
    grep -q '<h1>heading' "$html" && bad "data opened a heading"
}

case_publish_swap() { # issue 20 item 4: the published folder never goes missing
    # A watcher (inotify on the parent folder) follows the folder's name
    # through every rename while render replaces the set 5 times: the
    # exchange (RENAME_EXCHANGE) fills the name before it empties it; moving
    # the old set aside first would leave no folder there for a moment.
    local parent=$tmp/docs/sprints/active out=$tmp/docs/sprints/active/s
    run 20 "$overhead" render -o "$out" "$golden"
    [ "$rc" -eq 0 ] || bad "first publication: exit $rc"
    python3 - "$parent" s "$tmp/ready" >"$tmp/watch" 2>&1 <<'PY' &
import ctypes, os, struct, sys
parent, name, ready = sys.argv[1], sys.argv[2].encode(), sys.argv[3]
libc = ctypes.CDLL(None, use_errno=True)
IN_MOVED_FROM, IN_MOVED_TO, IN_DELETE, IN_CREATE = 0x40, 0x80, 0x200, 0x100
fd = libc.inotify_init()
assert fd >= 0 and libc.inotify_add_watch(
    fd, parent.encode(), IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE | IN_CREATE) >= 0
open(ready, "w").close()
present, swaps, buf = 1, 0, b""
while swaps < 5:
    buf += os.read(fd, 65536)
    while len(buf) >= 16:
        wd, mask, cookie, ln = struct.unpack("iIII", buf[:16])
        ev, buf = buf[16:16 + ln].rstrip(b"\0"), buf[16 + ln:]
        if ev != name:
            continue
        if mask & (IN_MOVED_TO | IN_CREATE):
            present += 1
        if mask & (IN_MOVED_FROM | IN_DELETE):
            present -= 1
            swaps += 1
        if present < 1:
            print("the published folder was missing (event %#x)" % mask)
            sys.exit(1)
print("the folder stayed in place through %d swaps" % swaps)
PY
    local watcher=$! i
    for i in $(seq 50); do [ -e "$tmp/ready" ] && break; sleep 0.1; done
    for i in 1 2 3 4 5; do
        edit "$tmp/new.json" "a['generated'] = '203$i-01-01T00:00:00Z'"
        run 20 "$overhead" render -o "$out" "$tmp/new.json"
        [ "$rc" -eq 0 ] || bad "publication $i: exit $rc"
    done
    rc=0
    timeout 20 tail --pid="$watcher" -f /dev/null || rc=$?
    wait "$watcher" || bad "$(cat "$tmp/watch")"
    [ "$rc" -eq 0 ] || bad "the watcher did not see 5 swaps: $(cat "$tmp/watch")"
    grep -q 2035-01-01 "$out/CPU_OVERHEAD_ANALYSIS.json" || bad "last set not in place"
}

case_render_unwritable() { # item 10: render -o into a folder we may not write
    mkdir "$tmp/ro"
    chmod 0555 "$tmp/ro"
    if [ "$(id -u)" -eq 0 ]; then
        # root writes anywhere: a path through a regular file cannot be created either
        touch "$tmp/file"
        run 20 "$overhead" render -o "$tmp/file/out" "$golden"
    else
        run 20 "$overhead" render -o "$tmp/ro/out" "$golden"
    fi
    expect 2 "cannot create" "render -o to an unwritable folder"
}

declare -F "case_$case_name" >/dev/null || {
    echo "harden: no case '$case_name' (cases: $(declare -F | sed -n 's/^declare -f case_//p' |
        tr '\n' ' '))" >&2
    exit 2
}
"case_$case_name"
[ "$fail" -eq 0 ] && echo "harden $case_name ok"
exit "$fail"
