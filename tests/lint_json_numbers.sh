#!/usr/bin/env bash
# A computed double reaches JSON only through jsonfile_num (NaN and infinity
# -> null): jansson's json_real and json_pack's "f" return NULL for them, and
# json_object_set_new(o, key, NULL) silently drops the key, and with it a
# whole section of the report (issue 20, item 8). This fails on any "f" in a
# json_pack format or any json_real( in the analysis, publish and CLI layers.
#
#   lint_json_numbers.sh SOURCE_DIR
set -euo pipefail
src=${1:?usage: lint_json_numbers.sh SOURCE_DIR}
cd "$src"
# "s:f", "[f", ", f" or "{f" inside a string literal on a line that packs JSON
hits=$(grep -nE 'json_pack|"[^"%]*(s:f|\[ ?f|, ?f ?[],}])[^"]*"' \
    report/analysis/*.c report/publish/*.c report/cli/*.c |
    grep -E '"[^"%]*(s:f\b|\[ ?f ?[],]|, ?f ?[],}])[^"]*"' || true)
real=$(grep -nE '\bjson_real\(' report/analysis/*.c report/publish/*.c report/cli/*.c || true)
if [ -n "$hits$real" ]; then
    echo "FAIL: numbers packed without jsonfile_num (use \"s:o\", jsonfile_num(x)):" >&2
    printf '%s\n' "$hits" "$real" | sed '/^$/d' >&2
    exit 1
fi
echo "lint json numbers: ok"
