"""Security suite, the nginx edge, through the real nginx in front of the app and the sandbox:
requests for any host but BASE_URL's (or SANDBOX_URL's) are dropped without an answer; every dashboard route takes
at most 1 MB, the REST API MAX_BODY and the CSV import MAX_IMPORT, refused by nginx from the announced length; the
rendered configuration passes `nginx -t` and every FastCGI location carries the parameters the app relies on;
a client's Proxy header never becomes the app's outgoing proxy (httpoxy); and one client address has at most
`limit_conn` (128) requests under way at the app's server, the rest refused 429 at once.

reliability.md N-1 (httpoxy), N-2 (FastCGI parameters, no keep-alive, no retried POST), N-4 (unknown hosts),
N-7 (body limits per route), N-8 (concurrent requests per client address)."""
import re
import select
import socket
import statistics
import subprocess
import threading
import time

import pytest
import requests

from conftest import BIN, PASSWORD, ROOT, Stack, csrf_of, free_port
from secsupport import address, flow, record, route_table, sandbox_log_seq, sandbox_log_since, sandbox_system_token, session_from

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


# ---------------------------------------------------------------------------------------------------------- N-2

def tokens(text):
    """nginx's configuration syntax as tokens: words (quotes removed), ';', '{' and '}'."""
    found, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch == "#":
            i = text.find("\n", i) if "\n" in text[i:] else len(text)
        elif ch in ";{}":
            found.append(ch)
            i += 1
        elif ch in "\"'":
            end = i + 1
            while text[end] != ch:
                end += 2 if text[end] == "\\" else 1
            found.append(("quoted", text[i + 1:end]))
            i = end + 1
        else:
            end = i
            while end < len(text) and not text[end].isspace() and text[end] not in ";{}":
                end += 1
            found.append(text[i:end])
            i = end
    return found


def parse(text):
    """A list of (name, args, children) — children None for a simple directive."""
    stream = tokens(text)
    pos = 0

    def block():
        nonlocal pos
        items, words = [], []
        while pos < len(stream):
            token = stream[pos]
            pos += 1
            if token == ";":
                items.append((words[0], words[1:], None))
                words = []
            elif token == "{":
                items.append((words[0], words[1:], block()))
                words = []
            elif token == "}":
                return items
            else:
                words.append(token[1] if isinstance(token, tuple) else token)
        return items

    return block()


def walk(items, path=()):
    for name, args, children in items:
        yield name, args, children, path
        if children is not None:
            yield from walk(children, path + ((name, tuple(args)),))


def fastcgi_locations(main):
    """Every location holding fastcgi_pass, named by its server, and what each lacks."""
    locations, problems = [], []
    for name, _, server, _ in walk(main):
        if name != "server":
            continue
        server_name = next((" ".join(a) or '""' for n, a, _ in server if n == "server_name"), "?")
        for name, args, children, _ in walk(server):
            if name != "location" or not any(child[0] == "fastcgi_pass" for child in children):
                continue
            label = f"{server_name} {' '.join(args)}"
            locations.append(label)
            own = [(child[0], child[1]) for child in children if child[2] is None]
            if ("include", ["/etc/nginx/fastcgi_params"]) not in own:
                problems.append(f"{label}: no include /etc/nginx/fastcgi_params")
            if ("fastcgi_param", ["HTTP_PROXY", ""]) not in own:
                problems.append(f'{label}: no fastcgi_param HTTP_PROXY ""')
            if not any(n == "fastcgi_param" and a and a[0] == "REQUEST_URI" for n, a in own):
                problems.append(f"{label}: no fastcgi_param REQUEST_URI")
    return locations, problems


