"""Shared pieces of the security suite (`make test-security`, Tests/e2e/test_sec_*.py): the app's own route table,
two fully furnished workspaces, database snapshots, requests from other loopback addresses, and the figures file
test-output/security.json (merged: each suite updates only its own keys)."""
import contextlib
import hashlib
import html
import json
import re
import sqlite3
import subprocess
import urllib.parse

import requests
from requests.adapters import HTTPAdapter

from conftest import BIN, PASSWORD, ROOT, confirmed_post, csrf_of, record_figures

def record(section, figures):
    """Prints `figures` and merges them into test-output/security.json under `section`."""
    record_figures("security.json", section, figures)


def route_table():
    """The router's table as the app prints it (`audiencesync routes`): method, path with {id} placeholders,
    access (anyone, signedIn, admin, apiKey), stateChanging."""
    return json.loads(subprocess.run([str(BIN), "routes"], capture_output=True, text=True, check=True, cwd=ROOT).stdout)


def fill(path, ids):
    """`path` with every {name} placeholder replaced from `ids`."""
    return re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), path)


class SourceAddress(HTTPAdapter):
    """Connects from another loopback address (127.0.0.0/8 is all local): lets one test act as many clients."""

    def __init__(self, address):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def session_from(address):
    s = requests.Session()
    s.mount("http://", SourceAddress(address))
    return s


def address(n):
    """The n-th spare loopback address (127.0.x.y, never 127.0.0.1)."""
    n += 2
    return f"127.0.{n // 250}.{n % 250 + 2}"


def snapshot(db_path, skip=()):
    """A digest per table of every row, read through a separate read-only connection."""
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=10)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        digests = {}
        for table in tables:
            if table in skip:
                continue
            digest = hashlib.sha256()
            for row in sorted(repr(row) for row in con.execute(f'SELECT * FROM "{table}"')):
                digest.update(row.encode())
            digests[table] = digest.hexdigest()
        return digests
    finally:
        con.close()


def changed_tables(before, after):
    return sorted(t for t in set(before) | set(after) if before.get(t) != after.get(t))


@contextlib.contextmanager
def database(db_path):
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=10)
    try:
        yield con
    finally:
        con.close()


def location(r):
    return r.headers.get("Location", "")


def tail_id(r):
    return int(location(r).split("?")[0].rstrip("/").rsplit("/", 1)[-1])


def sandbox_system_token(stack):
    page = requests.post(stack.sandbox_url + "/facebook/www/business/settings/system-users", timeout=10).text
    return page.split('<code class="fb-token">')[1].split("</code>")[0]


