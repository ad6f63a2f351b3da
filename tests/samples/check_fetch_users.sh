#!/bin/sh
# check_fetch_users.sh EXE - the three 200 ms fetches overlap.
# Passes when all three users print and the batch took 150..449 ms: at least
# one real sleep (so the waiting happened), well under the 600 ms that
# sequential fetches would need.
set -u
out=$(timeout 30 "$1")
status=$?
printf '%s\n' "$out"
fail() { echo "FAIL fetch_users: $*" >&2; exit 1; }
[ $status -eq 0 ] || fail "exit status $status"
for u in "user 1: ada    <ada@example.org>" \
         "user 2: grace  <grace@example.org>" \
         "user 3: linus  <linus@example.org>"; do
    printf '%s\n' "$out" | grep -qxF "$u" || fail "missing line: $u"
done
ms=$(printf '%s\n' "$out" | sed -n 's/^fetched 3 users in \([0-9][0-9]*\) ms.*/\1/p')
[ -n "$ms" ] || fail "no 'fetched 3 users in N ms' line"
[ "$ms" -ge 150 ] || fail "took $ms ms: the fetches did not really wait 200 ms"
[ "$ms" -lt 450 ] || fail "took $ms ms: the fetches did not overlap"
echo "ok: 3 users in $ms ms"
