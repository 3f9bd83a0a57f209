"""Security suite, headers: every response the dashboard's nginx sends — each page signed in and signed out, form
redirects, REST API answers (2xx and errors), static files, and nginx's own error pages (400, 403, 404, 405, 413, 414,
431-as-400, 502) — carries the security headers, and none gives away a version.

reliability.md A-10 (CSP with object-src/base-uri/frame-ancestors 'none', nosniff, Referrer-Policy, no-store on
signed-in pages), N-11 (server_tokens off, no X-Powered-By, generic nginx error pages with the headers), O-5."""
import os
import re
import signal
import socket
import time

import pytest
import requests

from conftest import Stack, alive, csrf_of
from secsupport import furnish, get_paths, record, route_table, session_from


@pytest.fixture(scope="module")
def stack():
    s = Stack("sec-headers", env={"AUDIENCESYNC_MAX_BODY_BYTES": str(1 << 20)}).start()
    yield s
    s.stop()


def raw(stack, data):
    """Sends raw bytes to nginx and parses the answer's status and headers (for requests no client library sends)."""
    with socket.create_connection(("127.0.0.1", stack.http), timeout=10) as sock:
        sock.sendall(data)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
        try:
            sock.settimeout(2)
            while chunk := sock.recv(65536):
                answer += chunk
        except (socket.timeout, ConnectionResetError):
            pass
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), value.strip())
    return int(lines[0].split()[1]), headers, body


class Answer:
    """A response reduced to what the checks read."""

    def __init__(self, status, headers, body, signed_in=False, app=True):
        self.status, self.headers, self.body, self.signed_in, self.app = status, {k.lower(): v for k, v in headers.items()}, body, signed_in, app

    @classmethod
    def of(cls, r, signed_in=False, app=True):
        return cls(r.status_code, dict(r.headers), r.content, signed_in, app)


def problems(name, a):
    found = []
    csp = a.headers.get("content-security-policy", "")
    directives = {d.strip().split(" ")[0]: d.strip() for d in csp.split(";") if d.strip()}
    for directive in ("object-src", "base-uri", "frame-ancestors", "default-src"):
        if directives.get(directive) != f"{directive} 'none'":
            found.append(f"{name}: CSP {directive} is {directives.get(directive)!r}")
    if "unsafe-inline" in csp or "unsafe-eval" in csp:
        found.append(f"{name}: CSP allows unsafe-inline/eval")
    if a.headers.get("x-content-type-options") != "nosniff":       # exactly once: a repeated header arrives joined by ", "
        found.append(f"{name}: X-Content-Type-Options {a.headers.get('x-content-type-options')!r}")
    if a.headers.get("referrer-policy") not in ("same-origin", "no-referrer", "strict-origin-when-cross-origin"):
        found.append(f"{name}: Referrer-Policy {a.headers.get('referrer-policy')!r}")
    if a.headers.get("server") != "nginx":
        found.append(f"{name}: Server {a.headers.get('server')!r}")
    if "x-powered-by" in a.headers:
        found.append(f"{name}: X-Powered-By {a.headers['x-powered-by']!r}")
    if re.search(rb"nginx/\d|Swift/\d|GRDB|SQLite version|Traceback|Fatal error", a.body):
        found.append(f"{name}: a version or internal in the body")
    if (a.signed_in or a.app) and a.headers.get("content-type", "").startswith(("text/html", "application/json", "text/csv")):
        if "no-store" not in a.headers.get("cache-control", ""):
            found.append(f"{name}: Cache-Control {a.headers.get('cache-control')!r} on a dynamic answer")
    return found