def test_rendered_config_passes_nginx_t_and_every_fastcgi_location_is_complete(tmp_path):
    data = tmp_path / "data"
    prefix = data / "nginx"
    conf = prefix / "nginx.conf"
    http, sandbox = free_port(), free_port()
    env = {"PATH": "/usr/sbin:/usr/bin:/bin", "AUDIENCESYNC_DATA_DIR": str(data), "AUDIENCESYNC_HTTP_PORT": str(http),
           "AUDIENCESYNC_SANDBOX_PORT": str(sandbox), "AUDIENCESYNC_BASE_URL": f"http://127.0.0.1:{http}",
           "AUDIENCESYNC_SANDBOX_URL": f"http://127.0.0.1:{sandbox}", "AUDIENCESYNC_TEMPLATES_DIR": str(ROOT / "Templates"),
           "AUDIENCESYNC_PUBLIC_DIR": str(ROOT / "Public")}
    prefix.mkdir(parents=True)
    subprocess.run([str(BIN), "nginx-config", "--template", "nginx/nginx.conf.template", "--output", str(conf), "--prefix", str(prefix)],
                   check=True, env=env, cwd=ROOT)
    checked = subprocess.run(["nginx", "-t", "-c", str(conf), "-p", str(prefix)], capture_output=True, text=True)
    assert checked.returncode == 0 and "test is successful" in checked.stderr, checked.stderr
    dump = subprocess.run(["nginx", "-T", "-c", str(conf), "-p", str(prefix)], capture_output=True, text=True, check=True).stdout

    # nginx -T prints each file read, the main one first, then every included one.
    files = dict(re.findall(r"^# configuration file (.+?):\n(.*?)(?=^# configuration file |\Z)", dump, re.S | re.M))
    main = parse(files[str(conf)])
    params = {args[0]: args[1:] for name, args, _, _ in walk(parse(files["/etc/nginx/fastcgi_params"])) if name == "fastcgi_param"}
    missing_params = [p for p in ("REQUEST_METHOD", "CONTENT_LENGTH", "CONTENT_TYPE", "QUERY_STRING") if p not in params]

    locations, problems = fastcgi_locations(main)
    # The check itself must see a gap: the same configuration without one include is flagged.
    broken = files[str(conf)].replace("include /etc/nginx/fastcgi_params;", "", 1)
    assert fastcgi_locations(parse(broken))[1], "the check does not notice a location without fastcgi_params"
    everywhere = [(name, args) for text in files.values() for name, args, _, _ in walk(parse(text))]
    keep_conn = [args for name, args in everywhere if name == "fastcgi_keep_conn" and args != ["off"]]
    next_upstream = [args for name, args in everywhere if name == "fastcgi_next_upstream" and "non_idempotent" in args]

    record("edge_config", {"nginx_t": "ok", "fastcgi_locations": len(locations), "locations": locations, "incomplete": problems,
                           "fastcgi_params_missing": missing_params, "keep_conn_on": len(keep_conn), "next_upstream_non_idempotent": len(next_upstream)})
    assert len(locations) >= 5, locations   # /metrics, the import, /api/, / and the sandbox's /
    assert not problems, problems
    assert not missing_params, missing_params
    assert not keep_conn and not next_upstream, (keep_conn, next_upstream)


# ---------------------------------------------------------------------------------------------------------- N-1

