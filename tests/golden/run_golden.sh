#!/bin/sh
# run_golden.sh MODE NAME - one golden test case (tests/golden/NAME.ac).
#
# MODE:
#   c       transpile NAME.ac, compare with NAME.expected.c byte for byte
#   gcc     transpile, compile with gcc -std=gnu11 -Wall -Wextra -Werror,
#   clang   (resp. clang) against the runtime, run, compare stdout with
#           NAME.expected.out (and the exit status with NAME.expected.status,
#           0 when that file is absent)
#   erased  compile NAME.ac as plain C with -DASYNCC_ERASED; unless a marker
#           file NAME.concurrent exists, run it and compare with
#           NAME.expected.out too (a sequential program must print the same
#           transpiled and erased)
#
# UPDATE_GOLDEN=1 rewrites NAME.expected.c (mode c) and NAME.expected.out
# (mode gcc) from the actual results instead of failing.
#
# Environment (set by tests/golden/CMakeLists.txt):
#   ASYNCC        the transpiler
#   GOLDEN_DIR    tests/golden (cases)      WORK_DIR   scratch directory
#   RT_INCLUDE    runtime/include           RT_LIBRARY libasyncc.a
#   GCC, CLANG    the compilers             SAN_FLAGS  sanitizer flags or ""
set -u

mode=$1
name=$2
work="$WORK_DIR/$name.$mode"
rm -rf "$work"
mkdir -p "$work" || exit 1

fail() {
    echo "FAIL golden.$name ($mode): $*" >&2
    exit 1
}

# compare EXPECTED ACTUAL WHAT: byte comparison with a readable diff.
compare() {
    if ! cmp -s "$1" "$2"; then
        echo "--- diff -u $1 (expected) $2 (actual)" >&2
        diff -u "$1" "$2" >&2
        fail "$3 differs from $(basename "$1")"
    fi
}

# transpile OUT.c: run from inside the golden dir, so the #line paths in the
# output are just NAME.ac, the same on every machine.
transpile() {
    if ! (cd "$GOLDEN_DIR" && "$ASYNCC" "$name.ac" -o "$1") \
            2>"$work/asyncc.err"; then
        cat "$work/asyncc.err" >&2
        fail "asyncc $name.ac failed"
    fi
    [ -f "$1" ] || fail "asyncc exited 0 but wrote no $1"
}

# run_and_check EXE: run it, check exit status and stdout.
run_and_check() {
    want_status=0
    if [ -f "$GOLDEN_DIR/$name.expected.status" ]; then
        want_status=$(cat "$GOLDEN_DIR/$name.expected.status")
    fi
    (cd "$work" && timeout 60 "$1") >"$work/stdout" 2>"$work/stderr"
    status=$?
    if [ "$status" -ne "$want_status" ]; then
        cat "$work/stderr" >&2
        fail "$(basename "$1") exited with status $status, expected $want_status"
    fi
    expected="$GOLDEN_DIR/$name.expected.out"
    if [ "$mode" = gcc ] && [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
        cp "$work/stdout" "$expected" || exit 1
        echo "updated $expected"
        return 0
    fi
    [ -f "$expected" ] || fail "$name.expected.out is missing" \
        "(UPDATE_GOLDEN=1 creates it from the gcc run)"
    compare "$expected" "$work/stdout" "stdout"
}

uv_cflags=$(pkg-config --cflags libuv)
uv_libs=$(pkg-config --libs libuv)

case $mode in
c)
    transpile "$work/$name.c"
    # Generated-only code carries #line directives naming the output file
    # as given to -o; the expected file names it without the (machine-
    # specific) scratch directory.
    sed "s|^#line \([0-9]*\) \"$work/|#line \1 \"|" "$work/$name.c" >"$work/$name.norm.c" ||
        exit 1
    expected="$GOLDEN_DIR/$name.expected.c"
    if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
        cp "$work/$name.norm.c" "$expected" || exit 1
        echo "updated $expected"
        exit 0
    fi
    [ -f "$expected" ] || fail "$name.expected.c is missing" \
        "(UPDATE_GOLDEN=1 creates it; read it before committing)"
    compare "$expected" "$work/$name.norm.c" "generated C"
    ;;
gcc|clang)
    if [ "$mode" = gcc ]; then cc=$GCC; else cc=$CLANG; fi
    transpile "$work/$name.c"
    # shellcheck disable=SC2086 # flag lists split on purpose
    if ! $cc -std=gnu11 -Wall -Wextra -Werror $SAN_FLAGS \
            -I "$RT_INCLUDE" $uv_cflags -iquote "$GOLDEN_DIR" \
            "$work/$name.c" "$RT_LIBRARY" $uv_libs -o "$work/$name" \
            2>"$work/cc.err"; then
        cat "$work/cc.err" >&2
        fail "$mode could not compile the generated C ($work/$name.c)"
    fi
    run_and_check "$work/$name"
    ;;
erased)
    if [ -f "$GOLDEN_DIR/$name.concurrent" ]; then
        # Concurrent by design: the erased program need not print the same
        # (or even finish), but it must still be valid C.
        # shellcheck disable=SC2086
        $GCC -std=gnu11 -DASYNCC_ERASED $SAN_FLAGS -I "$RT_INCLUDE" \
            -iquote "$GOLDEN_DIR" -x c -c "$GOLDEN_DIR/$name.ac" \
            -o "$work/$name.o" || fail "the erased build does not compile"
        exit 0
    fi
    # shellcheck disable=SC2086
    $GCC -std=gnu11 -DASYNCC_ERASED $SAN_FLAGS -I "$RT_INCLUDE" \
        -iquote "$GOLDEN_DIR" -x c "$GOLDEN_DIR/$name.ac" -x none \
        -o "$work/$name" || fail "the erased build does not compile"
    # The oracle never rewrites expected output.
    UPDATE_GOLDEN=0
    run_and_check "$work/$name"
    ;;
*)
    fail "unknown mode $mode"
    ;;
esac
exit 0
