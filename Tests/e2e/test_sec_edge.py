"""Security suite, the nginx edge, through the real nginx in front of the app and the sandbox:
requests for any host but BASE_URL's (or SANDBOX_URL's) are dropped without an answer; every dashboard route takes
at most 1 MB, the REST API MAX_BODY and the CSV import MAX_IMPORT, refused by nginx from the announced length; the
rendered configuration passes `nginx -t` and every FastCGI location carries the parameters the app relies on; and
a client's Proxy header never becomes the app's outgoing proxy (httpoxy).

reliability.md N-1 (httpoxy), N-2 (FastCGI parameters, no keep-alive, no retried POST), N-4 (unknown hosts),
N-7 (body limits per route)."""
import re
import socket
import subprocess
import threading
import time

import pytest
import requests

from conftest import BIN, PASSWORD, ROOT, Stack, csrf_of, free_port
from secsupport import flow, record, route_table, sandbox_system_token

MB = 1 << 20
MAX_BODY = 2 * MB      # the REST API's limit in this stack (the dashboard's is 1 MB whatever MAX_BODY is)
MAX_IMPORT = 3 * MB    # the CSV import's


@pytest.fixture(scope="module")
def stack():
    s = Stack("sec-edge", env={"AUDIENCESYNC_MAX_BODY_BYTES": str(MAX_BODY), "AUDIENCESYNC_MAX_IMPORT_BYTES": str(MAX_IMPORT)}).start()
    yield s
    s.stop()


