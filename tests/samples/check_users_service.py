#!/usr/bin/env python3
"""check_users_service.py SERVICE SCHEMA_SQL - samples/users_service (or its
synchronous peer, users_service_sync: same routes, same bytes) against a
seeded table.  Run inside scripts/pgtmp.sh run, which exports ASYNCC_PG.

Seeds 10 users (user1 .. user10; user N's domain is example.org/.com/.net
by N % 3, see samples/users_schema.sql), starts SERVICE on a free port and
checks every endpoint's status and exact JSON; then the same with
--workers 2 (two processes on one port) and a clean stop on SIGTERM.
Standard library only.
"""
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time

DOMAINS = ["example.org", "example.com", "example.net"]


def user(n):
    return {"id": n, "name": "user%d" % n,
            "email": "user%d@%s" % (n, DOMAINS[n % 3])}


def fail(msg):
    print("FAIL users_service: " + msg, file=sys.stderr)
    sys.exit(1)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start(exe, port, workers):
    args = [exe, "--port", str(port), "--workers", str(workers),
            "--db", os.environ["ASYNCC_PG"]]
    if not exe.endswith("_sync"):  # the sync peer has one connection a worker
        args += ["--pool", "4"]
    p = subprocess.Popen(args)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return p
        except OSError:
            if p.poll() is not None:
                fail("the service exited with %d at start" % p.returncode)
            time.sleep(0.05)
    p.kill()
    fail("the service did not start listening")


def stop(p):
    p.send_signal(signal.SIGTERM)
    try:
        status = p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        fail("the service did not stop within 10 s of SIGTERM")
    if status != 0:
        fail("the service exited with %d after SIGTERM" % status)


def request(conn, method, path, body=None):
    headers = {"Content-Type": "application/json"} if body is not None else {}
    conn.request(method, path, body=body, headers=headers)
    r = conn.getresponse()
    data = r.read()
    if r.getheader("Content-Type") != "application/json":
        fail("%s %s: Content-Type %r" % (method, path,
                                          r.getheader("Content-Type")))
    try:
        return r.status, json.loads(data)
    except ValueError:
        fail("%s %s: not JSON: %r" % (method, path, data))


def expect(conn, method, path, status, doc, body=None):
    got = request(conn, method, path, body)
    if got != (status, doc):
        fail("%s %s: expected %d %s, got %d %s" % (method, path, status,
             json.dumps(doc), got[0], json.dumps(got[1])))


def check_endpoints(port):
    # One connection for all of it: a service that closes after each
    # answer (the sync one) makes http.client reconnect by itself.
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    expect(c, "GET", "/users/1", 200, user(1))
    expect(c, "GET", "/users/10", 200, user(10))
    expect(c, "GET", "/users/11", 404, {"error": "no such user"})
    expect(c, "GET", "/users/abc", 404, {"error": "not found"})
    expect(c, "GET", "/users/0", 404, {"error": "not found"})
    expect(c, "GET", "/users?limit=3", 200, [user(1), user(2), user(3)])
    expect(c, "GET", "/users", 200, [user(n) for n in range(1, 11)])
    expect(c, "GET", "/users?limit=0", 400, {"error": "bad id or limit"})
    expect(c, "GET", "/users?limit=1001", 400, {"error": "bad id or limit"})
    expect(c, "GET", "/users?limit=x", 400, {"error": "bad id or limit"})
    expect(c, "POST", "/users", 201,
           {"id": 11, "name": "ann", "email": "ann@x.org"},
           body='{"name": "ann", "email": "ann@x.org"}')
    expect(c, "GET", "/users/11", 200,
           {"id": 11, "name": "ann", "email": "ann@x.org"})
    expect(c, "POST", "/users", 409, {"error": "that email is taken"},
           body='{"name": "ann2", "email": "ann@x.org"}')
    expect(c, "POST", "/users", 400, {"error": "the body is not JSON"},
           body='{"name": ')
    expect(c, "POST", "/users", 400,
           {"error": 'expected {"name": "...", "email": "..."}'},
           body='{"name": "bob"}')
    expect(c, "POST", "/users", 400,
           {"error": 'expected {"name": "...", "email": "..."}'},
           body='{"name": "", "email": "e@x.org"}')
    # 11 users now; the newest 100 are all of them; 4 domains with x.org.
    expect(c, "GET", "/report", 200, {"recent": 11, "domains": 4, "max_id": 11})
    expect(c, "DELETE", "/users/1", 405, {"error": "method not allowed"})
    expect(c, "GET", "/nowhere", 404, {"error": "not found"})
    c.close()


def children_of(ppid):
    kids = []
    for d in os.listdir("/proc"):
        try:
            with open("/proc/%s/stat" % d) as f:
                # pid (comm) state ppid ...: comm may hold spaces
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == ppid:
                kids.append(d)
        except (OSError, ValueError, IndexError):
            pass
    return kids


def check_workers(exe):
    """Two processes on one port: many connections all answered."""
    port = free_port()
    p = start(exe, port, 2)
    for i in range(40):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        n = i % 10 + 1
        expect(c, "GET", "/users/%d" % n, 200, user(n))
        c.close()
    children = children_of(p.pid)
    if len(children) != 2:
        fail("--workers 2 made %d processes: %s" % (len(children), children))
    stop(p)
    for pid in children:
        try:
            os.kill(int(pid), 0)
            fail("worker %s still runs after SIGTERM" % pid)
        except ProcessLookupError:
            pass


def main():
    exe, schema = sys.argv[1], sys.argv[2]
    env = dict(os.environ, PGOPTIONS="-c client_min_messages=warning")
    subprocess.run(["psql", os.environ["ASYNCC_PG"], "-q", "-v", "users=10",
                    "-v", "ON_ERROR_STOP=1", "-f", schema], check=True,
                   stdout=subprocess.DEVNULL, env=env)
    port = free_port()
    p = start(exe, port, 1)
    try:
        check_endpoints(port)
    finally:
        if p.poll() is None:
            stop(p)
    check_workers(exe)
    print("ok: %s answers every endpoint" % os.path.basename(exe))


if __name__ == "__main__":
    main()
