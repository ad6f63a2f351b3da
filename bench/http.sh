#!/bin/bash
# bench/http.sh [BUILD_DIR] - the HTTP server of <asyncc/http.h> against its
# peers under wrk: a "Hello, World!" server (keep-alive, one process, pinned
# to one core) at several connection counts.
#
#   Servers: build/bin/bench_http_hello (bench/http_hello.ac), Node's http
#   module (bench/http_hello.js), and aiohttp on uvloop
#   (bench/http_hello_aiohttp.py) when /usr/bin/python3 has them.
#   Environment: RUNS (5) runs per cell, each DURATION (5) seconds, at each
#   of CONNS ("10 100 1000") connections; SERVER_CPU (0) and WRK_CPU (1):
#   the cores the server and wrk (one thread) are pinned to.
#
# Two numbers per cell, medians over the runs: requests/s as wrk saw them,
# and requests per CPU-second of the server (its user + system time from
# /proc during the run).  On a small machine wrk on one core cannot keep a
# fast server busy, so requests/s measure the load generator as much as the
# server; requests per CPU-second are what the server could do with a core
# of its own, and they hold up better when the machine is shared.  Runs are
# interleaved (every server once, then again) so that load from elsewhere
# spreads over all of them.  Run on demand; not a test.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
RUNS=${RUNS:-5}
DURATION=${DURATION:-5}
CONNS=${CONNS:-"10 100 1000"}
SERVER_CPU=${SERVER_CPU:-0}
WRK_CPU=${WRK_CPU:-1}

hello=$build/bin/bench_http_hello
for tool in wrk node taskset; do
    command -v $tool >/dev/null || { echo "http.sh: $tool is missing" >&2; exit 1; }
done
[ -x "$hello" ] || { echo "http.sh: build $hello first" >&2; exit 1; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/asyncc-bench.XXXXXX")
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start NAME COMMAND...: run a server on a free port (appended), pinned.
names=()
declare -A port pid
start() {
    local name=$1 p
    shift
    p=$(free_port)
    taskset -c "$SERVER_CPU" "$@" "$p" >"$tmp/$name.log" 2>&1 &
    pids+=($!)
    pid[$name]=$!
    for _ in $(seq 100); do
        grep -q listening "$tmp/$name.log" 2>/dev/null && break
        sleep 0.1
    done
    grep -q listening "$tmp/$name.log" || { echo "http.sh: $name did not start" >&2; cat "$tmp/$name.log" >&2; exit 1; }
    names+=("$name")
    port[$name]=$p
}

start asyncc "$hello"
start node node "$here/http_hello.js"
if /usr/bin/python3 -c 'import aiohttp, uvloop' 2>/dev/null; then
    start aiohttp /usr/bin/python3 "$here/http_hello_aiohttp.py"
fi

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# One wrk run: prints "requests/s requests-per-CPU-second"; reports errors.
run() {
    local name=$1 c=$2 out t0 t1
    t0=$(cpu_ticks "${pid[$name]}")
    out=$(taskset -c "$WRK_CPU" wrk -t1 -c"$c" -d"${DURATION}s" \
          "http://127.0.0.1:${port[$name]}/" 2>&1)
    t1=$(cpu_ticks "${pid[$name]}")
    if grep -qE "Non-2xx|Socket errors" <<<"$out"; then
        echo "http.sh: $name at c=$c had errors:" >&2
        grep -E "Non-2xx|Socket errors" <<<"$out" >&2
    fi
    awk -v ticks=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" '
        / requests in / {n = $1}
        /^Requests\/sec:/ {rps = $2}
        END {printf "%s:%.0f\n", rps, (ticks > 0 ? n / (ticks / hz) : 0)}' <<<"$out"
}

median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

echo "wrk -t1, $RUNS runs of ${DURATION}s per cell; servers on cpu $SERVER_CPU, wrk on cpu $WRK_CPU"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A results
for c in $CONNS; do
    for _ in $(seq "$RUNS"); do
        for name in "${names[@]}"; do
            results[$name,$c]+="$(run "$name" "$c") "
        done
    done
done
echo "load after:  $(cut -d' ' -f1-3 /proc/loadavg)"

table() { # table TITLE FIELD: one line per connection count
    local field=$2
    printf '\n%-8s' "$1"
    for name in "${names[@]}"; do printf '%12s' "$name"; done
    for name in "${names[@]:1}"; do printf '%16s' "asyncc/$name"; done
    printf '\n'
    for c in $CONNS; do
        printf '%-8s' "c=$c"
        declare -A med
        for name in "${names[@]}"; do
            med[$name]=$(tr ' ' '\n' <<<"${results[$name,$c]}" | grep . |
                         cut -d: -f"$field" | median)
            printf '%12.0f' "${med[$name]}"
        done
        for name in "${names[@]:1}"; do
            printf '%16s' "$(awk -v a="${med[asyncc]}" -v b="${med[$name]}" \
                'BEGIN {printf "%.2fx", (b > 0 ? a / b : 0)}')"
        done
        printf '\n'
    done
}
table "req/s" 1
table "req/cpu-s" 2
