#!/bin/sh
# check_asyncc_cc.sh ASYNCC_CC SAMPLES_DIR WORK [USERS_API [PG]] - the
# wrapper compiler.
#  1. asyncc-cc cpu_offload.ac -o prog  builds a program that runs right;
#  2. -c then link (with a plain .c beside it) works, and -D reaches asyncc;
#  3. a transpiler error stops it with asyncc's exit status (1), no output;
#  4. no temporary .c is left behind;
#  5. (USERS_API is not "none": asyncc was built with libasyncc_http, and
#     that is samples/users_api) libasyncc_http and what it needs are linked when
#     an input uses <asyncc/http.h>: an .ac that includes it
#     (fetch_users.ac, against USERS_API), its
#     object linked on its own, a plain .c that includes it; and not linked
#     when nothing uses it.
#  6. (PG = 1: asyncc was built with libasyncc_pg) libasyncc_pg and libpq
#     are linked when an input uses <asyncc/pg.h>: an .ac that includes it,
#     a plain .c that reaches it through a header of its own (both programs
#     run libpq: they print its reason for not connecting); and not linked
#     when nothing uses it.
set -u
cc_wrap=$1
samples=$2
work=$3
users_api=${4:-none}
pg=${5:-0}
fail() { echo "FAIL asyncc-cc: $*" >&2; exit 1; }
rm -rf "$work"
mkdir -p "$work/tmp" || exit 1
TMPDIR="$work/tmp"
export TMPDIR

# 1. one command, compile and link
"$cc_wrap" -O1 "$samples/cpu_offload.ac" -o "$work/cpu_offload" ||
    fail "could not build cpu_offload.ac"
"$work/cpu_offload" | grep -q '^to_thread [0-9]* primes below' ||
    fail "cpu_offload built by asyncc-cc does not run right"

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

# 5. the optional HTTP library, linked when used
if [ "$users_api" != none ]; then
    "$users_api" --delay 0 --port-file "$work/port" &
    api=$!
    trap 'kill $api 2>/dev/null' EXIT
    i=0
    until [ -s "$work/port" ]; do
        i=$((i + 1))
        [ $i -le 100 ] || fail "users_api did not start"
        sleep 0.1
    done
    url="http://127.0.0.1:$(cat "$work/port")"
    "$cc_wrap" "$samples/fetch_users.ac" -ljansson -o "$work/fetch_users" ||
        fail "could not build fetch_users.ac (includes <asyncc/http.h>)"
    "$work/fetch_users" "$url" | grep -q '^fetched 3 users in' ||
        fail "fetch_users built by asyncc-cc does not run right"
    (cd "$work" && "$cc_wrap" -c "$samples/fetch_users.ac" -o fu.o &&
        "$cc_wrap" fu.o -ljansson -o fu_linked) ||
        fail "linking fetch_users.o alone did not bring in libasyncc_http"
    "$work/fu_linked" "$url" | grep -q '^user 2: grace' ||
        fail "fetch_users linked from its object does not run right"
    cat >"$work/src/hdr.c" <<'EOT'
#include <asyncc/http.h>
#include <stdio.h>
int main(void)
{
    ac_http_response r = {0, NULL, 0, NULL};
    puts(ac_http_header(&r, "Date") == NULL ? "no header" : "?");
    return 0;
}
EOT
    "$cc_wrap" "$work/src/hdr.c" -o "$work/hdr" ||
        fail "a plain .c including <asyncc/http.h> did not link"
    [ "$("$work/hdr")" = "no header" ] || fail "hdr printed: $("$work/hdr")"
    "$cc_wrap" -show "$work/src/twice.c" "$work/main.o" -o "$work/x" \
        >"$work/show.txt" || fail "asyncc-cc -show"
    grep -q 'asyncc_http' "$work/show.txt" &&
        fail "libasyncc_http linked although nothing uses it: $(cat "$work/show.txt")"
    kill $api 2>/dev/null
fi

# 6. the optional PostgreSQL library, linked when used
if [ "$pg" = 1 ]; then
    no_server="host=/nonexistent-asyncc port=1"
    cat >"$work/src/pg_hello.ac" <<'EOT'
#include <asyncc.h>
#include <asyncc/pg.h>
#include <stdio.h>
static async int try_connect(const char *info)
{
    ac_pg *c;
    int rc = await ac_pg_connect(&c, info);
    printf("%d %s\n", rc == AC_EPGCONN, ac_pg_error(c));
    ac_pg_close(c);
    return 0;
}
int main(int argc, char **argv)
{
    return argc == 2 ? async_run(try_connect(argv[1])) : 2;
}
EOT
    "$cc_wrap" "$work/src/pg_hello.ac" -o "$work/pg_hello" ||
        fail "asyncc-cc did not build an .ac using <asyncc/pg.h>"
    out=$("$work/pg_hello" "$no_server")
    case $out in
    "1 "*'/nonexistent-asyncc/.s.PGSQL.1'*) ;;
    *) fail "the <asyncc/pg.h> program printed: $out" ;;
    esac
    cat >"$work/src/db.h" <<'EOT'
#include <asyncc/pg.h>
EOT
    cat >"$work/src/pg_plain.c" <<'EOT'
#include <stdio.h>
#include "db.h"
int main(void)
{
    printf("%s|%s\n", ac_pg_error(NULL), PQresStatus(PGRES_TUPLES_OK));
    return 0;
}
EOT
    "$cc_wrap" "$work/src/pg_plain.c" -o "$work/pg_plain" ||
        fail "asyncc-cc did not link a .c using <asyncc/pg.h>"
    [ "$("$work/pg_plain")" = "no connection object (out of memory)|PGRES_TUPLES_OK" ] ||
        fail "the plain C <asyncc/pg.h> program printed: $("$work/pg_plain")"
    "$cc_wrap" -show "$work/src/twice.c" "$work/main.o" -o "$work/x" \
        >"$work/show_pg.txt" || fail "asyncc-cc -show"
    grep -q 'asyncc_pg\|lpq' "$work/show_pg.txt" &&
        fail "libasyncc_pg linked although nothing uses it: $(cat "$work/show_pg.txt")"
fi

# 4. temporary files cleaned up
left=$(ls -A "$work/tmp")
[ -z "$left" ] || fail "temporary files left behind: $left"
echo "ok"
