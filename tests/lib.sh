# Sourced by the runner's end-to-end tests (test_runner_*.sh): a scratch
# directory $tmp removed on exit together with a background runner whose pid
# the test keeps in $runner; ok/bad report one check (bad sets $fail, which
# the test returns with `exit $fail`); j FILE EXPR evaluates a Python
# expression over the JSON document d in FILE.
tmp=$(mktemp -d)
runner=
cleanup() {
    [ -n "$runner" ] && kill -KILL "$runner" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*" >&2; fail=1; }
j() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
