#!/usr/bin/env python3
"""The HTTP server of <asyncc/http.h>, driven over raw sockets.

    server_test.py CASE COMMAND...

starts COMMAND PORTFILE [TIMEOUT_MS [MAX_BODY]] (tests/http/server.ac, maybe
under valgrind), runs CASE against it, stops it with SIGTERM and requires
exit status 0.  A failed check raises; the exit status is then 1.  Only the
standard library.  Timing checks have wide margins (valgrind is slow).
"""
import email.utils
import os
import random
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

COMMAND = []
UNDER_VALGRIND = False
IO_TIMEOUT = 30.0


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


# ---- the server process ------------------------------------------------------

class Server:
    def __init__(self, timeout_ms=None, max_body=None):
        self.dir = tempfile.mkdtemp(prefix="asyncc-httpd.")
        portfile = os.path.join(self.dir, "port")
        args = [portfile]
        if timeout_ms is not None or max_body is not None:
            args.append(str(timeout_ms or 0))
        if max_body is not None:
            args.append(str(max_body))
        self.proc = subprocess.Popen(COMMAND + args)
        deadline = time.time() + 60
        while not os.path.exists(portfile):
            check(self.proc.poll() is None, "the server exited at start")
            check(time.time() < deadline, "the server did not start")
            time.sleep(0.02)
        with open(portfile) as f:
            self.port = int(f.read())

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            status = self.proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise Failure("the server did not stop on SIGTERM")
        for name in os.listdir(self.dir):
            os.unlink(os.path.join(self.dir, name))
        os.rmdir(self.dir)
        check(status == 0, "the server exited with status %d" % status)


# ---- a client connection -------------------------------------------------------

class Response:
    def __init__(self, status_line, headers, body, raw_head):
        self.status_line = status_line
        self.status = int(status_line.split(b" ")[1])
        self.headers = headers       # list of (lowercase name, value)
        self.body = body
        self.raw_head = raw_head     # up to and including the blank line

    def header(self, name):
        vals = [v for n, v in self.headers if n == name.lower()]
        check(len(vals) <= 1, "header %s repeated" % name)
        return vals[0] if vals else None