class CountingListener:
    """A TCP listener on a free loopback port that accepts and counts connections (and closes them)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.running = True
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.accepted += 1
            conn.close()

    def close(self):
        self.running = False
        self.thread.join(timeout=2)
        self.sock.close()


def test_a_clients_proxy_header_never_becomes_the_apps_proxy(stack):
    listener = CountingListener()
    proxy = {"Proxy": f"http://127.0.0.1:{listener.port}/"}
    url = stack.url
    try:
        email = "edge-proxy@sec.test"
        stack.create_user(email, workspace="Edge proxy")
        s = requests.Session()
        s.headers.update(proxy)   # on every request this client sends, sign-in included
        token = re.search(r'name="_csrf" value="([^"]+)"', s.get(url + "/signin", timeout=10).text).group(1)
        r = s.post(url + "/signin", data={"_csrf": token, "email": email, "password": PASSWORD, "next": "/partners"},
                   allow_redirects=False, timeout=10)
        assert r.status_code == 303, r.text[:300]

        # Facebook through the OAuth flow: the callback exchanges the code with the sandbox through libcurl.
        seq = sandbox_log_seq(stack)
        callback, _ = flow(stack, s, "facebook")
        r = s.get(callback, allow_redirects=False, timeout=30)
        assert r.status_code == 303 and "/accounts" in r.headers["Location"], f"{r.status_code} {r.text[:300]}"
        page = s.get(url + "/partners/facebook/accounts", timeout=30)
        account = re.search(r'name="account" value="([^"]+)"', page.text).group(1)
        r = s.post(url + "/partners/facebook/accounts", data={"_csrf": csrf_of(s, url + "/partners/facebook/accounts"), "account": account},
                   allow_redirects=False, timeout=30)
        assert r.status_code == 303, r.text[:300]
        connect_calls = graph_calls(sandbox_calls_since(stack, seq))
        # "Check connection now" on the partner page: inspects the token and lists ad accounts, in the request.
        seq = sandbox_log_seq(stack)
        r = s.post(url + "/partners/facebook/check", data={"_csrf": csrf_of(s, url + "/partners/facebook")}, allow_redirects=False, timeout=30)
        assert r.status_code == 303, f"{r.status_code} {r.text[:300]}"
        partner_page = s.get(url + r.headers["Location"] if r.headers["Location"].startswith("/") else r.headers["Location"], timeout=30)
        assert partner_page.status_code == 200
        check_calls = graph_calls(sandbox_calls_since(stack, seq))

        # A system-user token pasted, and the REST API.
        r = s.post(url + "/partners/facebook/token", data={"_csrf": csrf_of(s, url + "/partners/facebook"), "token": sandbox_system_token(stack)},
                   allow_redirects=False, timeout=30)
        assert r.status_code in (200, 303), r.text[:300]
        page = s.post(url + "/settings/api-keys", data={"_csrf": csrf_of(s, url + "/settings/api-keys"), "name": "proxy"}, timeout=10).text
        key = re.search(r'id="new-key-value">([^<]+)<', page).group(1)
        api = requests.post(url + "/api/v1/users/track", json={"attributes": [{"external_id": "proxy-1", "email": "proxy1@example.com"}]},
                            headers={**proxy, "Authorization": "Bearer " + key}, timeout=10)
        assert api.status_code in (200, 201), api.text
        time.sleep(0.5)   # anything the app might still be sending
    finally:
        listener.close()
    record("edge_httpoxy", {"app_calls_to_the_sandbox_on_connect": connect_calls, "app_calls_to_the_sandbox_on_check": check_calls,
                            "api_status": api.status_code, "proxy_listener_connections": listener.accepted})
    assert any("/oauth/access_token" in c for c in connect_calls), connect_calls
    assert any("/debug_token" in c for c in check_calls), check_calls
    assert listener.accepted == 0


def graph_calls(calls):
    """The calls the app made (Graph API), not the test's own visits to the consent page."""
    return [c for c in calls if "/facebook/graph/" in c]


def sandbox_calls_since(stack, seq):
    return [f"{c['method']} {c['path']}" for c in sandbox_log_since(stack, seq)]


# ---------------------------------------------------------------------------------------------------------- N-8

def per_address_limit(stack):
    """The app server's `limit_conn` as rendered for this stack."""
    conf = (stack.data / "nginx" / "nginx.conf").read_text()
    return int(re.search(r"^\s*limit_conn audiencesync_per_address (\d+);", conf, re.M).group(1))


def status_of(sock):
    """The status nginx answered on `sock` (None while it has answered nothing and kept the connection open)."""
    try:
        answer = sock.recv(4096, socket.MSG_PEEK)   # the socket does not block: see below
    except BlockingIOError:
        return None
    except OSError:
        return "reset"
    match = re.match(rb"HTTP/1\.[01] (\d{3})", answer)
    return int(match.group(1)) if match else ("closed" if not answer else answer[:20])