def exchange(port, data, timeout=10):
    """Sends raw bytes to nginx on `port`; returns everything it answers before closing (b"" when it closes the
    connection without an answer) and the status (None then)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        answer = b""
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                answer += chunk
                if b"\r\n\r\n" in answer and not data.startswith(b"GET"):
                    break  # a refusal of a POST: the status line and headers are all the test needs
        except ConnectionResetError:
            pass
    match = re.match(rb"HTTP/1\.[01] (\d{3})", answer)
    return (int(match.group(1)) if match else None), answer


def get(path, host, version="1.1"):
    head = f"GET {path} HTTP/{version}\r\n" + (f"Host: {host}\r\n" if host is not None else "") + "Connection: close\r\n\r\n"
    return head.encode()


# ---------------------------------------------------------------------------------------------------------- N-4

def test_unknown_hosts_get_no_answer(stack):
    app, sandbox = f"127.0.0.1:{stack.http}", f"127.0.0.1:{stack.sandbox}"
    dropped_cases = {
        "Host evil.example": get("/signin", "evil.example"),
        "Host localhost": get("/signin", f"localhost:{stack.http}"),
        "Host 127.0.0.1.evil.example": get("/signin", "127.0.0.1.evil.example"),
        "Host evil.example on /healthz": get("/healthz", "evil.example"),
        "Host evil.example on /static/": get("/static/app.css", "evil.example"),
        "HTTP/1.0 without Host": get("/signin", None, "1.0"),
        "absolute URL naming another host": b"GET http://evil.example/signin HTTP/1.1\r\nHost: " + app.encode() + b"\r\nConnection: close\r\n\r\n",
    }
    answered = {}
    for name, data in dropped_cases.items():
        for port, which in ((stack.http, "app"), (stack.sandbox, "sandbox")):
            status, answer = exchange(port, data)
            if answer:
                answered[f"{which} {name}"] = answer[:80]
    right = {
        "app": exchange(stack.http, get("/signin", app))[0],
        "app HTTP/1.0 with Host": exchange(stack.http, get("/signin", app, "1.0"))[0],
        "app without port": exchange(stack.http, get("/healthz", "127.0.0.1"))[0],
        "sandbox": exchange(stack.sandbox, get("/", sandbox))[0],
    }
    # Through an ordinary client too: the dashboard and the sandbox answer at their configured URLs.
    right["app via requests"] = requests.get(stack.url + "/signin", timeout=10).status_code
    right["sandbox via requests"] = requests.get(stack.sandbox_url + "/", timeout=10).status_code
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(stack.url + "/signin", headers={"Host": "evil.example"}, timeout=10)
    record("edge_unknown_hosts", {"requests_dropped": 2 * len(dropped_cases) - len(answered), "requests_answered_for_other_hosts": len(answered),
                                  "right_host_statuses": right})
    assert not answered, answered
    assert all(status == 200 for status in right.values()), right


# ---------------------------------------------------------------------------------------------------------- N-7

def announce(stack, method, path, length, content_type="application/x-www-form-urlencoded", extra=""):
    """A request announcing `length` body bytes and sending none: nginx refuses from the header alone."""
    head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{stack.http}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {length}\r\n{extra}Connection: close\r\n\r\n")
    return exchange(stack.http, head.encode())


def by_nginx(answer):
    return b"<center>nginx</center>" in answer


@pytest.fixture(scope="module")
def api_key(stack):
    stack.create_user("edge-admin@sec.test", workspace="Edge")
    s = stack.signed_in_session("edge-admin@sec.test")
    page = s.post(stack.url + "/settings/api-keys", data={"_csrf": csrf_of(s, stack.url + "/settings/api-keys"), "name": "edge"}, timeout=10).text
    return re.search(r'id="new-key-value">([^<]+)<', page).group(1)


def test_body_limits_per_route(stack, api_key):
    routes = route_table()
    posts = [line for line in routes if line["method"] == "POST"]
    dashboard = [line for line in posts if line["access"] != "apiKey" and line["stateChanging"]]
    api = [line for line in posts if line["access"] == "apiKey"]
    assert dashboard and api
    path_of = lambda line: re.sub(r"\{\w+\}", "1", line["path"])
    wrong = []
    limits = {}

    # Every state-changing dashboard form: 1 MB + 1 announced is refused by nginx (413) — the import, MAX_IMPORT + 1.
    for line in dashboard:
        path = path_of(line)
        limit = MAX_IMPORT if path == "/settings/imports" else MB
        limits[path] = limit
        status, answer = announce(stack, "POST", path, limit + 1,
                                  content_type="multipart/form-data; boundary=x" if limit == MAX_IMPORT else "application/x-www-form-urlencoded")
        if status != 413 or not by_nginx(answer):
            wrong.append(f"dashboard {path} limit+1: {status}")

    # Every REST API POST: MAX_BODY + 1 announced is refused by nginx; a real body one byte under it (past the
    # dashboard's 1 MB) reaches the app. users/track gets valid JSON padded with whitespace and must be accepted.
    bearer = {"Authorization": "Bearer " + api_key, "Content-Type": "application/json"}
    under = {}
    for line in api:
        path = path_of(line)
        status, answer = announce(stack, "POST", path, MAX_BODY + 1, content_type="application/json",
                                  extra=f"Authorization: Bearer {api_key}\r\n")
        if status != 413 or not by_nginx(answer):
            wrong.append(f"api {path} MAX_BODY+1: {status}")
        if path.endswith("/users/track"):
            body = b'{"attributes":[{"external_id":"edge-1","email":"edge1@example.com"}]}'
        else:
            body = b"{}"
        body += b" " * (MAX_BODY - 1 - len(body))
        r = requests.post(stack.url + path, data=body, headers=bearer, timeout=60)
        under[path] = r.status_code
        if r.status_code == 413 or (path.endswith("/users/track") and r.status_code not in (200, 201)):
            wrong.append(f"api {path} MAX_BODY-1: {r.status_code} {r.text[:200]}")

    record("edge_body_limits", {"dashboard_post_routes_refused_at_limit_plus_1": len(dashboard) - len([w for w in wrong if w.startswith("dashboard")]),
                                "dashboard_post_routes": len(dashboard), "dashboard_limit_bytes": MB, "import_limit_bytes": MAX_IMPORT,
                                "api_post_routes": len(api), "api_limit_bytes": MAX_BODY, "api_just_under_limit_statuses": under})
    assert not wrong, wrong