class Conn:
    def __init__(self, port, nodelay=True):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT)
        if nodelay:
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def send(self, data):
        if isinstance(data, str):
            data = data.encode("latin-1")
        self.sock.sendall(data)

    def _fill(self):
        data = self.sock.recv(65536)
        check(data, "the server closed the connection early (have %r)" % self.buf[:200])
        self.buf += data

    def read_head(self):
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        i = self.buf.index(b"\r\n\r\n") + 4
        head, self.buf = self.buf[:i], self.buf[i:]
        return head

    def read_exact(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def response(self, head_request=False):
        head = self.read_head()
        lines = head[:-4].split(b"\r\n")
        headers = []
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            check(name and b" " not in name, "bad header line %r" % line)
            headers.append((name.decode().lower(), value.strip().decode("latin-1")))
        r = Response(lines[0], headers, b"", head)
        n = r.header("content-length")
        if n is not None and not head_request:
            r.body = self.read_exact(int(n))
        return r

    def request(self, data, head_request=False):
        self.send(data)
        return self.response(head_request)

    def expect_eof(self, within=IO_TIMEOUT):
        """Nothing more arrives, then the server's FIN."""
        self.sock.settimeout(within)
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    break
                self.buf += data
        finally:
            self.sock.settimeout(IO_TIMEOUT)
        check(self.buf == b"", "bytes after the last response: %r" % self.buf[:200])

    def reset(self):
        """Close with RST instead of FIN."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()

    def close(self):
        self.sock.close()


def get(path, extra=""):
    return "GET %s HTTP/1.1\r\nHost: test\r\n%s\r\n" % (path, extra)


def post(path, body, extra=""):
    if isinstance(body, str):
        body = body.encode("latin-1")
    return ("POST %s HTTP/1.1\r\nHost: test\r\nContent-Length: %d\r\n%s\r\n"
            % (path, len(body), extra)).encode() + body


def chunked(path, chunks, extra="", trailer=""):
    out = ("POST %s HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n%s\r\n"
           % (path, extra)).encode()
    for c in chunks:
        if isinstance(c, str):
            c = c.encode("latin-1")
        out += b"%x\r\n" % len(c) + c + b"\r\n"
    return out + b"0\r\n" + trailer.encode() + b"\r\n"


def stats(port):
    c = Conn(port)
    r = c.request(get("/stats"))
    c.close()
    return {k: int(v) for k, v in (l.split() for l in r.body.decode().splitlines())}


def info(body):
    """The /info body as a dict (header lines as a list under 'lines')."""
    d = {"lines": []}
    for line in body.decode("latin-1").splitlines():
        if line.startswith("["):
            d["lines"].append(line)
        else:
            k, _, v = line.partition(" ")
            d[k] = v
    return d


def expect_status(r, line):
    check(r.status_line == line.encode(), "status line %r, wanted %r" % (r.status_line, line))


def expect_error(conn, status_line, body):
    """The server's own answer to a bad request, then the connection ends."""
    r = conn.response()
    expect_status(r, status_line)
    check(r.header("connection") == "close", "no Connection: close on %s" % status_line)
    check(r.header("content-type") == "text/plain", "content type of %s" % status_line)
    check(r.body == body, "body %r" % r.body)
    conn.expect_eof()


# ---- cases ----------------------------------------------------------------------

def case_basic(port):
    c = Conn(port)
    c.send(get("/hello"))
    head = c.read_head()
    body = c.read_exact(6)
    # The exact bytes: status line, Date, Content-Type, Content-Length.
    m = re.fullmatch(rb"HTTP/1\.1 200 OK\r\nDate: ([^\r]*)\r\nContent-Type: text/plain\r\n"
                     rb"Content-Length: 6\r\n\r\n", head)
    check(m is not None, "unexpected head %r" % head)
    check(body == b"hello\n", "body %r" % body)
    date = email.utils.parsedate_to_datetime(m.group(1).decode())
    check(abs(date.timestamp() - time.time()) < 120, "Date is off: %s" % m.group(1))
    check(re.fullmatch(rb"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|"
                       rb"Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT", m.group(1)) is not None,
          "Date format %r" % m.group(1))

    # What the server parsed: query, trimmed and empty values, folding, case.
    r = c.request("GET /info?x=1&y=%20 HTTP/1.1\r\nHost: example\r\nX-A:   spaced  value  \r\n"
                  "X-Empty:\r\nX-Fold: a\r\n  b\r\nx-a: second\r\n\r\n")
    expect_status(r, "HTTP/1.1 200 OK")
    d = info(r.body)
    check(d["method"] == "GET" and d["path"] == "/info" and d["query"] == "x=1&y=%20",
          "request line parsed as %r" % d)
    check(d["headers"] == "5", "header count %s" % d["headers"])
    check(d["lines"] == ["[Host] [example]", "[X-A] [spaced  value]", "[X-Empty] []",
                         "[X-Fold] [a    b]", "[x-a] [second]"], "headers %r" % d["lines"])
    check(d["body"] == "0", "body length %s" % d["body"])

    # Lookup by name: case-insensitive, the first of repeated ones.
    d = info(c.request(get("/info?h=X-A")).body)
    check(d.get("lookup") == "(none)", "X-A absent here: %r" % d)
    d = info(c.request(get("/info?h=x-a", "X-a: one\r\nX-A: two\r\n")).body)
    check(d["lookup"] == "one", "lookup %r" % d)

    # Other URL forms: fragment, absolute, no query, OPTIONS *.
    d = info(c.request(get("/info#frag")).body)
    check(d["path"] == "/info" and d["query"] == "", "fragment: %r" % d)
    d = info(c.request(get("http://example.com:8080/info?q=1")).body)
    check(d["path"] == "/info" and d["query"] == "q=1", "absolute URL: %r" % d)
    r = c.request("OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n")
    expect_status(r, "HTTP/1.1 404 Not Found")

    # Methods, statuses and their reason phrases.
    d = info(c.request("DELETE /info HTTP/1.1\r\nHost: t\r\n\r\n").body)
    check(d["method"] == "DELETE", "method %r" % d)
    expect_status(c.request(get("/status/503")), "HTTP/1.1 503 Service Unavailable")
    r = c.request(get("/status/299"))
    expect_status(r, "HTTP/1.1 299 ")
    check(r.body == b"status 299\n", "body %r" % r.body)
    # 204 and 304 never carry a body (nor a Content-Length).
    for code, line in ((204, "HTTP/1.1 204 No Content"), (304, "HTTP/1.1 304 Not Modified")):
        r = c.request(get("/status/%d" % code))
        expect_status(r, line)
        check(r.header("content-length") is None, "Content-Length on %d" % code)
    # The connection is still in step: nothing was sent for those bodies.
    r = c.request(get("/hello"))
    check(r.body == b"hello\n", "after 204/304: %r" % r.body)
    c.close()


def case_keepalive(port):
    before = stats(port)
    c = Conn(port)
    n = 2000
    for i in range(n):
        r = c.request(get("/info?i=%d" % i))
        check(info(r.body)["query"] == "i=%d" % i, "request %d answered with %r" % (i, r.body))
        check(r.header("connection") is None, "HTTP/1.1 keep-alive needs no Connection header")
    after = stats(port)
    # One more request: the /stats of `before` itself.
    check(after["requests"] - before["requests"] == n + 1, "requests %r -> %r" % (before, after))
    r = c.request(get("/hello"))
    check(r.body == b"hello\n", "still open after %d requests" % n)
    c.close()


def case_concurrent(port):
    n = 100
    conns = [Conn(port) for _ in range(n)]
    errors = []
    barrier = threading.Barrier(n)
    sleep_ms = 300
    times = [0.0] * n

    def client(i):
        try:
            c = conns[i]
            for j in range(20):
                r = c.request(get("/info?c=%d&r=%d" % (i, j)))
                check(info(r.body)["query"] == "c=%d&r=%d" % (i, j), "client %d: %r" % (i, r.body))
            barrier.wait(timeout=60)
            t0 = time.time()
            r = c.request(get("/sleep/%d" % sleep_ms))
            times[i] = time.time() - t0
            check(r.body == b"slept\n", "client %d slept: %r" % (i, r.body))
        except Exception as e:  # reported below
            errors.append("client %d: %r" % (i, e))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(n)]
    t0 = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(not errors, "; ".join(errors[:5]))
    # All 100 slept at once: one after another it would take 30 s.
    wall = max(times)
    print("100 concurrent %d ms sleeps: the slowest took %.2f s (%.2f s in all)"
          % (sleep_ms, wall, time.time() - t0))
    check(wall < 10, "the sleeps did not overlap: %.2f s" % wall)
    s = stats(port)
    check(s["open"] == n + 1, "open connections %d" % s["open"])
    for c in conns:
        c.close()


