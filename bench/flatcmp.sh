#!/bin/sh
# flatcmp.sh A.txt B.txt: compare the flat samples per function of two
# pprof-style -top listings (overhead top, google-pprof --text, pprof -top):
# lines "flat flat% sum% cum cum% name...". Prints the differences and
# exits 1 if any function's flat count differs, 0 when all agree.
set -eu
extract() {
    awk '$1 ~ /^[0-9]+$/ && $2 ~ /%$/ && $5 ~ /%$/ {
        name = $6; for (i = 7; i <= NF; i++) name = name " " $i
        if ($1 > 0) print name "\t" $1
    }' "$1" | sort
}
extract "$1" > "$1.flat"
extract "$2" > "$2.flat"
if diff "$1.flat" "$2.flat" > "$1.diff"; then
    echo "flatcmp: $(wc -l < "$1.flat") functions, flat samples identical"
    exit 0
fi
echo "flatcmp: flat samples differ ($(grep -c '^[<>]' "$1.diff") lines):"
head -20 "$1.diff"
exit 1
