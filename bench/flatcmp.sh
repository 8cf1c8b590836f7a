#!/bin/sh
# flatcmp.sh A.txt B.txt: compare the flat samples per function of two
# pprof-style -top listings (overhead top, google-pprof --text, pprof -top):
# lines "flat flat% sum% cum cum% name...". Prints the differences and
# exits 1 if any function's flat count differs, 0 when all agree.
# With FLATCMP_NORMALISE=1 names are first reduced to a key that the tools'
# different labels share (C++ template arguments, parameter lists, " const",
# " (inline)", " [clone .cold]", google-pprof's "@addr", return types and
# the namespace are dropped; equal keys add up), for libraries with inlined
# C++ functions.
set -eu
extract() {
    awk '$1 ~ /^[0-9]+$/ && $2 ~ /%$/ && $5 ~ /%$/ {
        name = $6; for (i = 7; i <= NF; i++) name = name " " $i
        if ($1 > 0) print name "\t" $1
    }' "$1" | if [ "${FLATCMP_NORMALISE:-0}" = 1 ]; then normalise; else cat; fi | sort
}
normalise() {
    python3 -c '
import re, sys, collections

def mangled_key(name):
    # a name the demangler gave up on: its function name follows the first
    # closed template-argument list ("...EE19MatchAndExplainImpl...")
    for m in re.finditer(r"E(\d+)([A-Za-z_]\w*)", name):
        if len(m.group(2)) >= int(m.group(1)):
            return m.group(2)[: int(m.group(1))]
    return name

def key(name):
    inline = name.endswith(" (inline)")
    name = name.replace(" (inline)", "")
    if name.startswith("_Z"):
        return mangled_key(name)
    if inline and name.startswith("["):
        return "(anonymous inline)"  # Go pprof: an inlined call without a name
    m = re.match(r"^[\w:]+ \(\*(.+)\)\(.*\)$", name)  # returns a function pointer
    if m:
        name = m.group(1)
    if name.startswith("operator()<"):
        return "operator"  # a lambda call operator template; Go pprof: "operator"
    for op in ("operator<<=", "operator>>=", "operator<<", "operator>>", "operator<=",
               "operator>=", "operator->", "operator<", "operator>", "operator()"):
        name = name.replace(op, "operator#%d" % len(op))
    out, depth = [], 0
    for ch in name:
        if ch in "<(":
            depth += 1
        elif ch in ">)":
            depth -= 1
        elif depth == 0:
            out.append(ch)
    k = "".join(out).split(" [clone")[0].replace(" const", "")
    k = (k.split() or [""])[-1].split("::")[-1].split("@")[0]
    if k == "operator#10":
        k = "operator"  # "operator()": google-pprof drops its parentheses
    return k or "(anonymous inline)"  # "<lambda>"

keys = collections.Counter()
for line in sys.stdin:
    name, n = line.rstrip("\n").rsplit("\t", 1)
    keys[key(name)] += int(n)
for k, n in keys.items():
    print(k + "\t" + str(n))
'
}

extract "$1" > "$1.flat"
extract "$2" > "$2.flat"
if diff "$1.flat" "$2.flat" > "$1.diff"; then
    echo "flatcmp: $(wc -l < "$1.flat") functions, flat samples identical"
    exit 0
fi
n=$(awk -F'\t' 'NR == FNR { a[$1] = $2; next } { b[$1] = $2 }
    END { for (k in a) d += (a[k] > b[k] ? a[k] - b[k] : b[k] - a[k]);
          for (k in b) if (!(k in a)) d += b[k]; print d / 2 }' "$1.flat" "$2.flat")
echo "flatcmp: flat samples differ ($(grep -c '^[<>]' "$1.diff") lines, $n samples placed differently):"
head -${FLATCMP_SHOW:-20} "$1.diff"
exit 1
