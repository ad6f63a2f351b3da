#!/usr/bin/env python3
"""A small HTTP/1.1 server for the client tests (standard library only).

    server.py PORTFILE      listens on 127.0.0.1, a free port, writes the
                            port to PORTFILE, serves until killed

Endpoints (every response has Content-Length, so connections stay open):
    GET  /delay/MS          waits MS milliseconds, then "slept MS"
    GET  /status/CODE       answers CODE with "status CODE" and the header
                            X-Test: yes
    ANY  /echo              answers the request body back, with its method,
                            X-Custom header, Content-Type and length in
                            X-Echo-Method, X-Echo-Custom, X-Echo-Type and
                            X-Echo-Length
    GET  /bytes/N           N bytes, byte i = (i * 31 + 7) % 251
    GET  /conn              "conn ID": the number of the TCP connection that
                            carried the request (1, 2, ... in accept order)
    GET  /redirect          302 to /status/200
    GET  /close             closes the connection without answering
    GET  /reset             resets the connection (RST) without answering
"""
import http.server
import socket
import struct
import sys
import threading
import time


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes

    def setup(self):
        super().setup()
        with self.server.lock:
            self.server.connections += 1
            self.conn_id = self.server.connections

    def log_message(self, *args):
        pass

    def send(self, code, body, headers=()):
        self.send_response(code)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def route(self):
        parts = self.path.split("?")[0].strip("/").split("/")
        head = parts[0]
        if head == "delay" and len(parts) == 2:
            time.sleep(int(parts[1]) / 1000.0)
            return self.send(200, b"slept " + parts[1].encode())
        if head == "status" and len(parts) == 2:
            return self.send(int(parts[1]), b"status " + parts[1].encode(),
                             [("X-Test", "yes")])
        if head == "echo":
            data = self.body()
            return self.send(200, data, [
                ("X-Echo-Method", self.command),
                ("X-Echo-Custom", self.headers.get("X-Custom", "")),
                ("X-Echo-Type", self.headers.get("Content-Type", "")),
                ("X-Echo-Length", str(len(data)))])
        if head == "bytes" and len(parts) == 2:
            n = int(parts[1])
            return self.send(200, bytes((i * 31 + 7) % 251 for i in range(n)))
        if head == "conn":
            return self.send(200, b"conn %d" % self.conn_id)
        if head == "redirect":
            return self.send(302, b"", [("Location", "/status/200")])
        if head == "close":
            self.close_connection = True
            return None
        if head == "reset":
            # Close here: socketserver's shutdown_request would first send
            # a FIN (shutdown(SHUT_WR)), and a client reading it before the
            # RST sees a clean close instead of a reset.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return None
        return self.send(404, b"no such endpoint")

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = route


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.lock = threading.Lock()
        self.connections = 0


def main():
    server = Server()
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write("%d\n" % server.server_address[1])
    import os
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    server.serve_forever()


if __name__ == "__main__":
    main()