def case_pipeline(port):
    # Several requests in one write, answered in order.
    c = Conn(port)
    batch = (get("/info?n=1").encode() + post("/echo", "abc") + get("/status/404").encode()
             + chunked("/echo", ["0123", "456789"]) + b"HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n"
             + get("/info?n=6").encode())
    c.send(batch)
    check(info(c.response().body)["query"] == "n=1", "1st")
    check(c.response().body == b"abc", "2nd")
    expect_status(c.response(), "HTTP/1.1 404 Not Found")
    check(c.response().body == b"0123456789", "4th")
    r = c.response(head_request=True)
    check(r.header("content-length") == "6" and r.body == b"", "5th (HEAD)")
    check(info(c.response().body)["query"] == "n=6", "6th")

    # The same bytes in small pieces, cut anywhere.
    for i in range(0, len(batch), 7):
        c.send(batch[i:i + 7])
        time.sleep(0.001)
    check(info(c.response().body)["query"] == "n=1", "1st (pieces)")
    check(c.response().body == b"abc", "2nd (pieces)")
    expect_status(c.response(), "HTTP/1.1 404 Not Found")
    check(c.response().body == b"0123456789", "4th (pieces)")
    c.response(head_request=True)
    check(info(c.response().body)["query"] == "n=6", "6th (pieces)")

    # More than the read buffer holds (reading pauses and goes on), sent
    # while the client reads nothing.
    n = 3000
    reqs = b"".join(get("/info?k=%d" % k).encode() for k in range(n))
    sender = threading.Thread(target=c.send, args=(reqs,))
    sender.start()
    time.sleep(0.3)
    for k in range(n):
        r = c.response()
        check(info(r.body)["query"] == "k=%d" % k, "pipelined %d answered with %r" % (k, r.body))
    sender.join()
    c.close()


