#!/usr/bin/env python3
"""users_api.py - the small user directory fetch_users.ac talks to.

    users_api.py [--delay MS] [--port N] [--port-file FILE]

GET /users/ID answers {"id": ID, "name": ..., "email": ...} after MS
milliseconds (default 200: a slow API on a far network), 404 for an
unknown ID.  Listens on 127.0.0.1 (port 0: a free one, written to FILE).
Standard library only; one thread per connection.
"""
import argparse
import http.server
import json
import os
import time

USERS = {1: "ada", 2: "grace", 3: "linus", 4: "margaret", 5: "ken"}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes

    def log_message(self, *args):
        pass

    def do_GET(self):
        parts = self.path.strip("/").split("/")
        user = None
        if len(parts) == 2 and parts[0] == "users" and parts[1].isdigit():
            uid = int(parts[1])
            if uid in USERS:
                user = {"id": uid, "name": USERS[uid],
                        "email": USERS[uid] + "@example.org"}
        time.sleep(self.server.delay)
        body = json.dumps(user if user else {"error": "no such user"}).encode()
        self.send_response(200 if user else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--delay", type=int, default=200)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    args = ap.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.delay = args.delay / 1000.0
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write("%d\n" % server.server_address[1])
        os.rename(args.port_file + ".tmp", args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
