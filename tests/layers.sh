#!/bin/sh
# The layers of report/ (report/README.md): a file may include headers of its
# own layer and of the layers it is allowed to use, never of a higher one.
# The build enforces the same through include directories; this check names
# the offending line. Usage: layers.sh SOURCE_DIR
set -eu
src=${1:?usage: layers.sh SOURCE_DIR}
allowed() {
    case $1 in
        util) echo "util common" ;;
        profile) echo "profile util common" ;;
        measure) echo "measure profile util common" ;;
        analysis) echo "analysis measure profile util common" ;;
        publish) echo "publish util common" ;;
        cli) echo "cli publish analysis measure profile util common" ;;
        *) echo "" ;;
    esac
}
# the layer that owns a header name
owner() {
    for d in common report/util report/profile report/measure report/analysis \
        report/publish report/cli; do
        # NAME.pb-c.h is generated (protoc-c) from the layer's NAME.proto
        if [ -f "$src/$d/$1" ] || [ -f "$src/$d/${1%.pb-c.h}.proto" ]; then
            basename "$d"
            return
        fi
    done
    echo "?"
}
bad=0
for layer in util profile measure analysis publish cli; do
    [ -d "$src/report/$layer" ] || { echo "missing layer folder report/$layer"; bad=1; continue; }
    ok=$(allowed "$layer")
    for f in "$src/report/$layer"/*.[ch]; do
        for h in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
            o=$(owner "$h")
            case " $ok " in
                *" $o "*) ;;
                *) echo "${f#"$src"/}: includes $h of layer '$o', not allowed for '$layer'"
                   bad=1 ;;
            esac
        done
    done
done
# stray sources outside the layer folders
for f in "$src"/report/*.c "$src"/report/*.h; do
    [ -e "$f" ] && { echo "${f#"$src"/}: outside the layer folders"; bad=1; }
done
# the workloads use nothing of report/
if grep -n '\.\./report\|report/' "$src"/workloads/CMakeLists.txt >/dev/null; then
    echo "workloads/CMakeLists.txt refers to report/"; bad=1
fi
[ $bad -eq 0 ] && echo "layers ok"
exit $bad
