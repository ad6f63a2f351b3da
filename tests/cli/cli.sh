#!/bin/sh
# cli.sh ASYNCC - the command line of asyncc: help, version, usage errors,
# unreadable input.  Every error exits 1, says what is wrong on stderr and
# leaves no output file; --help and --version exit 0 on stdout.
set -u
asyncc=$1
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
fails=0
passes=0

# expect STATUS PATTERN-IN-STDERR-OR-STDOUT ARGS...
expect() {
    want=$1 pattern=$2
    shift 2
    "$asyncc" "$@" >"$work/out" 2>"$work/err"
    got=$?
    if [ "$got" -ne "$want" ]; then
        echo "FAIL asyncc $*: exit $got, expected $want"; cat "$work/err"
        fails=$((fails + 1)); return
    fi
    if [ -n "$pattern" ] && ! grep -q -- "$pattern" "$work/out" "$work/err"; then
        echo "FAIL asyncc $*: no '$pattern' in its output"; cat "$work/out" "$work/err"
        fails=$((fails + 1)); return
    fi
    passes=$((passes + 1))
}

expect 0 "usage: asyncc IN.ac -o OUT.c" --help
expect 0 "^asyncc [0-9][0-9.]* (libclang: .*clang version" --version
expect 1 "no input file" -o "$work/x.c"
expect 1 "no output file: use -o OUT.c" "$work/x.ac"
expect 1 "unknown option '--frobnicate'" --frobnicate
expect 1 "more than one input file" a.ac b.ac -o "$work/x.c"
expect 1 "-o needs a value" in.ac -o
expect 1 "$work/missing.ac:1:1: error: cannot read this file: No such file or directory" "$work/missing.ac" -o "$work/missing.c"
[ -e "$work/missing.c" ] && { echo "FAIL: output written for a missing input"; fails=$((fails + 1)); }

# A good file with -D/-I/-MF: output and depfile appear, naming the header.
mkdir -p "$work/inc"
printf '#define LIMIT 3\n' > "$work/inc/limit.h"
cat > "$work/ok.ac" <<'AC'
#include <asyncc.h>
#include "limit.h"
static async int f(void) { await ac_yield(); return LIMIT + EXTRA; }
int main(void) { return async_run(f()) == 5 ? 0 : 1; }
AC
expect 0 "" "$work/ok.ac" -o "$work/ok.c" -I "$work/inc" -DEXTRA=2 -MF "$work/ok.d"
grep -q "limit.h" "$work/ok.d" 2>/dev/null || { echo "FAIL: depfile does not name limit.h"; fails=$((fails + 1)); }
grep -q "^$work/ok.c: $work/ok.ac" "$work/ok.d" 2>/dev/null || { echo "FAIL: depfile target line"; cat "$work/ok.d"; fails=$((fails + 1)); }
# Without the -D the file is wrong C: clang's own error, with its location.
expect 1 "ok.ac:3:.*error: use of undeclared identifier 'EXTRA'" "$work/ok.ac" -o "$work/ok2.c" -I "$work/inc"
[ -e "$work/ok2.c" ] && { echo "FAIL: output written after an error"; fails=$((fails + 1)); }
# Same input and arguments, same output, byte for byte (the output's name
# is part of it: generated code's #line directives name the output file).
cp "$work/ok.c" "$work/first.c"
"$asyncc" "$work/ok.ac" -o "$work/ok.c" -I "$work/inc" -DEXTRA=2
cmp -s "$work/ok.c" "$work/first.c" || { echo "FAIL: output is not deterministic"; fails=$((fails + 1)); }

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
