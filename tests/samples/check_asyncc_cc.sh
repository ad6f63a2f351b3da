#!/bin/sh
# check_asyncc_cc.sh ASYNCC_CC SAMPLES_DIR WORK - the wrapper compiler.
#  1. asyncc-cc fetch_users.ac -o prog  builds a program that runs right;
#  2. -c then link (with a plain .c beside it) works, and -D reaches asyncc;
#  3. a transpiler error stops it with asyncc's exit status (1), no output;
#  4. no temporary .c is left behind.
set -u
cc_wrap=$1
samples=$2
work=$3
fail() { echo "FAIL asyncc-cc: $*" >&2; exit 1; }
rm -rf "$work"
mkdir -p "$work/tmp" || exit 1
TMPDIR="$work/tmp"
export TMPDIR

# 1. one command, compile and link
"$cc_wrap" -O1 "$samples/fetch_users.ac" -o "$work/fetch_users" ||
    fail "could not build fetch_users.ac"
"$work/fetch_users" | grep -q '^fetched 3 users in' ||
    fail "fetch_users built by asyncc-cc does not run right"

# 2. separate compilation, a .c and an .ac together, -D seen by the
#    transpiler and the compiler alike, a quoted include next to the .ac
mkdir -p "$work/src" || exit 1
cat >"$work/src/twice.h" <<'EOT'
int twice(int x);
EOT
cat >"$work/src/twice.c" <<'EOT'
#include "twice.h"
int twice(int x) { return 2 * x; }
EOT
cat >"$work/src/main.ac" <<'EOT'
#include <asyncc.h>
#include <stdio.h>
#include "twice.h"

#ifndef GREETING
#error GREETING must come from -D
#endif

static async int answer(void)
{
    await ac_sleep(1);
    return twice(21);
}

int main(void)
{
    printf("%s %d\n", GREETING, async_run(answer()));
    return 0;
}
EOT
(cd "$work" && "$cc_wrap" -c -DGREETING='"hello"' src/main.ac -o main.o) ||
    fail "asyncc-cc -c main.ac failed"
[ -f "$work/main.o" ] || fail "-c -o main.o wrote no main.o"
(cd "$work" && "$cc_wrap" main.o src/twice.c -o two) ||
    fail "linking main.o with asyncc-cc failed"
[ "$("$work/two")" = "hello 42" ] || fail "the linked program printed: $("$work/two")"

# 3. errors stop the build with asyncc's status
cat >"$work/src/bad.ac" <<'EOT'
#include <asyncc.h>
static async int f(void) { return 1; }
int g(void) { return await f(); }
EOT
(cd "$work" && "$cc_wrap" src/bad.ac -o bad) 2>"$work/bad.err"
status=$?
cat "$work/bad.err"
[ $status -eq 1 ] || fail "exit status $status for bad.ac, expected 1"
grep -q '^src/bad.ac:3:[0-9]*: error: ' "$work/bad.err" ||
    fail "no 'src/bad.ac:3:COL: error:' message"
[ -e "$work/bad" ] && fail "an output was produced for bad.ac"

# 4. temporary files cleaned up
left=$(ls -A "$work/tmp")
[ -z "$left" ] || fail "temporary files left behind: $left"
echo "ok"
