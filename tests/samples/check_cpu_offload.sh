#!/bin/sh
# check_cpu_offload.sh EXE - to_thread keeps the loop alive, inline work
# starves it.  Passes when the ticker ticked >= 10 times while the work ran
# on the thread pool, <= 2 times while the same work ran inline, and both
# runs counted the same (right) number of primes.
set -u
out=$(timeout 60 "$1")
status=$?
printf '%s\n' "$out"
fail() { echo "FAIL cpu_offload: $*" >&2; exit 1; }
[ $status -eq 0 ] || fail "exit status $status"
# the number of ticks / primes on the line starting with WORD
ticks() {
    printf '%s\n' "$out" | sed -n "s/^$1 .* ticker ticked \([0-9][0-9]*\) times.*/\1/p"
}
primes() {
    printf '%s\n' "$out" | sed -n "s/^$1 *\([0-9][0-9]*\) primes below.*/\1/p"
}
threaded=$(ticks to_thread)
inlined=$(ticks inline)
if [ -z "$threaded" ] || [ -z "$inlined" ]; then
    fail "tick lines not found"
fi
# pi(3000000) = 216816
[ "$(primes to_thread)" = 216816 ] || fail "to_thread counted wrong"
[ "$(primes inline)" = 216816 ] || fail "inline counted wrong"
[ "$threaded" -ge 10 ] || fail "only $threaded ticks beside to_thread (want >= 10)"
[ "$inlined" -le 2 ] || fail "$inlined ticks beside inline work (want <= 2)"
echo "ok: $threaded ticks with to_thread, $inlined inline"
