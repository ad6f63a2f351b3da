#!/bin/sh
# run.sh MODE EXPECTED CMD...
#   out:  CMD exits 0 and its stdout equals EXPECTED
#   err:  CMD exits 1, prints nothing on stdout, and the first line of its
#         stderr equals EXPECTED's first line
#   deep: CMD exits 0, prints "rejected", and stderr's first line is
#         deep:1:COL: followed by EXPECTED's first line (any column: where
#         the limit is hit depends on the construct)
mode=$1 expected=$2
shift 2
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
"$@" >"$out" 2>"$err"
rc=$?
fail() { echo "FAIL: $*"; echo "--- stderr:"; cat "$err"; exit 1; }
case $mode in
out)
    [ $rc -eq 0 ] || fail "exit status $rc"
    diff -u "$expected" "$out" || fail "output differs from $expected"
    ;;
err)
    [ $rc -eq 1 ] || fail "exit status $rc, expected 1"
    [ -s "$out" ] && fail "unexpected output on stdout"
    [ "$(head -n 1 "$err")" = "$(head -n 1 "$expected")" ] ||
        fail "first line of stderr is not: $(head -n 1 "$expected")"
    ;;
deep)
    [ $rc -eq 0 ] || fail "exit status $rc"
    [ "$(cat "$out")" = rejected ] || fail "not rejected"
    case $(head -n 1 "$err") in
    "deep:1:"*": $(head -n 1 "$expected")") ;;
    *) fail "first line of stderr does not end in: $(head -n 1 "$expected")" ;;
    esac
    ;;
esac
exit 0
