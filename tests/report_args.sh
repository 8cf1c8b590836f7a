#!/bin/sh
# report_args.sh SRCDIR OVERHEAD: hostile names reach `overhead report` as
# data, never as shell text.
#  1. `make report` hands SPRINT, CLUSTER, SERVICES and REPORT_ARGS to
#     `overhead report` as arguments, whatever they hold: quotes,
#     backquotes, newlines run nothing and break nothing. The recipe runs
#     for real (make -o build: the build step is skipped) against a stub
#     overhead that records its arguments, one per line, in $ARGS_OUT.
#  2. `overhead report --sprint` refuses what is not a folder name (exit 2).
#  3. The report's "Reproduce with" line, run as typed, gives the stub the
#     same sprint and options again.
set -eu
usage="usage: report_args.sh SRCDIR OVERHEAD"
src=$(cd "${1:?$usage}" && pwd)
ovh=$(cd "$(dirname "${2:?$usage}")" && pwd)/$(basename "$2")
tmp=$(mktemp -d /tmp/make-report-args-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/b/report" "$tmp/cwd"
cat >"$tmp/b/report/overhead" <<'STUB'
#!/bin/sh
for a in "$@"; do printf '%s\n' "$a"; done >"$ARGS_OUT"
STUB
chmod +x "$tmp/b/report/overhead"
fail=0
nl='
'

# check LABEL EXPECTED-ARGS(one per line) MAKE-VARIABLES...
check() {
    label=$1 want=$2
    shift 2
    rm -f "$tmp/args"
    (cd "$tmp/cwd" && ARGS_OUT="$tmp/args" make -s -f "$src/Makefile.report" -o build \
        BUILD="$tmp/b" report "$@") >"$tmp/make.out" 2>&1 || true
    if [ -n "$(ls "$tmp/cwd")" ]; then
        echo "FAIL: $label: the recipe ran a command, it created: $(ls "$tmp/cwd")"
        fail=1
        rm -rf "$tmp/cwd"/*
    fi
    got=$(cat "$tmp/args" 2>/dev/null || echo "(overhead not run: $(cat "$tmp/make.out"))")
    if [ "$got" = "$want" ]; then
        echo "ok: $label"
    else
        printf 'FAIL: %s: overhead got\n%s\nwant\n%s\n' "$label" "$got" "$want"
        fail=1
    fi
}

base="report${nl}--progress${nl}--docs${nl}docs${nl}--runs${nl}runs"
check "defaults" "$base"
check "quick" "$base$nl--quick" QUICK=1
check "quote in SPRINT" "$base$nl--sprint${nl}x'; touch pwned; echo '" \
    SPRINT="x'; touch pwned; echo '"
check "backquote and dollar in SPRINT" "$base$nl--sprint${nl}\`touch pwned\`\"\$HOME\"" \
    SPRINT="\`touch pwned\`\"\$\$HOME\""
check "newline in SPRINT" "$base$nl--sprint${nl}a${nl}b" SPRINT="a${nl}b"
check "CLUSTER and SERVICES" "$base$nl--cluster${nl}3; touch pwned$nl--services${nl}2' x" \
    CLUSTER="3; touch pwned" SERVICES="2' x"
check "REPORT_ARGS split at blanks, nothing run or globbed" \
    "$base$nl--no-aa$nl\`touch${nl}pwned\`$nl*" REPORT_ARGS="--no-aa \`touch pwned\` *"

# 2. Sprint names that are not a folder name: exit 2 before anything runs.
for name in "" . .. a/b ../up "a${nl}b" "$(printf 'a\tb')"; do
    rc=0
    "$ovh" report --sprint "$name" --docs "$tmp/docs" --runs "$tmp/runs" \
        --from "$tmp/none" >"$tmp/out" 2>"$tmp/err" || rc=$?
    if [ "$rc" = 2 ] && grep -q -- "--sprint: bad value" "$tmp/err" && [ ! -e "$tmp/docs" ]; then
        echo "ok: --sprint '$name' refused"
    else
        echo "FAIL: --sprint '$name': exit $rc, $(cat "$tmp/err")"
        fail=1
    fi
done

# 3. The reproduce line of a report published from fixed runs, run as typed.
sprint="it's \$HOME \`touch pwned\` \$\$"
(cd "$src/tests/data/analysis" && "$ovh" report --sprint "$sprint" --docs "$tmp/docs" \
    --no-aa -k 3 --cluster 2 --from main aa rate storage) >"$tmp/out" 2>"$tmp/err" || {
    echo "FAIL: report --from the fixture runs: $(cat "$tmp/err")"
    exit 1
}
line=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["reproduce"])' \
    "$tmp/docs/sprints/active/$sprint/CPU_OVERHEAD_ANALYSIS.json")
echo "reproduce: $line"
case $line in
    "make report "*) ;;
    *) echo "FAIL: not a make command line: $line"; exit 1 ;;
esac
rm -f "$tmp/args"
(cd "$tmp/cwd" && eval "ARGS_OUT=\"\$tmp/args\" $line -s -f \"\$src/Makefile.report\" -o build \
    BUILD=\"\$tmp/b\"") >"$tmp/make.out" 2>&1 || true
want="$base$nl--sprint$nl$sprint$nl--cluster${nl}2$nl--docs$nl$tmp/docs$nl--no-aa$nl-k${nl}3"
got=$(cat "$tmp/args" 2>/dev/null || cat "$tmp/make.out")
if [ "$got" = "$want" ] && [ -z "$(ls "$tmp/cwd")" ]; then
    echo "ok: the reproduce line gives back the same arguments"
else
    printf 'FAIL: the reproduce line gave\n%s\nwant\n%s\n' "$got" "$want"
    fail=1
fi
exit $fail