def test_security_headers_on_every_response(stack):
    url = stack.url
    world = furnish(stack, "hdr")
    s, key, ids = world["session"], world["key"], world["ids"]
    routes = route_table()
    answers = {}

    # Every GET route signed in and signed out (bounced to sign-in), each filled with the workspace's ids.
    for path in get_paths(routes, ids):
        answers[f"signed in GET {path}"] = Answer.of(s.get(url + path, allow_redirects=False, timeout=30), signed_in=True)
        answers[f"signed out GET {path}"] = Answer.of(requests.get(url + path, allow_redirects=False, timeout=30))
    # Form answers: a redirect after a change, a form error, a CSRF refusal, a method the route does not take.
    token = csrf_of(s, url + "/canvases")
    answers["POST redirect"] = Answer.of(s.post(f"{url}/canvases/{ids['draft']}/rename", data={"_csrf": token, "name": "renamed"},
                                                allow_redirects=False, timeout=10), signed_in=True)
    answers["POST form error 422"] = Answer.of(s.post(url + "/canvases", data={"_csrf": token, "name": ""}, allow_redirects=False, timeout=10),
                                               signed_in=True)
    answers["CSRF 403"] = Answer.of(s.post(url + "/canvases", data={"name": "x"}, allow_redirects=False, timeout=10), signed_in=True)
    answers["app 405"] = Answer.of(s.get(url + "/signout", allow_redirects=False, timeout=10), signed_in=True)
    answers["app 404"] = Answer.of(s.get(url + "/no/such/page", allow_redirects=False, timeout=10), signed_in=True)
    answers["sign-in 401"] = Answer.of(requests.post(url + "/signin", data={"_csrf": "x"}, cookies={"as_signin": "x"}, timeout=10))
    answers["OAuth callback 400"] = Answer.of(s.get(url + "/oauth/callback/facebook?code=c&state=s", allow_redirects=False, timeout=10),
                                              signed_in=True)
    # REST API answers.
    bearer = {"Authorization": "Bearer " + key}
    answers["API 200"] = Answer.of(requests.get(url + "/api/v1/canvas/data_summary", params={"canvas_id": ids["canvas"]}, headers=bearer, timeout=10))
    answers["API 201"] = Answer.of(requests.post(url + "/api/v1/users/track", json={"attributes": [{"external_id": "h1", "email": "h1@example.com"}]},
                                                 headers=bearer, timeout=10))
    answers["API 400"] = Answer.of(requests.post(url + "/api/v1/users/track", data=b"{not json", headers={**bearer, "Content-Type": "application/json"},
                                                 timeout=10))
    answers["API 401"] = Answer.of(requests.get(url + "/api/v1/canvas/data_summary", params={"canvas_id": 1}, timeout=10))
    answers["API 404"] = Answer.of(requests.get(url + "/api/v1/canvas/data_summary", params={"canvas_id": 999999}, headers=bearer, timeout=10))
    answers["API 405"] = Answer.of(requests.get(url + "/api/v1/users/track", headers=bearer, timeout=10))
    answers["OpenAPI document"] = Answer.of(requests.get(url + "/api/v1/openapi.json", timeout=10))
    # Static files and nginx's own answers.
    for name in ("app.css", "progress.js", "favicon.svg", "openapi.json"):
        answers[f"static {name}"] = Answer.of(requests.get(url + "/static/" + name, timeout=10), app=False)
    answers["favicon.ico 204"] = Answer.of(requests.get(url + "/favicon.ico", timeout=10), app=False)
    answers["nginx 404 static"] = Answer.of(requests.get(url + "/static/missing.css", timeout=10), app=False)
    answers["nginx 405 static"] = Answer.of(requests.post(url + "/static/app.css", data={"a": "b"}, timeout=10), app=False)
    answers["nginx 413"] = Answer.of(requests.post(url + "/signin", data=b"x" * ((1 << 20) + 1024), timeout=30), app=False)
    answers["nginx 403 metrics from another host"] = Answer.of(session_from("127.0.0.2").get(url + "/metrics", timeout=10), app=False)
    answers["nginx 414"] = Answer.of(requests.get(url + "/signin?x=" + "a" * 70_000, timeout=10), app=False)
    answers["nginx 400 header too large"] = Answer.of(requests.get(url + "/signin", headers={"X-Big": "a" * 40_000}, timeout=10), app=False)
    answers["nginx 400 two Host headers"] = Answer(*raw(stack, b"GET /signin HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), app=False)
    answers["nginx 400 bad request line"] = Answer(*raw(stack, b"GET /signin HTTP/1.1 extra\r\nHost: a\r\n\r\n"), app=False)
    answers["nginx 400 bad header"] = Answer(*raw(stack, b"GET /signin HTTP/1.1\r\nHost: a\r\nBad Header\r\n\r\n"), app=False)
    answers["nginx 405 TRACE"] = Answer(*raw(stack, b"TRACE /signin HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"), app=False)

    # nginx's 502 while the app is down (stopped here, restarted after).
    pid = stack.pid("app")
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    answers["nginx 502 app down"] = Answer.of(requests.get(url + "/signin", timeout=10), app=False)
    stack.ensure_app()

    statuses = sorted({a.status for a in answers.values()})
    found = [p for name, a in answers.items() for p in problems(name, a)]
    expected = {400, 401, 403, 404, 405, 413, 414, 502, 200, 201, 204, 303, 422}
    record("headers", {"responses_checked": len(answers), "statuses_seen": statuses, "responses_with_problems": len({f.split(':')[0] for f in found}),
                       "hsts": "not sent: the stack serves plain HTTP on loopback (set it where TLS ends)"})
    assert expected <= set(statuses), sorted(expected - set(statuses))
    assert answers["nginx 502 app down"].status == 502
    assert not found, found[:30]


SENSITIVE_PATHS = [
    "/audiencesync.sqlite", "/audiencesync.sqlite-wal", "/audiencesync.sqlite-shm", "/sandbox.sqlite", "/secret.key",
    "/audiencesync.env", "/backups/", "/logs/app.log", "/nginx/nginx.conf", "/.git/config", "/.git/HEAD", "/Package.swift",
    "/var/audiencesync.sqlite", "/static/../audiencesync.sqlite", "/static/..%2faudiencesync.sqlite",
    "/static/%2e%2e/%2e%2e/.git/config", "/static../.git/config", "/static/../../Package.swift", "/static/..%2f..%2fPackage.swift",
    "/static//etc/passwd", "/static/%2e%2e%2f%2e%2e%2fMakefile",
]
LEAK_MARKS = [b"SQLite format 3", b"[core]", b"ref: refs/", b"swift-tools-version", b"AUDIENCESYNC_", b"root:x:0:0", b"fastcgi_pass"]


def listening_tcp_inodes():
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as lines:
            for line in list(lines)[1:]:
                fields = line.split()
                if fields[3] == "0A":  # LISTEN
                    inodes.add(fields[9])
    return inodes


def socket_inodes(pid):
    found = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            found.add(target[len("socket:["):-1])
    return found


def test_data_files_and_the_fastcgi_socket_are_never_reachable(stack):
    """reliability.md N-12: the database, its WAL, the key, logs, configuration and the repository are outside every
    nginx root (only Public/ is aliased), so no path — traversal and encoded variants included — serves them; and the
    app and the sandbox speak FastCGI on Unix sockets only, never on a TCP port."""
    stack.ensure_app()
    assert (stack.data / "audiencesync.sqlite").exists()
    answers = {path: raw(stack, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
               for path in SENSITIVE_PATHS}
    served = {path: status for path, (status, _, _) in answers.items() if status not in (400, 404)}
    leaked = {path: mark.decode() for path, (_, _, body) in answers.items() for mark in LEAK_MARKS if mark in body}
    listening = listening_tcp_inodes()
    tcp = {name: len(socket_inodes(stack.pid(name)) & listening) for name in ("app", "sandbox", "nginx")}
    record("data_paths", {"paths_requested": len(answers), "statuses": sorted({s for s, _, _ in answers.values()}),
                          "served": served, "leaked": leaked, "tcp_listeners": tcp})
    assert not served, served
    assert not leaked, leaked
    assert tcp["nginx"] >= 1, "the check cannot see nginx's own listening socket"
    assert tcp["app"] == 0 and tcp["sandbox"] == 0, tcp
