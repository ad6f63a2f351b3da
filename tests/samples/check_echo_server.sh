#!/bin/sh
# check_echo_server.sh ASYNCC_CC ECHO_SERVER_AC WORK - samples/echo_server.ac
# built with asyncc-cc at test time (so a transpiler gap fails this test,
# not the whole build):
#  1. without arguments it runs its self-test: 20 concurrent clients, every
#     echo checked, server cancelled and joined; must say "20 of 20";
#  2. `echo_server 0` serves until SIGINT, then stops cleanly (exit 0).
set -u
cc_wrap=$1
src=$2
work=$3
fail() { echo "FAIL echo_server: $*" >&2; exit 1; }
rm -rf "$work"
mkdir -p "$work" || exit 1
"$cc_wrap" -Wall -Wextra "$src" -o "$work/echo_server" || fail "does not build"

out=$(timeout 60 "$work/echo_server")
status=$?
printf '%s\n' "$out"
[ $status -eq 0 ] || fail "self-test exit status $status"
[ "$out" = "20 of 20 clients got their echo" ] || fail "self-test output"

# The server is our own child, so SIGINT goes straight to it.  (Run under
# `timeout`, a loaded machine could deliver our SIGINT to timeout between
# its fork and its noting the child's pid; it then exits 130 itself and
# leaves the server running.)  A watchdog kills a server that hangs.
"$work/echo_server" 0 >"$work/serve.out" 2>&1 &
pid=$!
(sleep 60; kill -KILL "$pid") >/dev/null 2>&1 &
watchdog=$!
i=0
until grep -q '^echoing on 127\.0\.0\.1:[0-9]*, Ctrl-C to stop$' "$work/serve.out"; do
    i=$((i + 1))
    if [ $i -gt 100 ]; then
        kill "$pid" "$watchdog" 2>/dev/null
        cat "$work/serve.out"
        fail "the server did not start within 10 s"
    fi
    sleep 0.1
done
kill -INT "$pid"
wait "$pid"
status=$?
kill "$watchdog" 2>/dev/null
cat "$work/serve.out"
[ $status -eq 0 ] || fail "exit status $status after SIGINT"
grep -qx stopped "$work/serve.out" || fail "no 'stopped' after SIGINT"
echo ok
