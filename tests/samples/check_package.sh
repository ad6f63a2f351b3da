#!/bin/sh
# check_package.sh BUILD_DIR CONSUMER_DIR WORK [C_FLAGS]
# Installs the build to a temporary prefix, then uses it the three ways a
# user would:
#  1. CMake: find_package(asyncc) + asyncc_target_sources in a tiny project
#     (include dirs and definitions reach the transpiler; editing a header
#     the .ac includes re-runs asyncc: the depfile works); and the same
#     project against the build tree (-Dasyncc_DIR=BUILD_DIR);
#  2. pkg-config: the asyncc variable + --cflags --libs asyncc;
#  3. the installed asyncc-cc.
# When asyncc was built with libasyncc_pg, the same three ways build
# hello_pg.ac (asyncc::pg, pkg-config asyncc-pg, asyncc-cc seeing
# <asyncc/pg.h>), which must run libpq: against a server that is not
# there it prints libpq's reason.  Likewise hello_http.ac with
# libasyncc_http (asyncc::http, asyncc-http): against a port nobody
# listens on, libcurl's attempt ends in "connection refused".
set -u
build=$1
consumer=$2
work=$3
cflags=${4:-}
fail() { echo "FAIL package: $*" >&2; exit 1; }
rm -rf "$work"
mkdir -p "$work" || exit 1
prefix="$work/prefix"

# check_hello_pg PROGRAM HOW: PROGRAM reports libpq's connect error.
no_server="host=/nonexistent-asyncc port=1"
check_hello_pg() {
    [ -x "$1" ] || fail "$2: no hello_pg was built"
    out=$("$1" "$no_server")
    status=$?
    [ $status -eq 3 ] || fail "$2: hello_pg exited $status, expected 3: $out"
    case $out in
    *'/nonexistent-asyncc/.s.PGSQL.1'*) ;;
    *) fail "$2: hello_pg did not print libpq's reason: $out" ;;
    esac
}

# check_hello_http PROGRAM HOW: PROGRAM reports that the port refused.
check_hello_http() {
    [ -x "$1" ] || fail "$2: no hello_http was built"
    out=$("$1" "http://127.0.0.1:1/")
    status=$?
    [ $status -eq 3 ] || fail "$2: hello_http exited $status, expected 3: $out"
    [ "$out" = "connection refused" ] ||
        fail "$2: hello_http did not print libcurl's refusal: $out"
}

cmake --install "$build" --prefix "$prefix" >"$work/install.log" ||
    { cat "$work/install.log"; fail "cmake --install"; }

# 1. CMake
cp -R "$consumer" "$work/src" || exit 1
cmake -S "$work/src" -B "$work/build" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_C_FLAGS="$cflags" >"$work/configure.log" 2>&1 ||
    { cat "$work/configure.log"; fail "configuring the consumer"; }
cmake --build "$work/build" >"$work/build.log" 2>&1 ||
    { cat "$work/build.log"; fail "building the consumer"; }
[ "$("$work/build/hello")" = "hello, CMAKE" ] ||
    fail "consumer printed: $("$work/build/hello")"
# the generated file carries #line directives pointing at the .ac
grep -rq '^#line .*hello\.ac"' "$work/build" --include=hello.c ||
    fail "no #line pointing at hello.ac in the generated C"
with_pg=0
if [ -f "$prefix/lib/pkgconfig/asyncc-pg.pc" ]; then
    with_pg=1
    check_hello_pg "$work/build/hello_pg" "CMake asyncc::pg"
fi
with_http=0
if [ -f "$prefix/lib/pkgconfig/asyncc-http.pc" ]; then
    with_http=1
    check_hello_http "$work/build/hello_http" "CMake asyncc::http"
fi
sleep 1   # make the edit visible to mtime comparisons
echo '#define GREETING "goodbye"' >"$work/src/include/greeting.h"
cmake --build "$work/build" >"$work/rebuild.log" 2>&1 ||
    { cat "$work/rebuild.log"; fail "rebuilding the consumer"; }
[ "$("$work/build/hello")" = "goodbye, CMAKE" ] ||
    fail "after editing greeting.h the consumer printed: $("$work/build/hello")"
# The C compiler's own dependency scan would rebuild hello.c's object anyway;
# only asyncc's depfile makes the transpiler itself run again.
gen=$(find "$work/build" -name hello.c -path '*asyncc_gen*')
[ -n "$gen" ] || fail "no generated hello.c under asyncc_gen"
[ -n "$(find "$gen" -newer "$work/src/include/greeting.h")" ] ||
    fail "asyncc did not re-run after greeting.h changed (depfile not used)"

