#!/usr/bin/env python3
"""Loopback HTTP/1.1 test server for the HTTPClient tests.

Binds 127.0.0.1 on an ephemeral port and prints that port as the first stdout line.
HTTP/1.1 with explicit Content-Length everywhere, so connections stay alive and the
client's connection reuse is observable through `peer_port`.
"""
import gzip
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

_stats_lock = threading.Lock()
_in_flight = 0
_max_in_flight = 0


def _track(delta):
    global _in_flight, _max_in_flight
    with _stats_lock:
        _in_flight += delta
        _max_in_flight = max(_max_in_flight, _in_flight)


def _reset_stats():
    global _max_in_flight
    with _stats_lock:
        _max_in_flight = _in_flight


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes

    def log_message(self, *args):  # keep test output quiet
        pass

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # client gave up (timeouts, size caps)

    def _dispatch(self):
        url = urlsplit(self.path)
        counted = not url.path.startswith("/stats")
        if counted:
            _track(+1)
        try:
            self._route(url, parse_qs(url.query))
        finally:
            if counted:
                _track(-1)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _dispatch

    def _read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length", "0") or "0"))

    def _send(self, status, body=b"", headers=(), content_type="text/plain"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_chunked(self, body):
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for start in range(0, len(body), 65536):
            chunk = body[start:start + 65536]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        self.wfile.write(b"0\r\n\r\n")

    def _route(self, url, query):
        body = self._read_body()
        path = url.path
        if path == "/echo":
            payload = {
                "method": self.command,
                "path": path,
                "query": url.query,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body.decode("utf-8", "replace"),
                "peer_port": self.client_address[1],
            }
            self._send(200, json.dumps(payload).encode(), content_type="application/json")
        elif path.startswith("/status/"):
            status = int(path.rsplit("/", 1)[1])
            self._send(status, b"" if status in (204, 304) else b"status %d" % status)
        elif path == "/redirect":
            self._send(302, b"moved", headers=[("Location", "/echo")])
        elif path == "/delay":
            time.sleep(int(query.get("ms", ["0"])[0]) / 1000.0)
            self._send(200, url.query.encode())  # lets callers match replies to requests
        elif path == "/stats":
            with _stats_lock:
                stats = {"max_in_flight": _max_in_flight}
            self._send(200, json.dumps(stats).encode(), content_type="application/json")
        elif path == "/stats/reset":
            _reset_stats()
            self._send(200, b"reset")
        elif path == "/bytes":
            data = b"x" * int(query.get("n", ["0"])[0])
            if query.get("chunked", ["0"])[0] == "1":
                self._send_chunked(data)
            else:
                self._send(200, data, content_type="application/octet-stream")
        elif path == "/gzip":
            data = gzip.compress(("hello gzip " * 100).encode())
            self._send(200, data, headers=[("Content-Encoding", "gzip")])
        elif path == "/headers":
            self._send(200, b"headers", headers=[
                ("X-Single", "one"),
                ("X-Multi", "first"),
                ("X-Multi", "second"),
                ("X-Mixed-Case", "Value"),
            ])
        else:
            self._send(404, b"not found")


def _exit_when_parent_goes():
    """The test process holds our stdin open; EOF means it finished or died."""
    sys.stdin.buffer.read()
    os._exit(0)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default of 5 drops SYNs when many transfers connect at once


def main():
    # Children of the Swift test runner inherit a signal mask with SIGTERM blocked.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    threading.Thread(target=_exit_when_parent_goes, daemon=True).start()
    server = Server(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