def furnish(stack, tag):
    """A workspace with one of every object, made through the dashboard's own forms and the REST API: a Facebook
    connection with an ad account, a launched canvas with an Audience Sync step and a draft one with a Delay step,
    a segment with its export, a finished CSV import, an API key, a notification recipient, an admin and a member,
    and tracked profiles. Returns a dict of sessions, the key and every object's id."""
    url = stack.url
    admin, member = f"{tag}-admin@sec.test", f"{tag}-member@sec.test"
    stack.create_user(admin, workspace=f"Security {tag}", role="admin")
    stack.create_user(member, workspace=f"Security {tag}", role="member")
    s = stack.signed_in_session(admin)
    token = sandbox_system_token(stack)
    s.post(url + "/partners/facebook/token", data={"_csrf": csrf_of(s, url + "/partners/facebook"), "token": token}, timeout=10)
    s.post(url + "/partners/facebook/accounts", data={"_csrf": csrf_of(s, url + "/partners/facebook/accounts"), "account": "act_1001"},
           timeout=10)
    page = s.get(url + "/partners/facebook", timeout=10).text
    account = int(re.search(r'/partners/facebook/accounts/(\d+)/remove', page).group(1))

    keys = s.post(url + "/settings/api-keys", data={"_csrf": csrf_of(s, url + "/settings/api-keys"), "name": f"{tag} key"}, timeout=10).text
    key = re.search(r'id="new-key-value">([^<]+)<', keys).group(1)
    key_id = int(re.findall(r'/settings/api-keys/(\d+)/revoke', keys)[-1])

    def new_canvas(name, kind):
        r = s.post(url + "/canvases", data={"_csrf": csrf_of(s, url + "/canvases"), "name": name}, allow_redirects=False, timeout=10)
        canvas = tail_id(r)
        r = s.post(f"{url}/canvases/{canvas}/add-step", data={"_csrf": csrf_of(s, f"{url}/canvases/{canvas}"), "kind": kind},
                   allow_redirects=False, timeout=10)
        return canvas, tail_id(r)

    canvas, step = new_canvas(f"{tag} launched", "audience_sync")
    form = {"_csrf": csrf_of(s, f"{url}/canvases/{canvas}/steps/{step}"), "destination": "facebook|act_1001", "audience_mode": "new",
            "audience_name": f"{tag} audience", "action": "add", "field": ["email"]}
    assert s.post(f"{url}/canvases/{canvas}/steps/{step}/save", data=form, allow_redirects=False, timeout=10).status_code == 303
    r = confirmed_post(s, f"{url}/canvases/{canvas}/launch", {"_csrf": csrf_of(s, f"{url}/canvases/{canvas}")})
    assert "launched" in location(r), r.text[:500]
    draft, delay = new_canvas(f"{tag} draft", "delay")

    users = [{"external_user_id": f"{tag}-user-{i}", "attributes": {"email": f"{tag}.user{i}@example.com", "plan": "gold"}} for i in range(5)]
    r = requests.post(url + "/api/v1/users/track", json={"attributes": [{"external_id": u["external_user_id"], **u["attributes"]} for u in users]},
                      headers={"Authorization": "Bearer " + key}, timeout=10)
    assert r.status_code in (200, 201), r.text

    r = s.post(url + "/segments", data={"_csrf": csrf_of(s, url + "/segments"), "name": f"{tag} segment"}, allow_redirects=False, timeout=10)
    segment = tail_id(r)
    export_page = s.get(f"{url}/segments/{segment}/export", timeout=10).text
    fields = [("_csrf", re.search(r'name="_csrf" value="([^"]+)"', export_page).group(1)), ("ad_account", "act_1001"), ("field", "email"),
              ("name_email", f"{tag} export")]
    r = confirmed_post(s, f"{url}/segments/{segment}/export", fields)
    assert r.status_code == 303, r.text[:1000]
    export = tail_id(r)

    csv = "external_id,email,plan\r\n" + "".join(f"{tag}-csv-{i},{tag}.csv{i}@example.com,free\r\n" for i in range(3)) + "bad,not-an-email,x\r\n"
    r = s.post(url + "/settings/imports", data={"_csrf": csrf_of(s, url + "/settings/imports")},
               files={"file": (f"{tag}.csv", csv.encode(), "text/csv")}, allow_redirects=False, timeout=30)
    assert r.status_code == 303, r.text[:1000]
    imported = tail_id(r)

    page = s.get(url + "/settings/notifications", timeout=10).text
    kind = re.search(r'<select id="kind" name="kind"><option value="([^"]+)"', page).group(1)
    s.post(url + "/settings/notifications", data={"_csrf": csrf_of(s, url + "/settings/notifications"), "kind": kind,
                                                   "email": f"{tag}-ops@example.com"}, timeout=10)
    recipient = int(re.findall(r'/settings/notifications/(\d+)/remove', s.get(url + "/settings/notifications", timeout=10).text)[-1])

    return {"tag": tag, "admin": admin, "member": member, "session": s, "key": key, "users": users,
            "ids": {"account": account, "key": key_id, "canvas": canvas, "step": step, "draft": draft, "delay": delay,
                    "segment": segment, "export": export, "import": imported, "recipient": recipient}}


