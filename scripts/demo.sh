#!/usr/bin/env bash
# scripts/demo.sh - install what is missing, build, run the samples:
#   fetch_users    three users fetched over HTTP with gather, from a small
#                  API on loopback (samples/users_api.ac) that answers each
#                  request 200 ms late
#   cpu_offload    CPU work in to_thread next to a ticker
#   users_service  a JSON API over PostgreSQL: a throwaway database
#                  (scripts/pgtmp.sh) with 10,000 users, the service on
#                  loopback, and a few requests to it
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh
cmake -S . -B build
cmake --build build -j"${JOBS:-2}" --target fetch_users users_api cpu_offload \
    users_service

tmp=$(mktemp -d "${TMPDIR:-/tmp}/asyncc-demo.XXXXXX")
pids=()
cleanup() {
    for p in "${pids[@]}"; do
        kill "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    if [ -n "${ASYNCC_PG_DIR:-}" ]; then
        bash scripts/pgtmp.sh stop "$ASYNCC_PG_DIR" >/dev/null 2>&1 || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

# wait_for FILE: until a server has written its port there.
wait_for() {
    for _ in $(seq 100); do
        [ -s "$1" ] && return 0
        sleep 0.1
    done
    echo "demo: a server did not start" >&2
    return 1
}

# ---- fetch_users -------------------------------------------------------------
build/bin/users_api --delay 200 --port-file "$tmp/api.port" &
pids+=($!)
wait_for "$tmp/api.port"
api="http://127.0.0.1:$(cat "$tmp/api.port")"
echo
echo "\$ build/bin/fetch_users $api      # samples/fetch_users.ac"
build/bin/fetch_users "$api"

# ---- cpu_offload ---------------------------------------------------------------
echo
echo "\$ build/bin/cpu_offload      # samples/cpu_offload.ac"
build/bin/cpu_offload

# ---- users_service -------------------------------------------------------------
echo
echo "\$ eval \"\$(bash scripts/pgtmp.sh start)\"      # a throwaway PostgreSQL"
eval "$(bash scripts/pgtmp.sh start)"
PGOPTIONS="-c client_min_messages=warning" psql "$ASYNCC_PG" -q -v users=10000 \
    -f samples/users_schema.sql >/dev/null
echo "(seeded with 10,000 users by samples/users_schema.sql)"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo "\$ build/bin/users_service --port $port --db \"\$ASYNCC_PG\" &      # samples/users_service.ac"
build/bin/users_service --port "$port" --db "$ASYNCC_PG" &
pids+=($!)
for _ in $(seq 100); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/users/1" && break
    sleep 0.1
done
# show CURL_ARGS...: print the command as one would type it, then run it.
show() {
    local line="\$ curl -s" a
    for a in "$@"; do
        case $a in
        *[\ \"\{\?]*) line+=" '$a'" ;;
        *) line+=" $a" ;;
        esac
    done
    echo "$line"
    curl -s -w '   [%{http_code}]\n' "$@"
}
show "http://127.0.0.1:$port/users/42"
show "http://127.0.0.1:$port/users?limit=3"
show -X POST -d '{"name": "ada", "email": "ada@example.org"}' "http://127.0.0.1:$port/users"
show -X POST -d '{"name": "ada", "email": "ada@example.org"}' "http://127.0.0.1:$port/users"
show "http://127.0.0.1:$port/users/99999"
show -X POST -d '{"name": ' "http://127.0.0.1:$port/users"
show "http://127.0.0.1:$port/report"
echo "(bench/service.sh measures it against FastAPI + asyncpg and synchronous servers)"
