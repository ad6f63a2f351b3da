#!/usr/bin/env bash
# bench/service.sh - the seed's claim, measured: a database-heavy JSON
# service in asyncc against FastAPI + asyncpg, and against synchronous
# servers (plain C with blocking libpq; Flask + psycopg2 under gunicorn's
# sync workers), all doing the same queries on the same table.
#
#   bash bench/service.sh [--duration S] [--runs N] [--workers N]
#                         [--pool N] [--conns "10 100 1000"]
#
# It builds users_service and users_service_sync, installs the Python peers
# and wrk from Debian where they are missing (as root), starts a throwaway
# PostgreSQL (scripts/pgtmp.sh) seeded with 10,000 users, then runs each
# server in turn on the same port with the same worker count and pool
# size.  With one worker the server is pinned to CPU 0, the database and
# wrk to CPU 1.
# wrk loads GET /users/{id} (a primary-key lookup; ids spread over the
# table) and GET /report (about 20 ms in the database) at each connection
# count for S seconds, N times; the table shows the median run's
# requests/s, its p50 and p99 latency, and its errors (socket errors and
# non-2xx answers), then asyncc's ratio to each peer.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=4
runs=3
workers=1
pool=20
conns="10 100 1000"
while [ $# -gt 0 ]; do
    case $1 in
    --duration) duration=$2 ;;
    --runs) runs=$2 ;;
    --workers) workers=$2 ;;
    --pool) pool=$2 ;;
    --conns) conns=$2 ;;
    *) echo "usage: $0 [--duration S] [--runs N] [--workers N] [--pool N] [--conns LIST]" >&2
       exit 2 ;;
    esac
    shift 2
done

# ---- what it needs ----------------------------------------------------------
bash scripts/deps.sh
peers=(wrk python3-fastapi python3-asyncpg uvicorn python3-flask
    python3-psycopg2 gunicorn)
missing=()
for p in "${peers[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
        missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "bench/service.sh: run: sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >/dev/null
fi
cmake -S . -B build >/dev/null
cmake --build build -j2 --target users_service users_service_sync >/dev/null

# Debian's Python, whatever python3 is first on PATH (the peers' modules are
# Debian packages).
py=/usr/bin/python3
[ -x "$py" ] || py=python3
ulimit -n 65536 2>/dev/null || ulimit -n 4096 2>/dev/null || true

# ---- the database ------------------------------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/asyncc-service-bench.XXXXXX")
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    if [ -n "${ASYNCC_PG_DIR:-}" ]; then
        bash scripts/pgtmp.sh stop "$ASYNCC_PG_DIR" >/dev/null 2>&1 || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
# With one worker the server gets CPU 0 to itself; the database and wrk
# share CPU 1 (the database's processes inherit the affinity).
pin_db=()
if [ "$workers" -eq 1 ] && [ "$(nproc)" -ge 2 ]; then
    pin_db=(taskset -c 1)
fi
eval "$("${pin_db[@]}" bash scripts/pgtmp.sh start)"
PGOPTIONS="-c client_min_messages=warning" psql "$ASYNCC_PG" -q -v users=10000 \
    -f samples/users_schema.sql >/dev/null
# Every server reaches the database the same way: its Unix socket, named as
# a URI (asyncpg takes no other form).
export DATABASE_URL="postgresql://postgres@/postgres?host=$ASYNCC_PG_DIR&port=$ASYNCC_PG_PORT"
export ASYNCC_POOL=$pool

# ---- the servers -------------------------------------------------------------
port=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
pin_server=()
pin_wrk=()
if [ "$workers" -eq 1 ] && [ "$(nproc)" -ge 2 ]; then
    pin_server=(taskset -c 0)
    pin_wrk=(taskset -c 1)
fi

# start_server NAME: run in the background (exec: $! is the server itself,
# so killing it stops the server, not just a subshell).
start_server() {
    case $1 in
    asyncc)
        exec "${pin_server[@]}" build/bin/users_service --port "$port" \
            --workers "$workers" --pool "$pool" --db "$DATABASE_URL" ;;
    sync-c)
        exec "${pin_server[@]}" build/bin/users_service_sync --port "$port" \
            --workers "$workers" --db "$DATABASE_URL" ;;
    fastapi)
        exec "${pin_server[@]}" "$py" -m uvicorn --app-dir bench service_fastapi:app \
            --host 127.0.0.1 --port "$port" --workers "$workers" \
            --log-level warning --no-access-log ;;
    flask)
        exec "${pin_server[@]}" "$py" -m gunicorn --chdir bench -w "$workers" \
            -b "127.0.0.1:$port" --log-level warning service_flask:app ;;
    esac
}