def test_one_address_holds_at_most_the_limit_of_slow_requests(stack, api_key):
    """From ONE address, limit + 50 slow-body requests (a complete header announcing 100 kB, then the body a byte
    at a time): nginx holds at most `limit` of them and answers the rest 429 at once, instead of waiting out
    client_body_timeout. Meanwhile another address is served as usual, and a new request from the attacking address
    is refused too; once the slow ones close, that address is served again."""
    limit = per_address_limit(stack)
    attacker, bystander = address(100), address(101)
    log = stack.data / "nginx" / "logs" / "error.log"
    log_before = log.read_text(errors="replace").count("limiting connections by zone")
    head = (f"POST /api/v1/users/track HTTP/1.1\r\nHost: 127.0.0.1:{stack.http}\r\nAuthorization: Bearer {api_key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{{").encode()
    sockets, sent_at = [], []
    try:
        for _ in range(limit + 50):
            sock = socket.socket()
            sock.settimeout(5)
            sock.bind((attacker, 0))
            sock.connect(("127.0.0.1", stack.http))
            sock.sendall(head)
            sock.setblocking(False)   # a socket with a timeout would wait for an answer before peeking
            sockets.append(sock)
            sent_at.append(time.monotonic())

        # Every refusal arrives well before client_body_timeout (15 s) would have ended the request.
        answered_after = {}
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            waiting = [s for s in sockets if s not in answered_after]
            readable = select.select(waiting, [], [], 0.5)[0] if waiting else []
            for sock in readable:
                answered_after[sock] = time.monotonic() - sent_at[sockets.index(sock)]
            if len(answered_after) >= 50 and not readable:
                break
        refused = {s: status_of(s) for s in answered_after}

        # The held ones are still open a body byte later; other addresses are served, the attacker's is not.
        for sock in sockets:
            if sock not in answered_after:
                sock.send(b" ")
        time.sleep(0.5)
        held = [s for s in sockets if status_of(s) is None]
        normal = session_from(bystander)
        bystander_statuses = [normal.get(stack.url + "/signin", timeout=10).status_code for _ in range(10)]
        bystander_statuses += [requests.get(stack.url + "/healthz", timeout=10).status_code for _ in range(5)]
        attacker_new_request = session_from(attacker).get(stack.url + "/signin", timeout=10).status_code
        held_after = [s for s in held if status_of(s) is None]
    finally:
        for sock in sockets:
            sock.close()

    # The slow ones closed: the address is served again as soon as nginx has seen them go.
    closed_at = time.monotonic()
    served_again = None
    again = session_from(attacker)
    while time.monotonic() - closed_at < 10:
        if again.get(stack.url + "/signin", timeout=10).status_code == 200:
            served_again = round(time.monotonic() - closed_at, 2)
            break
        time.sleep(0.1)
    time.sleep(0.2)   # nginx writes its error log as it refuses
    log_lines = log.read_text(errors="replace").count("limiting connections by zone") - log_before

    statuses = {}
    for status in refused.values():
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    seconds = sorted(answered_after.values())
    figures = {"limit": limit, "slow_requests_from_one_address": len(sockets), "held_by_nginx": len(held),
               "held_after_bystander_requests": len(held_after), "answered": statuses,
               "answer_seconds_median": round(statistics.median(seconds), 3) if seconds else None,
               "answer_seconds_max": round(seconds[-1], 3) if seconds else None,
               "other_address_statuses": sorted(set(bystander_statuses)), "other_address_requests": len(bystander_statuses),
               "attacker_new_request_status": attacker_new_request, "attacker_served_again_after_close_s": served_again,
               "error_log_refusals": log_lines}
    record("edge_per_address_limit", figures)
    # Exactly `limit` are held: as many concurrent requests as the limit are served (make bench's wrk -c 64 keeps
    # at most 64 under way from one address), the rest refused at once.
    assert len(held) == limit and len(held_after) == len(held), figures
    assert statuses == {"429": 50}, figures
    assert seconds[-1] < 5, figures
    assert bystander_statuses == [200] * len(bystander_statuses), figures
    assert attacker_new_request == 429, figures
    assert served_again is not None, figures
    assert log_lines >= 51, figures
