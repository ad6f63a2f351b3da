#!/usr/bin/env bash
# scripts/deps.sh - install the Debian packages asyncc needs, where missing.
#
#   cmake, make       the build
#   gcc, clang        compile the transpiler, the runtime, and (in the tests)
#                     the generated C with both compilers
#   pkg-config        finds libuv
#   libclang-dev      the transpiler's C front end (libclang 14 or newer)
#   lemon             generates the parser of async function bodies
#   libuv1-dev        the runtime's event loop, thread pool and I/O
#   valgrind          memory checks in the runtime tests
#   gdb               the tests of the gdb extension (tests/gdb) and of the
#                     #line directives under a debugger (tests/lines)
#   python3           the random-program differential tester and the
#                     transpiler robustness test (tests/fuzz, tests/robust);
#                     the small HTTP servers some tests talk to
#   libcurl4-openssl-dev  libasyncc_http's client (libcurl's multi-socket API)
#   libhttp-parser-dev    libasyncc_http's server (parses HTTP/1.1 requests)
#   libjansson-dev    JSON in the samples (fetch_users, users_service)
#   libpq-dev         libasyncc_pg (libpq's nonblocking API)
#   postgresql        initdb/postgres for the throwaway database of the pg
#                     tests, the service sample and its benchmark
#   curl              the demo shows requests to the service with it
#   clangd            the clangd tests: clangd --check reads .ac files with
#                     the compile_commands.json entries asyncc makes for them
#   man-db            the man page tests (tests/man): man -l renders man/*.1
#                     and man/*.7 through groff and reports its warnings
#
# Installs with apt-get when run as root; otherwise prints the exact
# command to run and exits 1.  Exits 0 at once when everything is present.
set -euo pipefail

packages=(cmake make gcc clang pkg-config libclang-dev lemon libuv1-dev valgrind gdb
    python3 libcurl4-openssl-dev libhttp-parser-dev libjansson-dev libpq-dev
    postgresql curl clangd man-db)

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "deps: not a Debian system; make sure these (or equivalents) are" \
        "installed: ${packages[*]}" >&2
    exit 0
fi

installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing=()
for p in "${packages[@]}"; do
    installed "$p" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "deps: all present (${packages[*]})"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "deps: missing packages: ${missing[*]}" >&2
    echo "deps: run this, then try again:" >&2
    echo "sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y "${missing[@]}"