answers() {
    curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$port/users/1"
}

# wait_ready NAME: until the server answers (and is still the one we
# started: a server that failed to bind has exited).
wait_ready() {
    for _ in $(seq 200); do
        if answers; then
            kill -0 "$server_pid" 2>/dev/null && return 0
            break
        fi
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.05
    done
    cat "$tmp/$1.log" >&2
    echo "bench/service.sh: $1 did not start" >&2
    return 1
}

# stop_server: SIGTERM, and wait until the port is free again.
stop_server() {
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
    for _ in $(seq 100); do
        answers || return 0
        sleep 0.1
    done
    echo "bench/service.sh: something still answers on port $port" >&2
    exit 1
}

# A wrk script that spreads GETs over ids 1..10000.
cat >"$tmp/ids.lua" <<'EOF'
local n = 0
request = function()
    n = n + 1
    return wrk.format("GET", "/users/" .. (n * 7919 % 10000 + 1))
end
EOF

# run_wrk PATH CONNS -> "req/s p50 p99 errors"
run_wrk() {
    local path=$1 c=$2 script=() out
    [ "$path" = "/users/{id}" ] && script=(-s "$tmp/ids.lua") && path=/
    out=$("${pin_wrk[@]}" wrk -t1 -c"$c" -d"${duration}s" --timeout 5s --latency \
        "${script[@]}" "http://127.0.0.1:$port$path" 2>&1) || true
    echo "$out" | awk '
        function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0;
                         if (v ~ /s$/) return v * 1000; return v }
        /Requests\/sec/ { rps = $2 }
        $1 == "50%" { p50 = ms($2) }
        $1 == "99%" { p99 = ms($2) }
        /Socket errors/ { gsub(/,/, ""); err += $4 + $6 + $8 + $10 }
        /Non-2xx/ { err += $NF }
        END { printf "%.0f %.1f %.1f %d\n", rps, p50, p99, err }'
}

servers=(asyncc fastapi sync-c flask)
paths=("/users/{id}" /report)
declare -A result
if answers; then
    echo "bench/service.sh: port $port is taken" >&2
    exit 1
fi
for s in "${servers[@]}"; do
    start_server "$s" >"$tmp/$s.log" 2>&1 &
    server_pid=$!
    wait_ready "$s"
    for p in "${paths[@]}"; do
        for c in $conns; do
            rows=()
            for _ in $(seq "$runs"); do
                rows+=("$(run_wrk "$p" "$c")")
                # A synchronous server still works through the connections
                # wrk left in its accept queue: let it finish, so the next
                # run does not start behind them.
                curl -s -o /dev/null --max-time 120 "http://127.0.0.1:$port/users/1" || true
            done
            # the median run by requests/s
            result["$s $p $c"]=$(printf '%s\n' "${rows[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p")
            echo "  $s $p c=$c: ${result["$s $p $c"]}" >&2
        done
    done
    stop_server
done

# ---- the table -----------------------------------------------------------------
echo
echo "workers=$workers pool=$pool, 10,000 users, wrk ${duration}s x $runs runs (median)"
printf '%-9s %-12s %6s %10s %9s %9s %7s\n' server endpoint conns "req/s" "p50 ms" "p99 ms" errors
for p in "${paths[@]}"; do
    for c in $conns; do
        for s in "${servers[@]}"; do
            read -r rps p50 p99 err <<<"${result["$s $p $c"]}"
            printf '%-9s %-12s %6s %10s %9s %9s %7s\n' "$s" "$p" "$c" "$rps" "$p50" "$p99" "$err"
        done
    done
done
echo
echo "asyncc's requests/s over each peer's:"
printf '%-12s %6s %10s %10s %10s\n' endpoint conns fastapi sync-c flask
for p in "${paths[@]}"; do
    for c in $conns; do
        read -r a _ <<<"${result["asyncc $p $c"]}"
        line=$(printf '%-12s %6s' "$p" "$c")
        for s in fastapi sync-c flask; do
            read -r b _ <<<"${result["$s $p $c"]}"
            line+=$(awk -v a="$a" -v b="$b" 'BEGIN { if (b > 0) printf " %9.1fx", a / b; else printf " %10s", "-" }')
        done
        echo "$line"
    done
done