def start(stack, s, partner, headers=None):
    """Presses Connect: the app's 303 to the partner's authorization URL."""
    if headers:
        # requests matches cookies against a Host header when there is one: send the session's cookie explicitly.
        headers = {**headers, "Cookie": "; ".join(f"{c.name}={c.value}" for c in s.cookies)}
    r = s.post(f"{stack.url}/partners/{partner}/connect", data={"_csrf": csrf_of(s, f"{stack.url}/partners/{partner}")},
               headers=headers or {}, allow_redirects=False, timeout=10)
    assert r.status_code == 303, f"{partner}: {r.status_code} {r.text[:300]}"
    return r.headers["Location"]


def consent(authorize_url):
    """Approves on the sandbox's consent page; returns the callback URL the partner sends the browser to."""
    page = requests.get(authorize_url, timeout=10)
    assert page.status_code == 200, page.text[:500]
    form = re.search(r'<form method="post" action="([^"]*)"[^>]*>(.*?)</form>', page.text, re.S)
    fields = [(html.unescape(n), html.unescape(v)) for n, v in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)"', form.group(2))]
    # Ticked permission boxes go with the form, as a browser sends them (a disabled box is not sent).
    fields += [(html.unescape(n), html.unescape(v)) for n, v, rest in
               re.findall(r'<input type="checkbox" name="([^"]*)" value="([^"]*)"([^>]*)>', form.group(2)) if "checked" in rest and "disabled" not in rest]
    button = re.search(r'<button type="submit"[^>]*name="([^"]*)" value="([^"]*)" class="[^"]*(?:fb|li|tt)-primary', form.group(2))
    action = urllib.parse.urljoin(authorize_url, html.unescape(form.group(1)))
    r = requests.post(action, data=fields + [(button.group(1), button.group(2))], allow_redirects=False, timeout=10)
    assert r.status_code in (302, 303), r.text[:500]
    return r.headers["Location"]


def flow(stack, s, partner):
    """A fresh flow up to the partner's answer: (callback URL with a real code and state, state)."""
    callback = consent(start(stack, s, partner))
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(callback).query))
    return callback, query["state"]


def fresh_session(stack, email):
    return stack.signed_in_session(email)


def csrf_token(session, url):
    return csrf_of(session, url)


def unescape(text):
    return html.unescape(text)


def quote(text):
    return urllib.parse.quote(text, safe="")


__all__ = ["PASSWORD", "record", "route_table", "fill", "session_from", "address", "snapshot", "changed_tables", "database",
           "furnish", "location", "tail_id", "sandbox_system_token"]


def crawl(base_url, session, start_paths, limit=400):
    """GETs `start_paths` and every same-site link found on the pages (static files aside); returns {path: response}."""
    seen, queue = {}, list(start_paths)
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        r = session.get(base_url + path, allow_redirects=False, timeout=30)
        seen[path] = r
        if "text/html" in r.headers.get("Content-Type", ""):
            for href in re.findall(r'href="([^"#]+)"', r.text):
                href = html.unescape(href)
                if href.startswith("/") and not href.startswith("//") and not href.startswith("/static/"):
                    queue.append(href)
    return seen


def get_paths(routes, ids):
    """Every dashboard GET route of the table, filled with `ids`."""
    return [fill(line["path"], ids) for line in routes if line["method"] == "GET" and line["access"] != "apiKey"]


def sandbox_log_seq(stack):
    """The sequence number of the sandbox's latest logged request: read what comes after it with sandbox_log_since."""
    seq = 0
    while True:
        page = requests.get(stack.sandbox_url + "/_sandbox/requests", params={"since": seq}, timeout=10).json()
        if not page["requests"]:
            return seq
        seq = page["last_seq"]


def sandbox_log_since(stack, seq):
    """Every request the sandbox logged after `seq` (method, path, query, status, …)."""
    entries = []
    while True:
        page = requests.get(stack.sandbox_url + "/_sandbox/requests", params={"since": seq}, timeout=10).json()
        if not page["requests"]:
            return entries
        entries += page["requests"]
        seq = page["last_seq"]
