#!/bin/sh
# with_server.sh SERVER_PY PROGRAM [ARGS...] - start the test HTTP server on
# a free loopback port, run PROGRAM with ASYNCC_TEST_URL=http://127.0.0.1:PORT,
# stop the server, exit with PROGRAM's status.
set -u
server=$1
shift
dir=$(mktemp -d "${TMPDIR:-/tmp}/asyncc-http.XXXXXX") || exit 1
python3 "$server" "$dir/port" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
i=0
while [ ! -s "$dir/port" ]; do
    i=$((i + 1))
    if [ $i -gt 100 ] || ! kill -0 $pid 2>/dev/null; then
        echo "with_server: the test server did not start" >&2
        exit 1
    fi
    sleep 0.1
done
ASYNCC_TEST_URL="http://127.0.0.1:$(cat "$dir/port")"
export ASYNCC_TEST_URL
"$@"
