#!/bin/sh
# check_fetch_users.sh EXE USERS_API - fetch_users against a real HTTP API
# on loopback (samples/users_api, each answer 200 ms late).
# Passes when all three users print, the gathered batch took 150..449 ms
# (at least one real round trip, well under the 600 ms of three), and the
# same fetches one after another took at least 600 ms.
set -u
exe=$1
api_exe=$2
fail() { echo "FAIL fetch_users: $*" >&2; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/fetch_users.XXXXXX") || exit 1
"$api_exe" --delay 200 --port-file "$dir/port" &
api=$!
trap 'kill $api 2>/dev/null; rm -rf "$dir"' EXIT
i=0
until [ -s "$dir/port" ]; do
    i=$((i + 1))
    [ $i -le 100 ] || fail "users_api did not start"
    sleep 0.1
done
out=$(timeout 30 "$exe" "http://127.0.0.1:$(cat "$dir/port")")
status=$?
printf '%s\n' "$out"
[ $status -eq 0 ] || fail "exit status $status"
for u in "user 1: ada    <ada@example.org>" \
         "user 2: grace  <grace@example.org>" \
         "user 3: linus  <linus@example.org>"; do
    printf '%s\n' "$out" | grep -qxF "$u" || fail "missing line: $u"
done
line=$(printf '%s\n' "$out" | grep '^fetched 3 users in')
ms=$(printf '%s\n' "$line" | sed -n 's/^fetched 3 users in \([0-9][0-9]*\) ms.*/\1/p')
seq=$(printf '%s\n' "$line" | sed -n 's/.*one after another: \([0-9][0-9]*\) ms)$/\1/p')
[ -n "$ms" ] && [ -n "$seq" ] ||
    fail "no 'fetched 3 users in N ms (one after another: M ms)' line"
[ "$ms" -ge 150 ] || fail "took $ms ms: the fetches did not really wait 200 ms"
[ "$ms" -lt 450 ] || fail "took $ms ms: the fetches did not overlap"
[ "$seq" -ge 600 ] || fail "one after another took $seq ms, under 3 x 200"
echo "ok: 3 users in $ms ms, one after another $seq ms"