# 1b. CMake against the build tree, no install
rm -rf "$work/build-tree"
cmake -S "$consumer" -B "$work/build-tree" -Dasyncc_DIR="$build" \
    -DCMAKE_C_FLAGS="$cflags" >"$work/configure-bt.log" 2>&1 ||
    { cat "$work/configure-bt.log"; fail "configuring against the build tree"; }
cmake --build "$work/build-tree" >"$work/build-bt.log" 2>&1 ||
    { cat "$work/build-bt.log"; fail "building against the build tree"; }
[ "$("$work/build-tree/hello")" = "hello, CMAKE" ] ||
    fail "build-tree consumer printed: $("$work/build-tree/hello")"
if [ $with_pg -eq 1 ]; then
    check_hello_pg "$work/build-tree/hello_pg" "build-tree asyncc::pg"
fi
if [ $with_http -eq 1 ]; then
    check_hello_http "$work/build-tree/hello_http" "build-tree asyncc::http"
fi

# 2. pkg-config
PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
export PKG_CONFIG_PATH
tool=$(pkg-config --variable=asyncc asyncc) || fail "pkg-config asyncc"
[ -x "$tool" ] || fail "pkg-config's asyncc variable is not a program: $tool"
(cd "$consumer" && "$tool" hello.ac -o "$work/pc_hello.c" -I include \
    -D 'HELLO_WHO="pc"') || fail "installed asyncc failed"
# shellcheck disable=SC2046,SC2086 # flag lists split on purpose
cc -std=gnu11 $cflags -iquote "$consumer" -I "$consumer/include" \
    -D 'HELLO_WHO="pc"' $(pkg-config --cflags asyncc) \
    "$work/pc_hello.c" "$consumer/helper.c" $(pkg-config --libs asyncc) \
    -o "$work/pc_hello" || fail "compiling with pkg-config flags"
[ "$("$work/pc_hello")" = "hello, PC" ] ||
    fail "pkg-config build printed: $("$work/pc_hello")"
if [ $with_pg -eq 1 ]; then
    # shellcheck disable=SC2046,SC2086
    "$tool" "$consumer/hello_pg.ac" -o "$work/pc_hello_pg.c" \
        $(pkg-config --cflags-only-I asyncc-pg | sed 's/-I/-I /g') ||
        fail "installed asyncc failed on hello_pg.ac"
    # shellcheck disable=SC2046,SC2086
    cc -std=gnu11 $cflags $(pkg-config --cflags asyncc-pg) \
        "$work/pc_hello_pg.c" $(pkg-config --libs asyncc-pg) \
        -o "$work/pc_hello_pg" || fail "compiling with pkg-config asyncc-pg"
    check_hello_pg "$work/pc_hello_pg" "pkg-config asyncc-pg"
fi
if [ $with_http -eq 1 ]; then
    # shellcheck disable=SC2046,SC2086
    "$tool" "$consumer/hello_http.ac" -o "$work/pc_hello_http.c" \
        $(pkg-config --cflags-only-I asyncc-http | sed 's/-I/-I /g') ||
        fail "installed asyncc failed on hello_http.ac"
    # shellcheck disable=SC2046,SC2086
    cc -std=gnu11 $cflags $(pkg-config --cflags asyncc-http) \
        "$work/pc_hello_http.c" $(pkg-config --libs asyncc-http) \
        -o "$work/pc_hello_http" || fail "compiling with pkg-config asyncc-http"
    check_hello_http "$work/pc_hello_http" "pkg-config asyncc-http"
fi

# 3. installed asyncc-cc
(cd "$consumer" && "$prefix/bin/asyncc-cc" -I include -DHELLO_WHO='"cc"' \
    hello.ac helper.c -o "$work/cc_hello") || fail "installed asyncc-cc"
[ "$("$work/cc_hello")" = "hello, CC" ] ||
    fail "asyncc-cc build printed: $("$work/cc_hello")"
if [ $with_pg -eq 1 ]; then
    "$prefix/bin/asyncc-cc" "$consumer/hello_pg.ac" -o "$work/cc_hello_pg" ||
        fail "installed asyncc-cc on hello_pg.ac"
    check_hello_pg "$work/cc_hello_pg" "installed asyncc-cc"
fi
if [ $with_http -eq 1 ]; then
    "$prefix/bin/asyncc-cc" "$consumer/hello_http.ac" -o "$work/cc_hello_http" ||
        fail "installed asyncc-cc on hello_http.ac"
    check_hello_http "$work/cc_hello_http" "installed asyncc-cc"
fi
echo ok