def case_chunked(port):
    c = Conn(port)
    # Extensions, an empty-looking chunk, upper-case hex, a trailer.
    body = (b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"5\r\nhello\r\n1;name=value\r\n \r\nA\r\n0123456789\r\n"
            b"0\r\nX-Trailer: yes\r\n\r\n")
    r = c.request(body)
    expect_status(r, "HTTP/1.1 200 OK")
    check(r.body == b"hello 0123456789", "decoded %r" % r.body)
    # Trailers are not headers of the request.
    r = c.request(b"POST /info?h=X-Trailer HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
                  b"\r\n3\r\nabc\r\n0\r\nX-Trailer: yes\r\n\r\n")
    d = info(r.body)
    check(d["lookup"] == "(none)" and d["body"] == "3", "trailer: %r" % d)

    # A large body in many chunks, binary bytes included.
    data = bytes(random.Random(1).randrange(256) for _ in range(300000))
    pieces = [data[i:i + 1000] for i in range(0, len(data), 1000)]
    r = c.request(chunked("/echo", pieces))
    check(r.body == data, "300 kB chunked body differs")

    # Cut into pieces anywhere (inside size lines, CRLFs, data).
    msg = chunked("/echo", ["abc", "defghij", "k" * 40])
    for i in range(0, len(msg), 3):
        c.send(msg[i:i + 3])
        time.sleep(0.001)
    check(c.response().body == b"abcdefghij" + b"k" * 40, "chunked in pieces")

    # Zero-length body.
    r = c.request(b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
    check(r.status == 200 and r.body == b"", "empty chunked body")
    c.close()

    # Bad chunk framing: 400, then the connection ends.
    for bad in (b"zz\r\nabc\r\n0\r\n\r\n", b"3\r\nabc\r\nxyz\r\n0\r\n\r\n",
                b"fffffffffffffffffff\r\n"):
        c = Conn(port)
        c.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" + bad)
        expect_error(c, "HTTP/1.1 400 Bad Request", b"Bad Request\n")


def case_bad_request(port):
    bad = [
        b"HELLO\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost x\r\n\r\n",
        b"GET /\x01 HTTP/1.1\r\nHost: t\r\n\r\n",
        b"\x00\x01\x02\x03 garbage\r\n\r\n",
        b"GET / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
        b"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
        b"GET / HTTX/1.1\r\n\r\n",
        b"GET / HTTP/2.0\r\n\r\n",
        b"GET /a\tb HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.1 extra\r\n\r\n",
        b"GET /\r\n\r\n",
        b"GET / HTTP/1.1\nHost: t\r\n\x7f\r\n\r\n",
    ]
    before = stats(port)
    for b in bad:
        c = Conn(port)
        c.send(b)
        expect_error(c, "HTTP/1.1 400 Bad Request", b"Bad Request\n")
    # After a good request on the same connection.
    c = Conn(port)
    check(c.request(get("/hello")).body == b"hello\n", "good request first")
    c.send(b"GET / HTTP/1.1\r\n\x01\r\n\r\n")
    expect_error(c, "HTTP/1.1 400 Bad Request", b"Bad Request\n")
    after = stats(port)
    check(after["bad"] - before["bad"] == len(bad) + 1, "counted %r -> %r" % (before, after))


def case_body_too_large(port):
    limit = 1 << 20
    c = Conn(port)
    data = bytes(range(256)) * (limit // 256)
    r = c.request(post("/echo", data))
    check(r.status == 200 and r.body == data, "a body of exactly 1 MiB is accepted")
    c.close()

    # Over the limit by Content-Length: answered before any body byte.
    c = Conn(port)
    c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n" % (limit + 1))
    expect_error(c, "HTTP/1.1 413 Payload Too Large", b"Payload Too Large\n")

    # The client sends the body anyway: it still reads the 413 (no reset
    # destroys it, the server reads and discards while it closes).
    c = Conn(port)
    sender = threading.Thread(target=lambda: c.send(post("/echo", b"x" * (limit + 1))))
    sender.start()
    expect_error(c, "HTTP/1.1 413 Payload Too Large", b"Payload Too Large\n")
    sender.join()

    # Chunked: the limit counts decoded bytes.
    c = Conn(port)
    c.send(chunked("/echo", [b"y" * 65536] * 16 + [b"z"]))
    expect_error(c, "HTTP/1.1 413 Payload Too Large", b"Payload Too Large\n")
    s = stats(port)
    check(s["body"] == 3, "counted %r" % s)

    # ac_http_conn_set_limits: a server with a 1000-byte limit.
    small = Server(max_body=1000)
    try:
        c = Conn(small.port)
        check(c.request(post("/echo", b"a" * 1000)).status == 200, "1000 bytes pass")
        c.send(post("/echo", b"a" * 1001))
        expect_error(c, "HTTP/1.1 413 Payload Too Large", b"Payload Too Large\n")
    finally:
        small.stop()


def padded(total, path="/hello"):
    """A request whose header block is exactly `total` bytes."""
    fixed = "GET %s HTTP/1.1\r\nX-Pad: \r\n\r\n" % path
    return ("GET %s HTTP/1.1\r\nX-Pad: %s\r\n\r\n" % (path, "a" * (total - len(fixed)))).encode()


def case_headers_too_large(port):
    c = Conn(port)
    msg = padded(8192)
    check(len(msg) == 8192, "test bug")
    check(c.request(msg).body == b"hello\n", "a header block of exactly 8192 bytes passes")
    c.close()
    c = Conn(port)
    c.send(padded(8193))
    expect_error(c, "HTTP/1.1 431 Request Header Fields Too Large",
                 b"Request Header Fields Too Large\n")

    # 100 header lines pass, 101 do not.
    lines = "".join("H%d: v\r\n" % i for i in range(99))
    c = Conn(port)
    r = c.request(get("/info", lines))
    check(info(r.body)["headers"] == "100", "100 headers (Host too)")
    c.send(get("/info", lines + "H99: v\r\n"))
    expect_error(c, "HTTP/1.1 431 Request Header Fields Too Large",
                 b"Request Header Fields Too Large\n")

    # A long URL is part of the header block.
    c = Conn(port)
    c.send(get("/" + "u" * 9000))
    expect_error(c, "HTTP/1.1 431 Request Header Fields Too Large",
                 b"Request Header Fields Too Large\n")

    # A header block that never ends: 431 after 8 KiB, and the client's
    # write does not hang (the server reads and discards while it closes).
    c = Conn(port)
    endless = b"GET / HTTP/1.1\r\n" + b"X-Long: " + b"b" * 1000000
    sender = threading.Thread(target=lambda: c.send(endless))
    sender.start()
    expect_error(c, "HTTP/1.1 431 Request Header Fields Too Large",
                 b"Request Header Fields Too Large\n")
    sender.join(30)
    check(not sender.is_alive(), "the client's write hung")
    s = stats(port)
    check(s["headers"] == 4, "counted %r" % s)


def case_slow_client(port_unused):
    srv = Server(timeout_ms=500)
    try:
        slow_client_with(srv.port)
    finally:
        srv.stop()


def slow_client_with(port):
    results = {}

    def stalled():   # half a request, then nothing
        c = Conn(port)
        c.send("GET /hello HTTP/1.1\r\nHost: t\r\n")
        t0 = time.time()
        expect_error(c, "HTTP/1.1 408 Request Timeout", b"Request Timeout\n")
        results["stalled"] = time.time() - t0

    def silent():    # connects, sends nothing: closed without a word
        c = Conn(port)
        t0 = time.time()
        c.expect_eof()
        results["silent"] = time.time() - t0

    def trickle():   # keeps sending header bytes, never finishes in time
        c = Conn(port)
        t0 = time.time()
        c.send("GET /hello HTTP/1.1\r\n")
        c.sock.settimeout(0.1)
        try:
            while not c.buf and time.time() - t0 < 5:
                c.send("X")
                try:
                    c.buf += c.sock.recv(65536)
                except socket.timeout:
                    pass
        finally:
            c.sock.settimeout(IO_TIMEOUT)
        expect_error(c, "HTTP/1.1 408 Request Timeout", b"Request Timeout\n")
        results["trickle"] = time.time() - t0

    def slow_body():  # the body arrives slowly, each piece in time: served
        c = Conn(port)
        c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n")
        for ch in "0123456789":
            time.sleep(0.15)
            c.send(ch)
        check(c.response().body == b"0123456789", "slow body")
        results["slow_body"] = True
        c.close()

    def stalled_body():
        c = Conn(port)
        c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n01234")
        t0 = time.time()
        expect_error(c, "HTTP/1.1 408 Request Timeout", b"Request Timeout\n")
        results["stalled_body"] = time.time() - t0

    def busy():      # meanwhile another client is served all along
        c = Conn(port)
        n = 0
        t0 = time.time()
        while time.time() - t0 < 2.0:
            check(c.request(get("/hello")).body == b"hello\n", "busy client")
            n += 1
            time.sleep(0.05)
        results["busy"] = n
        c.close()

    fns = [stalled, silent, trickle, slow_body, stalled_body, busy]
    errors = []

    def run(fn):
        try:
            fn()
        except Exception as e:
            errors.append("%s: %r" % (fn.__name__, e))

    threads = [threading.Thread(target=run, args=(fn,)) for fn in fns]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(not errors, "; ".join(errors))
    print("timeout 500 ms: dropped after %r; busy client served %d requests meanwhile"
          % ({k: round(v, 2) for k, v in results.items() if isinstance(v, float)},
             results["busy"]))
    for k in ("stalled", "silent", "trickle", "stalled_body"):
        check(0.4 <= results[k] < 5, "%s dropped after %.2f s" % (k, results[k]))
    check(results["busy"] >= 10, "the busy client was not served meanwhile")
    s = stats(port)
    check(s["timeout"] == 4, "counted %r" % s)


def case_write_timeout(port_unused):
    srv = Server(timeout_ms=500)
    try:
        write_timeout_with(srv.port)
    finally:
        srv.stop()


def write_timeout_with(port):
    # A client that asks for 30 MB and never reads: once the socket buffers
    # are full the response stops moving, and the server gives up on it.
    c = Conn(port)
    c.send(get("/big/30000000"))
    t0 = time.time()
    while stats(port)["wtimeout"] == 0:
        check(time.time() - t0 < 20, "the stalled response was never given up")
        time.sleep(0.05)
    waited = time.time() - t0
    c.reset()
    # A slow reader that keeps taking some is served in full, although it
    # takes far longer than the timeout.
    c = Conn(port)
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    n = 3000000
    c.send(get("/big/%d" % n))
    t1 = time.time()
    head = c.read_head()
    check(b"Content-Length: %d\r\n" % n in head, "head %r" % head)
    body = c.buf
    c.buf = b""
    while len(body) < n:
        data = c.sock.recv(131072)
        check(data, "the slow reader's response was cut after %d bytes" % len(body))
        body += data
        time.sleep(0.05)
    slow = time.time() - t1
    check(body == bytes(ord("a") + i % 26 for i in range(n)), "the slow reader's body differs")
    print("timeout 500 ms: a response nobody reads given up after %.2f s; "
          "a slow reader served in %.2f s" % (waited, slow))
    check(slow > 1.0, "the slow reader was not slow (%.2f s): the test proves nothing" % slow)
    s = stats(port)
    check(s["wtimeout"] == 1 and s["werror"] == 0, "counted %r" % s)
    deadline = time.time() + 20
    while stats(port)["open"] != 1:
        check(time.time() < deadline, "connections left open: %r" % stats(port))
        time.sleep(0.1)


def case_connection_close(port):
    # The client asks: one response, Connection: close, then FIN; what it
    # pipelined after is not answered.
    c = Conn(port)
    r = c.request(get("/hello", "Connection: close\r\n") + get("/hello"))
    check(r.body == b"hello\n" and r.header("connection") == "close", "close asked")
    c.expect_eof()

    # HTTP/1.0 closes unless asked to keep alive.
    c = Conn(port)
    r = c.request("GET /hello HTTP/1.0\r\n\r\n")
    expect_status(r, "HTTP/1.1 200 OK")
    check(r.header("connection") == "close", "HTTP/1.0 default")
    c.expect_eof()
    c = Conn(port)
    for _ in range(3):
        r = c.request("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        check(r.header("connection") == "keep-alive" and r.body == b"hello\n", "1.0 keep-alive")
    c.close()

    # The server decides (a "Connection: close" header of the program's).
    c = Conn(port)
    r = c.request(get("/close"))
    check(r.body == b"bye\n" and r.header("connection") == "close", "server closes")
    c.expect_eof()

    # The client half-closes after its request: the answer still comes.
    c = Conn(port)
    c.send(get("/hello"))
    c.sock.shutdown(socket.SHUT_WR)
    check(c.response().body == b"hello\n", "after the client's FIN")
    c.expect_eof()
    s = stats(port)
    check(s["clean"] >= 5, "clean ends %r" % s)


def case_head(port):
    c = Conn(port)
    c.send("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n" + get("/hello"))
    head = c.read_head()
    check(head.startswith(b"HTTP/1.1 200 OK\r\n") and b"\r\nContent-Length: 6\r\n" in head,
          "HEAD head %r" % head)
    # The next bytes are the next response: the HEAD one had no body.
    r = c.response()
    check(r.raw_head.startswith(b"HTTP/1.1 200 OK\r\n") and r.body == b"hello\n",
          "after HEAD: %r" % r.raw_head)
    r = c.request("HEAD /big/100000 HTTP/1.1\r\nHost: t\r\n\r\n", head_request=True)
    check(r.header("content-length") == "100000", "HEAD of a large body")
    check(c.request(get("/hello")).body == b"hello\n", "in step after the large HEAD")
    c.close()


def case_respond_headers(port):
    c = Conn(port)
    c.send(get("/location"))
    head = c.read_head()
    check(head.startswith(b"HTTP/1.1 201 Created\r\n"), "status %r" % head)
    check(b"\r\nContent-Type: application/json\r\nLocation: /users/42\r\n"
          b"X-Extra:  two  words\r\nContent-Length: 9\r\n\r\n" in head, "head %r" % head)
    check(c.read_exact(9) == b'{"id":42}', "body")
    check(c.request(get("/hello")).body == b"hello\n", "the connection goes on")
    # Header injection, framing headers, bad status: refused, nothing sent.
    r = c.request(get("/badheaders"))
    check(r.body == b"rejected 10\n", "refusals: %r" % r.body)
    check(c.request(get("/hello")).body == b"hello\n", "in step after the refusals")
    c.close()


def case_big_response(port):
    c = Conn(port)
    for n in (65535, 65536, 65537, 300000, 3000000):
        r = c.request(get("/big/%d" % n))
        want = bytes(ord("a") + i % 26 for i in range(n))
        check(r.body == want, "/big/%d differs" % n)
    c.close()
    # A client that resets while a large response is being written.
    for _ in range(5):
        c = Conn(port)
        c.send(get("/big/20000000"))
        c.sock.recv(1000)
        c.reset()
    c = Conn(port)
    check(c.request(get("/hello")).body == b"hello\n", "served after resets")
    c.close()


def case_expect_continue(port):
    c = Conn(port)
    c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
    interim = c.read_head()
    check(interim == b"HTTP/1.1 100 Continue\r\n\r\n", "interim %r" % interim)
    c.send("hello")
    check(c.response().body == b"hello", "body after 100")
    # A body sent at once anyway: no interim answer needed.
    r = c.request(post("/echo", "abc", "Expect: 100-continue\r\n"))
    check(r.status == 200 and r.body == b"abc", "body with the headers: %r" % r.raw_head)
    c.close()
    # Too large: the final answer instead of 100.
    c = Conn(port)
    c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2000000\r\n"
           "Expect: 100-continue\r\n\r\n")
    expect_error(c, "HTTP/1.1 413 Payload Too Large", b"Payload Too Large\n")


def mutate(rng, data):
    data = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        op = rng.randrange(4)
        i = rng.randrange(len(data) + 1)
        if op == 0 and data:
            data[min(i, len(data) - 1)] = rng.randrange(256)
        elif op == 1:
            data[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 20)))
        elif op == 2 and data:
            del data[i:i + rng.randint(1, 20)]
        else:
            data[i:i] = rng.choice([b"\r\n", b"\r\n\r\n", b":", b" ", b"0\r\n\r\n",
                                    b"Content-Length: 99999999999999999999\r\n",
                                    b"Transfer-Encoding: chunked\r\n", b"\x00"])
    return bytes(data)


