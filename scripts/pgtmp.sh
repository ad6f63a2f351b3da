#!/usr/bin/env bash
# scripts/pgtmp.sh - a throwaway PostgreSQL cluster for tests, the demo and
# the benchmark.  Nothing depends on a server that is already running.
#
#   pgtmp.sh run CMD [ARGS...]   start a fresh cluster, run CMD with the
#                                variables below exported, stop the cluster
#                                and delete it (also when CMD fails or the
#                                script is interrupted); exit with CMD's
#                                status
#   eval "$(pgtmp.sh start)"     start one that outlives the script: prints
#                                the variables as shell `export` lines
#   pgtmp.sh stop [DIR]          stop it and delete it (DIR defaults to
#                                $ASYNCC_PG_DIR)
#
# The variables:
#   ASYNCC_PG      libpq conninfo over the Unix socket (the fast way)
#                  "host=DIR port=PORT dbname=postgres user=postgres"
#   ASYNCC_PG_TCP  the same over TCP: "host=127.0.0.1 port=PORT ..."
#   ASYNCC_PG_DIR  the cluster's directory; its Unix socket is in it
#   ASYNCC_PG_PORT the TCP port on 127.0.0.1 (also the socket's number)
#
# The cluster: initdb in a new directory under ${TMPDIR:-/tmp}, trust
# authentication, superuser "postgres", listening on the socket in that
# directory and on a free port of 127.0.0.1; fsync, synchronous commit and
# full-page writes off (nothing in it has to survive a crash).  initdb and
# the server refuse to run as root, so as root they run as the `postgres`
# user (Debian's postgresql package creates it) and the directory is given
# to that user.  The binaries come from PG_BIN, else from pg_config
# --bindir, else /usr/lib/postgresql/<newest>/bin (Debian keeps them off
# PATH), else PATH.
#
# `run` keeps the server as its own child (not daemonized), so a test
# runner that kills the process tree on a timeout takes the server too.
set -uo pipefail

prog=${0##*/}
say() { echo "$prog: $*" >&2; }

find_bin() {
    local d
    if [ -n "${PG_BIN:-}" ]; then
        echo "$PG_BIN"
        return
    fi
    d=$(pg_config --bindir 2>/dev/null) && [ -x "$d/initdb" ] && { echo "$d"; return; }
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$d/initdb" ]; then
            echo "$d"
            return
        fi
    done
    d=$(command -v initdb 2>/dev/null) && { dirname "$d"; return; }
    return 1
}

bin=$(find_bin) || { say "no PostgreSQL server binaries (initdb); install postgresql (scripts/deps.sh)"; exit 1; }

# as_owner CMD...: run CMD as the cluster's owner (postgres when we are root).
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# make_cluster: sets $dir to a new directory holding an initialised cluster
# in $dir/data.
make_cluster() {
    local base=${TMPDIR:-/tmp}
    # The socket path ($dir/.s.PGSQL.PORT) must fit in sun_path (108 bytes).
    if [ ${#base} -gt 60 ]; then
        base=/tmp
    fi
    dir=$(mktemp -d "$base/asyncc-pg.XXXXXX") || return 1
    chmod 755 "$dir"
    if [ "$(id -u)" -eq 0 ]; then
        if ! id postgres >/dev/null 2>&1; then
            say "running as root needs a 'postgres' user to run the server as"
            rm -rf "$dir"
            return 1
        fi
        chown postgres: "$dir"
    fi
    if ! as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 \
        --locale=C --no-sync --no-instructions >"$dir/initdb.log" 2>&1; then
        cat "$dir/initdb.log" >&2
        say "initdb failed"
        rm -rf "$dir"
        return 1
    fi
    cat >>"$dir/data/postgresql.conf" <<EOF
# scripts/pgtmp.sh: a throwaway cluster
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 300
shared_buffers = 64MB
log_min_messages = warning
EOF
}

# launch PORT [setsid]: start the server in the background; sets $pid.
launch() {
    local pre=()
    if [ "${2:-}" = setsid ]; then
        pre=(setsid)
    fi
    if [ "$(id -u)" -eq 0 ]; then
        pre+=(setpriv --reuid=postgres --regid=postgres --init-groups --)
    fi
    "${pre[@]}" "$bin/postgres" -D "$dir/data" -p "$1" \
        </dev/null >>"$dir/server.log" 2>&1 &
    pid=$!
}

# wait_ready PORT: 0 once the server accepts connections, 1 if it died or
# took longer than a minute (a loaded CI machine running valgrind tests).
wait_ready() {
    local i
    for ((i = 0; i < 600; i++)); do
        if "$bin/pg_isready" -q -h "$dir" -p "$1" -d postgres -U postgres; then
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# start_server [setsid]: pick a free port and start; retries when the port
# was taken between picking and binding.  Sets $port and $pid.
start_server() {
    local try
    for try in 1 2 3 4 5; do
        port=$(free_port) || { say "python3 is needed to pick a free port"; return 1; }
        launch "$port" "${1:-}"
        if wait_ready "$port"; then
            return 0
        fi
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    cat "$dir/server.log" >&2
    say "the server did not start"
    return 1
}

# stop_server DIR: fast shutdown (clients disconnected), then the directory.
stop_server() {
    local d=$1 p i
    if [ -f "$d/data/postmaster.pid" ]; then
        p=$(head -n 1 "$d/data/postmaster.pid")
        kill -INT "$p" 2>/dev/null
        for ((i = 0; i < 300; i++)); do
            kill -0 "$p" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$p" 2>/dev/null
    fi
    rm -rf "$d"
}

export_vars() {
    ASYNCC_PG="host=$dir port=$port dbname=postgres user=postgres"
    ASYNCC_PG_TCP="host=127.0.0.1 port=$port dbname=postgres user=postgres"
    ASYNCC_PG_DIR=$dir
    ASYNCC_PG_PORT=$port
    export ASYNCC_PG ASYNCC_PG_TCP ASYNCC_PG_DIR ASYNCC_PG_PORT
}

cmd=${1:-}
shift || true
case $cmd in
run)
    if [ $# -eq 0 ]; then
        say "usage: $prog run CMD [ARGS...]"
        exit 2
    fi
    dir=
    pid=
    cleanup() {
        if [ -n "$dir" ]; then
            stop_server "$dir"
        fi
    }
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    trap 'exit 129' HUP
    make_cluster || exit 1
    start_server || exit 1
    export_vars
    "$@"
    exit $?
    ;;
start)
    make_cluster || exit 1
    if ! start_server setsid; then
        rm -rf "$dir"
        exit 1
    fi
    export_vars
    printf 'export ASYNCC_PG=%q\n' "$ASYNCC_PG"
    printf 'export ASYNCC_PG_TCP=%q\n' "$ASYNCC_PG_TCP"
    printf 'export ASYNCC_PG_DIR=%q\n' "$ASYNCC_PG_DIR"
    printf 'export ASYNCC_PG_PORT=%q\n' "$ASYNCC_PG_PORT"
    ;;
stop)
    d=${1:-${ASYNCC_PG_DIR:-}}
    case $d in
    */asyncc-pg.*) ;;
    *)
        say "usage: $prog stop DIR (a directory made by '$prog start')"
        exit 2
        ;;
    esac
    stop_server "$d"
    ;;
*)
    sed -n '2,/^set -uo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
