#!/usr/bin/env bash
# bench/http_fanout.sh - the HTTP client on the loop against its peers:
# REQUESTS GETs of one URL on a local server, CONCURRENCY at a time.
#
#   bash bench/http_fanout.sh [--requests N] [--concurrency C] [--runs R]
#
# The server is samples/users_api (asyncc's HTTP server), pinned to CPU 0,
# the clients to CPU 1.  Two rounds:
#   api latency 20 ms   every answer comes 20 ms late, like a remote API:
#                       the clients that wait for C answers at once finish
#                       in about N / C x 20 ms, a blocking client in N x 20
#   instant             the answer comes at once (10 x N requests): what
#                       each request costs the client (its CPU time), and
#                       whether it keeps up with the server
# Clients: asyncc (bench/http_fanout.ac), blocking libcurl one request at a
# time (bench/http_blocking.c), and Python's aiohttp (asyncio and uvloop)
# and httpx when Debian's packages are installed.  Each is run R times; the
# table shows the median run: requests/s, client CPU per request, and
# asyncc's speed over each.
set -euo pipefail
cd "$(dirname "$0")/.."

requests=2000
concurrency=100
runs=3
while [ $# -gt 0 ]; do
    case $1 in
    --requests) requests=$2 ;;
    --concurrency) concurrency=$2 ;;
    --runs) runs=$2 ;;
    *) echo "usage: $0 [--requests N] [--concurrency C] [--runs R]" >&2; exit 2 ;;
    esac
    shift 2
done

cmake -S . -B build >/dev/null
cmake --build build -j2 --target users_api bench_http_fanout bench_http_blocking >/dev/null
py=/usr/bin/python3
[ -x "$py" ] || py=python3
ulimit -n 65536 2>/dev/null || true
pin_server=()
pin_client=()
if [ "$(nproc)" -ge 2 ]; then
    pin_server=(taskset -c 0)
    pin_client=(taskset -c 1)
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/asyncc-fanout.XXXXXX")
api=
cleanup() {
    if [ -n "$api" ]; then
        kill "$api" 2>/dev/null || true
        wait "$api" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

clients=(asyncc blocking)
for c in aiohttp aiohttp-uvloop httpx; do
    mod=${c%-uvloop}
    [ "$c" = aiohttp-uvloop ] && mod="aiohttp, uvloop"
    if "$py" -c "import $mod" 2>/dev/null; then
        clients+=("$c")
    fi
done

# run_client NAME URL N C -> "ms cpu_ms failed"
run_client() {
    local out
    case $1 in
    asyncc) out=$("${pin_client[@]}" build/bin/bench_http_fanout "$2" "$3" "$4") ;;
    blocking) out=$("${pin_client[@]}" build/bin/bench_http_blocking "$2" "$3") ;;
    *) out=$("${pin_client[@]}" "$py" bench/http_fanout.py "$1" "$2" "$3" "$4") ;;
    esac
    echo "$out" | awk '{ print $4, $5, $6 }'
}

declare -A result
for delay in 20 0; do
    rm -f "$tmp/port"
    "${pin_server[@]}" build/bin/users_api --delay "$delay" --port-file "$tmp/port" &
    api=$!
    for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
    url="http://127.0.0.1:$(cat "$tmp/port")/users/1"
    for c in "${clients[@]}"; do
        n=$requests
        # One at a time, 20 ms each: a tenth of the requests says enough.
        # Instant answers: ten times as many, or start-up is all one sees.
        if [ "$delay" -gt 0 ]; then
            [ "$c" = blocking ] && n=$((requests / 10))
        else
            n=$((requests * 10))
        fi
        rows=()
        for _ in $(seq "$runs"); do
            read -r ms cpu failed <<<"$(run_client "$c" "$url" "$n" "$concurrency")"
            rows+=("$(awk -v n="$n" -v ms="$ms" -v cpu="$cpu" -v f="$failed" \
                'BEGIN { printf "%.0f %.1f %d\n", n * 1000 / (ms > 0 ? ms : 1), cpu * 1000 / n, f }')")
        done
        result["$delay $c"]=$(printf '%s\n' "${rows[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p")
        echo "  delay $delay ms, $c: ${result["$delay $c"]}" >&2
    done
    kill "$api"
    wait "$api" 2>/dev/null || true
    api=
done

echo
echo "$requests GETs ($((requests * 10)) when instant), $concurrency at a time (blocking: one at a time), median of $runs runs"
printf '%-18s %-15s %10s %14s %8s %10s\n' server client "req/s" "CPU us/req" failed "asyncc is"
for delay in 20 0; do
    read -r base _ <<<"${result["$delay asyncc"]}"
    label="api latency ${delay} ms"
    [ "$delay" -eq 0 ] && label=instant
    for c in "${clients[@]}"; do
        read -r rps cpu failed <<<"${result["$delay $c"]}"
        ratio=$(awk -v a="$base" -v b="$rps" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else printf "-" }')
        printf '%-18s %-15s %10s %14s %8s %10s\n' "$label" "$c" "$rps" "$cpu" "$failed" "$ratio"
    done
done