VALID = [get("/hello").encode(), post("/echo", "hello world"),
         chunked("/echo", ["abc", "defg"], trailer="T: 1\r\n"),
         get("/info?a=b", "X-1: one\r\nX-2: two\r\n").encode(),
         b"HEAD /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"]


def fuzz_payload(rng):
    kind = rng.randrange(7)
    if kind == 0:
        return bytes(rng.randrange(256) for _ in range(rng.randint(1, 3000)))
    if kind == 1:
        return b"".join(mutate(rng, rng.choice(VALID)) for _ in range(rng.randint(1, 4)))
    if kind == 2:
        return get("/hello", "X-Big: " + "h" * rng.randint(5000, 200000) + "\r\n").encode()
    if kind == 3:
        size = rng.choice([b"ffffffffffffffffffffff", b"-1", b"0x10", b"1 1", b"", b"g",
                           b"7fffffffffffffff", b"10;" + b"e" * 9000])
        return (b"POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + size
                + b"\r\n" + b"q" * rng.randint(0, 100) + b"\r\n0\r\n\r\n")
    if kind == 4:
        v = rng.choice(VALID)
        return v[:rng.randrange(1, len(v))]
    if kind == 5:
        return b"".join(rng.choice(VALID) for _ in range(rng.randint(2, 20)))
    return rng.choice(VALID) + bytes(rng.randrange(256) for _ in range(rng.randint(1, 50)))


