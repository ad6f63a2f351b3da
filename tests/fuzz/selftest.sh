#!/bin/sh
# The differential tester must accept a correct transpiler and catch wrong
# ones.  Stand-in "transpilers" emit the erased program (correct), the same
# with one constant changed (wrong output), or nothing (a failure).
#   selftest.sh [PYTHON]
set -u
here=$(cd "$(dirname "$0")" && pwd)
py=${1:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# asyncc IN -o OUT -I DIR
cat > "$tmp/honest" <<'EOF'
#!/bin/sh
{ echo '#define ASYNCC_ERASED 1'; cat "$1"; } > "$3"
EOF
cat > "$tmp/wrong" <<'EOF'
#!/bin/sh
{ echo '#define ASYNCC_ERASED 1'; sed 's/h \* 31u/h * 37u/' "$1"; } > "$3"
EOF
cat > "$tmp/broken" <<'EOF'
#!/bin/sh
echo "broken: error: nothing works" >&2
exit 1
EOF
chmod +x "$tmp/honest" "$tmp/wrong" "$tmp/broken"
ar rcs "$tmp/libnone.a"

run() { # name -> exit status of run.py, its output in $tmp/name.log
    "$py" "$here/run.py" --asyncc "$tmp/$1" --runtime-lib "$tmp/libnone.a" \
        --from 1 --to 4 --jobs 2 --keep "$tmp/keep-$1" --tmp "$tmp" \
        > "$tmp/$1.log" 2>&1
}
expect() { # description, condition...
    what=$1; shift
    if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; fail=1; fi
}

run honest; st=$?
expect "a correct transpiler passes" test $st -eq 0
expect "summary counts 4 passes" grep -qx "4 passed, 0 failed" "$tmp/honest.log"

run wrong; st=$?
expect "a wrong transpiler fails the run" test $st -eq 1
expect "summary counts 4 failures" grep -qx "0 passed, 4 failed" "$tmp/wrong.log"
expect "the failing seeds are named" grep -qx "failed seeds: 1 2 3 4" "$tmp/wrong.log"
expect "the reason is the output" grep -q "output differs" "$tmp/keep-wrong/seed-3/log.txt"
for f in prog.ac prog.c erased.out transpiled.out log.txt; do
    expect "seed-3 keeps $f" test -s "$tmp/keep-wrong/seed-3/$f"
done
expect "the kept outputs differ" sh -c "! cmp -s '$tmp/keep-wrong/seed-3/erased.out' '$tmp/keep-wrong/seed-3/transpiled.out'"
expect "the kept program regenerates from its seed" sh -c \
    "'$py' '$here/gen.py' --seed 3 | cmp -s - '$tmp/keep-wrong/seed-3/prog.ac'"

run broken; st=$?
expect "a failing transpiler fails the run" test $st -eq 1
expect "the reason is the transpiler" grep -q "asyncc failed" "$tmp/keep-broken/seed-1/log.txt"
expect "its diagnostic is kept" grep -q "nothing works" "$tmp/keep-broken/seed-1/log.txt"
expect "no transpiled output is claimed" test ! -e "$tmp/keep-broken/seed-1/transpiled.out"

# reduce.py shrinks what the wrong transpiler gets wrong, and the result
# still fails the same way.
"$py" "$here/gen.py" --seed 2 > "$tmp/big.ac"
"$py" "$here/reduce.py" --asyncc "$tmp/wrong" --runtime-lib "$tmp/libnone.a" \
    "$tmp/big.ac" -o "$tmp/small.ac" > "$tmp/reduce.log" 2>&1
st=$?
expect "reduce.py succeeds" test $st -eq 0
expect "reduce.py sees an output difference" grep -q "^failure: output" "$tmp/reduce.log"
big=$(wc -l < "$tmp/big.ac")
small=$(wc -l < "$tmp/small.ac" 2>/dev/null || echo 999999)
expect "the program shrinks to under a third ($big -> $small lines)" test $((small * 3)) -lt "$big"
expect "the reduced program still fails" sh -c \
    "'$py' '$here/reduce.py' --classify --asyncc '$tmp/wrong' --runtime-lib '$tmp/libnone.a' '$tmp/small.ac' | grep -q '^failure: output'"
expect "... and only with the wrong transpiler" sh -c \
    "'$py' '$here/reduce.py' --classify --asyncc '$tmp/honest' --runtime-lib '$tmp/libnone.a' '$tmp/small.ac' | grep -q 'does not fail'"

exit $fail
