#!/usr/bin/env bash
# scripts/demo.sh - install what is missing, build, run the samples:
#   fetch_users  three users fetched over HTTP with gather, from a small API
#                on loopback (samples/users_api.py) that answers 200 ms late
#   cpu_offload  CPU work in to_thread next to a ticker
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh
cmake -S . -B build
cmake --build build -j"${JOBS:-2}" --target fetch_users cpu_offload

# The API fetch_users talks to: a free port on 127.0.0.1, stopped on exit.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/asyncc-demo.XXXXXX")
python3 samples/users_api.py --delay 200 --port-file "$tmp/port" &
api=$!
trap 'kill $api 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do
    [ -s "$tmp/port" ] && break
    sleep 0.1
done
url="http://127.0.0.1:$(cat "$tmp/port")"

echo
echo "\$ build/bin/fetch_users $url      # samples/fetch_users.ac"
build/bin/fetch_users "$url"
echo
echo "\$ build/bin/cpu_offload      # samples/cpu_offload.ac"
build/bin/cpu_offload
