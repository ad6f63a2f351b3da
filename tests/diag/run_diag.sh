#!/bin/sh
# run_diag.sh NAME - one diagnostic test case (tests/diag/NAME.ac).
#
# Runs `asyncc NAME.ac -o OUT/NAME.c` from inside tests/diag (so messages
# name the file just NAME.ac) and checks that
#   - the exit status is exactly 1,
#   - stderr equals NAME.expected.err byte for byte, stdout is empty,
#   - OUT/NAME.c does not exist afterwards and OUT holds no stray file,
#   - run again with OUT/NAME.c already present, that file is left untouched.
# UPDATE_GOLDEN=1 rewrites NAME.expected.err from the actual stderr (only
# when the exit status is right).
#
# Environment (set by tests/diag/CMakeLists.txt):
#   ASYNCC  the transpiler   DIAG_DIR  tests/diag   WORK_DIR  scratch dir
set -u

name=$1
work="$WORK_DIR/$name"
expected="$DIAG_DIR/$name.expected.err"
rm -rf "$work"
mkdir -p "$work/out" "$work/pre" || exit 1

fail() {
    echo "FAIL diag.$name: $*" >&2
    exit 1
}

# run_asyncc OUTDIR TAG: transpile into OUTDIR, stderr to $work/TAG.err.
run_asyncc() {
    (cd "$DIAG_DIR" && "$ASYNCC" "$name.ac" -o "$1/$name.c") \
        >"$work/$2.out" 2>"$work/$2.err"
}

# check_status STATUS TAG
check_status() {
    if [ "$1" -ne 1 ]; then
        cat "$work/$2.err" >&2
        fail "exit status $1, expected 1"
    fi
    if [ -s "$work/$2.out" ]; then
        cat "$work/$2.out" >&2
        fail "asyncc wrote to stdout"
    fi
}

# 1. Fresh output directory.
run_asyncc "$work/out" first
status=$?
check_status $status first
if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
    cp "$work/first.err" "$expected" || exit 1
    echo "updated $expected"
elif [ ! -f "$expected" ]; then
    cat "$work/first.err" >&2
    fail "$name.expected.err is missing (UPDATE_GOLDEN=1 creates it)"
elif ! cmp -s "$expected" "$work/first.err"; then
    echo "--- diff -u $expected (expected) stderr (actual)" >&2
    diff -u "$expected" "$work/first.err" >&2
    fail "stderr differs from $name.expected.err"
fi
[ -e "$work/out/$name.c" ] && fail "the output file exists after an error"
stray=$(ls -A "$work/out")
[ -n "$stray" ] && fail "stray files left in the output directory: $stray"

# 2. A pre-existing output file must survive a failed run unchanged.
sentinel="/* pre-existing $name.c: asyncc must not touch it */"
printf '%s\n' "$sentinel" >"$work/pre/$name.c"
run_asyncc "$work/pre" second
status=$?
check_status $status second
cmp -s "$work/first.err" "$work/second.err" ||
    fail "stderr differs between two runs (nondeterministic diagnostics)"
[ "$(cat "$work/pre/$name.c")" = "$sentinel" ] ||
    fail "the pre-existing output file was modified"
stray=$(ls -A "$work/pre")
[ "$stray" = "$name.c" ] ||
    fail "stray files left in the output directory: $stray"
exit 0
