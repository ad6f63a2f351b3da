#!/bin/sh
# run_lines.sh CHECK - the positions in asyncc's output that compilers and
# debuggers report (tests/lines).
#
#   columns-gcc, columns-clang  columns.ac: warnings on lines without awaits
#                        have the same line and column, transpiled and erased
#   directives           gdb.ac and columns.ac: no duplicate #line directive,
#                        and those naming the generated file are right
#   gdb-break            gdb.ac: a breakpoint on the line after a suspending
#                        await stops once per pass, after the await is over
#                        (the local printed by name has the awaited value)
#   gdb-next             gdb.ac: `next` on an await that completes without
#                        suspending stops on the next line, the value set
#
# Environment (tests/lines/CMakeLists.txt): ASYNCC, LINES_DIR, WORK_DIR,
# RT_INCLUDE, RT_LIBRARY, GCC, CLANG, SAN_FLAGS (the sanitizer flags in a
# sanitizer build, whose runtime library is instrumented; else empty).  The
# gdb checks exit 77 (skipped) when gdb is not installed.
set -u
check=$1
work="$WORK_DIR/$check"
rm -rf "$work"
mkdir -p "$work" || exit 1
fail() {
    echo "FAIL lines.$check: $*" >&2
    exit 1
}
uv_libs=$(pkg-config --libs libuv)

# transpile NAME: NAME.c in the work dir, #line paths relative to it
transpile() {
    cp "$LINES_DIR/$1.ac" "$work/" || exit 1
    (cd "$work" && "$ASYNCC" "$1.ac" -o "$1.c") || fail "asyncc $1.ac failed"
}

# build NAME: an executable with debug information, no optimisation
build() {
    transpile "$1"
    (cd "$work" && $GCC -std=gnu11 -g -O0 ${SAN_FLAGS:-} -I "$RT_INCLUDE" "$1.c" \
        "$RT_LIBRARY" $uv_libs -o "$1") || fail "gcc $1.c failed"
}

# gdb_run NAME COMMANDS...: gdb's output, one -ex per command
gdb_run() {
    name=$1
    shift
    set -- -batch -nx "$@"
    (cd "$work" && gdb "$@" "./$name") >"$work/gdb.out" 2>&1
}

case $check in
columns-gcc|columns-clang)
    if [ "$check" = columns-gcc ]; then cc=$GCC; else cc=$CLANG; fi
    transpile columns
    (cd "$work" && python3 "$LINES_DIR/check_lines.py" columns columns.ac columns.c "$cc" \
        -I "$RT_INCLUDE") || fail "warnings moved"
    ;;
directives)
    for n in gdb columns; do
        transpile $n
        (cd "$work" && python3 "$LINES_DIR/check_lines.py" directives $n.c) ||
            fail "$n.c: bad #line directives"
    done
    ;;
gdb-break)
    command -v gdb >/dev/null || exit 77
    build gdb
    # line 21: after `v = await slow(1)`; line 26: after the await in the loop
    gdb_run gdb -ex 'break gdb.ac:21' -ex 'break gdb.ac:26' -ex run \
        -ex 'print v' -ex continue -ex 'print v' -ex continue \
        -ex 'print v' -ex continue -ex 'print v' -ex continue
    hits=$(grep -c '^Breakpoint [12], ' "$work/gdb.out")
    [ "$hits" -eq 4 ] || { cat "$work/gdb.out"; fail "$hits stops, expected 4"; }
    vals=$(grep '^\$[0-9]* = ' "$work/gdb.out" | sed 's/^\$[0-9]* = //' | tr '\n' ' ')
    [ "$vals" = "2 5 7 10 " ] || { cat "$work/gdb.out"; fail "values seen: $vals"; }
    ;;
gdb-next)
    command -v gdb >/dev/null || exit 77
    build gdb
    # line 22: `v = await quick(v)`, which completes without suspending
    gdb_run gdb -ex 'break gdb.ac:22' -ex run -ex next -ex 'print v'
    grep -q '^23	    printf("after quick %d\\n", v);' "$work/gdb.out" ||
        { cat "$work/gdb.out"; fail "next did not stop on line 23"; }
    grep -q '^\$1 = 4$' "$work/gdb.out" || { cat "$work/gdb.out"; fail "v is not 4 there"; }
    ;;
*)
    fail "unknown check"
    ;;
esac
exit 0