def drain(sock, idle):
    """Whatever the server sends until it closes or stays quiet for `idle`."""
    sock.settimeout(idle)
    out = b""
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                break
            out += data
    except (socket.timeout, ConnectionResetError):
        pass
    return out


STATUS = re.compile(rb"HTTP/1\.1 (\d\d\d) ")


def case_fuzz(port):
    seed = int(os.environ.get("FUZZ_SEED", "8"))
    rounds = 120 if UNDER_VALGRIND else 400
    rng = random.Random(seed)
    print("fuzz: seed %d, %d connections" % (seed, rounds))
    seen = {}
    for i in range(rounds):
        payload = fuzz_payload(rng)
        c = Conn(port)
        try:
            if rng.random() < 0.2:   # in pieces
                for j in range(0, len(payload), 97):
                    c.sock.sendall(payload[j:j + 97])
            else:
                c.sock.sendall(payload)
        except OSError:
            pass                     # the server answered and closed early
        if rng.random() < 0.15:
            c.reset()                # gone without reading anything
            continue
        got = drain(c.sock, 0.05 if rng.random() < 0.5 else 0.3)
        # Whatever came back is HTTP responses, never anything else.
        check(got == b"" or got.startswith(b"HTTP/1.1 "), "round %d: reply %r" % (i, got[:100]))
        for m in STATUS.finditer(got):
            seen[int(m.group(1))] = seen.get(int(m.group(1)), 0) + 1
        c.reset() if rng.random() < 0.5 else c.close()
        if i % 20 == 19:             # still serving?
            c = Conn(port)
            check(c.request(get("/hello")).body == b"hello\n", "round %d: not served" % i)
            c.close()
    print("statuses seen: %r" % dict(sorted(seen.items())))
    check(set(seen) <= {200, 400, 404, 413, 431}, "unexpected statuses %r" % seen)
    check(seen.get(200, 0) > 0 and seen.get(400, 0) > 0, "the fuzzer reached both sides")
    # Every connection ends: only the one asking remains.
    deadline = time.time() + 60
    while stats(port)["open"] != 1:
        check(time.time() < deadline, "connections left open: %r" % stats(port))
        time.sleep(0.2)


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}


def main():
    global COMMAND, UNDER_VALGRIND
    if len(sys.argv) < 3 or sys.argv[1] not in CASES:
        sys.stderr.write("usage: server_test.py CASE COMMAND...\ncases: %s\n"
                         % " ".join(sorted(CASES)))
        return 2
    COMMAND = sys.argv[2:]
    UNDER_VALGRIND = "valgrind" in os.path.basename(COMMAND[0])
    srv = Server()
    try:
        CASES[sys.argv[1]](srv.port)
    except Failure as e:
        sys.stderr.write("FAILED: %s\n" % e)
        srv.proc.kill()
        srv.proc.wait()
        return 1
    srv.stop()
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
