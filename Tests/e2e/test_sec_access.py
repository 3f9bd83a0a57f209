"""Security suite, access: CSRF on every state-changing route, no database write from any GET, no cookie auth on the
REST API, and workspace isolation (A's session and A's API key against every one of B's objects) — through nginx,
the FastCGI app and the sandbox. The routes come from the app's own table (`audiencesync routes`).

reliability.md A-4 (CSRF, GETs write nothing, API without cookie auth), A-7 (tenant isolation, 404 not 403),
A-8 (API key only in the Authorization header)."""
import re
import secrets
import sqlite3
import time
import urllib.parse

import pytest
import requests

from conftest import Stack
from secsupport import changed_tables, fill, furnish, record, route_table, snapshot

FOREIGN = "http://evil.example"
# Values any of the dashboard's forms accepts, so a refusal is never a form error in disguise.
PAYLOAD = [("name", "Renamed by the attacker"), ("account", "act_1001"), ("token", "attacker-token"), ("email", "attacker@example.com"),
           ("kind", "audience_sync"), ("partner", "tiktok"), ("attribute", "plan"), ("value", "free"), ("operator", "equals"),
           ("auto_enter", "on"), ("destination", "facebook|act_1001"), ("audience_mode", "new"), ("audience_name", "stolen"),
           ("action", "add"), ("field", "email"), ("ad_account", "act_1001"), ("name_email", "stolen"), ("index", "0")]


@pytest.fixture(scope="module")
def stack():
    s = Stack("sec-access").start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def world(stack):
    a, b = furnish(stack, "wsa"), furnish(stack, "wsb")
    wait_until_quiet(stack)
    return {"A": a, "B": b, "routes": route_table()}


def db(stack):
    return stack.data / "audiencesync.sqlite"


def wait_until_quiet(stack, timeout=90):
    """Waits until background work (exports, imports, syncs) has stopped writing: two equal snapshots 1.5 s apart."""
    deadline = time.monotonic() + timeout
    last = snapshot(db(stack))
    while time.monotonic() < deadline:
        time.sleep(1.5)
        now = snapshot(db(stack))
        if now == last:
            return
        last = now
    pytest.fail(f"the database never went quiet: {changed_tables(last, snapshot(db(stack)))}")


def csrf(session, url):
    return re.search(r'name="_csrf" value="([^"]+)"', session.get(url, timeout=10).text).group(1)


def lines(world, *, state_changing=None, api=None):
    for line in world["routes"]:
        if api is not None and (line["access"] == "apiKey") != api:
            continue
        if state_changing is not None and line["stateChanging"] != state_changing:
            continue
        yield line


def test_csrf_every_state_changing_route_refuses_missing_wrong_and_cross_site(stack, world):
    a, b = world["A"], world["B"]
    s = a["session"]
    valid = csrf(s, stack.url + "/canvases")
    foreign_token = csrf(b["session"], stack.url + "/canvases")
    ids = dict(a["ids"])
    variants = {
        "no token": ({}, None),
        "empty token": ({}, ""),
        "wrong token": ({}, secrets.token_urlsafe(32)),
        "another session's token": ({}, foreign_token),
        "Sec-Fetch-Site cross-site, valid token": ({"Sec-Fetch-Site": "cross-site"}, valid),
        "foreign Origin, valid token": ({"Origin": FOREIGN}, valid),
        "foreign Origin and cross-site, valid token": ({"Origin": FOREIGN, "Sec-Fetch-Site": "cross-site"}, valid),
        "look-alike Origin, valid token": ({"Origin": stack.url + ".evil.example"}, valid),
    }
    before = snapshot(db(stack))
    routes = [line for line in lines(world, state_changing=True) if line["path"] != "/signin"]
    sent, refused, wrong = 0, 0, []
    for line in routes:
        url = stack.url + fill(line["path"], ids)
        for name, (headers, token) in variants.items():
            form = list(PAYLOAD) + ([("_csrf", token)] if token is not None else [])
            r = s.post(url, data=form, headers=headers, allow_redirects=False, timeout=30)
            sent += 1
            if r.status_code == 403 and "This form has expired" in r.text:
                refused += 1
            else:
                wrong.append(f"{name}: POST {line['path']} → {r.status_code}")

    # The sign-in form (no session yet) carries a double-submit cookie instead of a session token.
    signin_variants = 0
    for name, cookie, token, headers in [("no cookie, no token", None, None, {}), ("cookie, no token", "c" * 43, None, {}),
                                         ("token, no cookie", None, "c" * 43, {}), ("cookie ≠ token", "c" * 43, "d" * 43, {}),
                                         ("cross-site, matching pair", "c" * 43, "c" * 43, {"Sec-Fetch-Site": "cross-site"}),
                                         ("foreign Origin, matching pair", "c" * 43, "c" * 43, {"Origin": FOREIGN})]:
        fresh = requests.Session()
        if cookie:
            fresh.cookies.set("as_signin", cookie, path="/signin")
        form = {"email": a["admin"], "password": "e2e correct horse battery", **({"_csrf": token} if token else {})}
        r = fresh.post(stack.url + "/signin", data=form, headers=headers, allow_redirects=False, timeout=30)
        sent += 1
        signin_variants += 1
        if r.status_code == 403 and "as_session" not in r.headers.get("Set-Cookie", ""):
            refused += 1
        else:
            wrong.append(f"{name}: POST /signin → {r.status_code}")

    after = snapshot(db(stack))
    # The control: the same request with the valid token, same-origin, is accepted (the matrix can fail).
    control = s.post(f"{stack.url}/canvases/{ids['draft']}/rename", data={"_csrf": valid, "name": "wsa draft renamed"},
                     headers={"Origin": stack.url, "Sec-Fetch-Site": "same-origin"}, allow_redirects=False, timeout=10)
    record("csrf", {"state_changing_routes": len(routes) + 1, "variants_per_route": len(variants), "requests": sent, "refused_403": refused,
                    "refused_share": round(refused / sent, 4), "tables_changed_by_refused_requests": changed_tables(before, after)})
    assert not wrong, wrong[:20]
    assert before == after, changed_tables(before, after)
    assert control.status_code == 303, control.text[:500]


def test_no_get_writes_to_the_database_signed_in_crawl(stack, world):
    a = world["A"]
    s = a["session"]
    ids = dict(a["ids"])
    con = sqlite3.connect(f"file:{db(stack)}?mode=ro", uri=True)
    version = con.execute("PRAGMA data_version").fetchone()[0]
    before = snapshot(db(stack))
    seen, queue = set(), []
    for line in lines(world, state_changing=False, api=False):
        if line["method"] == "GET":
            queue.append(fill(line["path"], ids))
    for step_route in (f"/canvases/{ids['draft']}/steps/{ids['delay']}",):
        queue.append(step_route)
    statuses = {}
    while queue and len(seen) < 400:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        r = s.get(stack.url + path, allow_redirects=False, timeout=30)
        statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
        assert r.status_code < 500, f"GET {path} → {r.status_code}"
        if "text/html" in r.headers.get("Content-Type", ""):
            for href in re.findall(r'href="([^"#]+)"', r.text):
                href = href.replace("&amp;", "&")
                parsed = urllib.parse.urlparse(href)
                if not parsed.netloc and href.startswith("/") and not href.startswith("/static/"):
                    queue.append(href)
    api = requests.get(stack.url + "/api/v1/canvas/data_summary", params={"canvas_id": ids["canvas"]},
                       headers={"Authorization": "Bearer " + a["key"]}, timeout=10)
    assert api.status_code == 200
    after = snapshot(db(stack))
    changed_version = con.execute("PRAGMA data_version").fetchone()[0] != version
    con.close()
    record("get_writes", {"get_pages_crawled": len(seen) + 1, "statuses": {str(k): v for k, v in sorted(statuses.items())},
                          "tables_changed": changed_tables(before, after), "data_version_changed": changed_version})
    assert before == after, f"GET requests wrote to: {changed_tables(before, after)}"
    assert not changed_version


def test_rest_api_refuses_cookie_auth_and_keys_outside_the_header(stack, world):
    a = world["A"]
    s = a["session"]        # carries the dashboard session cookie
    token = csrf(s, stack.url + "/canvases")
    bodies = {"/api/v1/users/track": {"attributes": [{"external_id": "cookie-user", "email": "cookie@example.com"}]},
              "/api/v1/users/delete": {"external_ids": [a["users"][0]["external_user_id"]]},
              "/api/v1/canvas/trigger/send": {"canvas_id": a["ids"]["canvas"], "recipients": [{"external_user_id": "cookie-user"}]}}
    before = snapshot(db(stack), skip=("session",))
    attempts, refused, wrong = 0, 0, []
    for line in lines(world, api=True):
        path = line["path"]
        params = {"canvas_id": a["ids"]["canvas"]} if line["method"] == "GET" else {}
        tries = [("session cookie", s, {}, params), ("session cookie + CSRF header", s, {"X-CSRF-Token": token}, params),
                 ("key in query", requests, {}, {**params, "api_key": a["key"]}),
                 ("key in query as access_token", requests, {}, {**params, "access_token": a["key"]}),
                 ("key as cookie", requests, {"Cookie": f"api_key={a['key']}"}, params),
                 ("key without Bearer", requests, {"Authorization": a["key"]}, params),
                 ("key as Basic", requests, {"Authorization": "Basic " + a["key"]}, params)]
        for name, client, headers, query in tries:
            r = client.request(line["method"], stack.url + path, params=query, json=bodies.get(path), headers=headers, timeout=10)
            attempts += 1
            if r.status_code == 401:
                refused += 1
            else:
                wrong.append(f"{name}: {line['method']} {path} → {r.status_code}")
    after = snapshot(db(stack), skip=("session",))
    control = requests.get(stack.url + "/api/v1/canvas/data_summary", params={"canvas_id": a["ids"]["canvas"]},
                           headers={"Authorization": "Bearer " + a["key"]}, timeout=10)
    record("api_auth", {"api_routes": len(list(lines(world, api=True))), "attempts_without_header_key": attempts, "refused_401": refused,
                        "tables_changed": changed_tables(before, after)})
    assert not wrong, wrong
    assert before == after
    assert control.status_code == 200


def test_workspace_isolation_every_id_route_and_api_endpoint(stack, world):
    a, b = world["A"], world["B"]
    s = a["session"]
    token = csrf(s, stack.url + "/canvases")
    ai, bi = a["ids"], b["ids"]
    # B's ids in every placeholder, and mixes of A's parent with B's child (and B's parent with A's child).
    id_sets = [
        {**bi},
        {**bi, "canvas": bi["draft"], "step": bi["delay"]},
        {**ai, "step": bi["step"], "export": bi["export"]},
        {**bi, "step": ai["step"], "export": ai["export"]},
    ]
    before = snapshot(db(stack), skip=("session",))
    sent, not_found, successes, wrong = 0, 0, [], []
    tried = set()
    for line in world["routes"]:
        if not line["parameters"] or line["access"] == "apiKey":
            continue
        for ids in id_sets:
            if all(ids[p] == ai[p] for p in line["parameters"]):
                continue        # only A's own ids: not an attack
            path = fill(line["path"], ids)
            if (line["method"], path) in tried:
                continue
            tried.add((line["method"], path))
            if line["method"] == "GET":
                r = s.get(stack.url + path, allow_redirects=False, timeout=30)
            else:
                r = s.post(stack.url + path, data=[("_csrf", token)] + PAYLOAD, allow_redirects=False, timeout=30)
            sent += 1
            if r.status_code == 404:
                not_found += 1
            else:
                wrong.append(f"{line['method']} {path} → {r.status_code}")
                if r.status_code < 400:
                    successes.append(f"{line['method']} {path}")
    # The REST API with A's key against B's canvases.
    key = {"Authorization": "Bearer " + a["key"]}
    for canvas in (bi["canvas"], bi["draft"]):
        for method, path, kwargs in [("GET", "/api/v1/canvas/data_summary", {"params": {"canvas_id": canvas}}),
                                     ("POST", "/api/v1/canvas/trigger/send",
                                      {"json": {"canvas_id": canvas, "recipients": [{"external_user_id": b["users"][0]["external_user_id"]}]}})]:
            r = requests.request(method, stack.url + path, headers=key, timeout=10, **kwargs)
            sent += 1
            if r.status_code == 404:
                not_found += 1
            else:
                wrong.append(f"API {method} {path} canvas {canvas} → {r.status_code}")
                if r.status_code < 400:
                    successes.append(f"API {method} {path} {canvas}")
    wait_until_quiet(stack)
    after = snapshot(db(stack), skip=("session",))

    # Profiles are addressed by the workspace's own external ids: A deleting or tracking B's ids touches only A.
    def b_profiles():
        with sqlite3.connect(f"file:{db(stack)}?mode=ro", uri=True) as con:
            return con.execute("SELECT * FROM profile WHERE workspace_id = (SELECT workspace_id FROM dashboard_user WHERE email = ?) "
                               "ORDER BY id", (b["admin"],)).fetchall()
    profiles_before = b_profiles()
    b_ids = [u["external_user_id"] for u in b["users"]]
    deleted = requests.post(stack.url + "/api/v1/users/delete", json={"external_ids": b_ids}, headers=key, timeout=10)
    tracked = requests.post(stack.url + "/api/v1/users/track", json={"attributes": [{"external_id": x, "plan": "hijacked"} for x in b_ids]},
                            headers=key, timeout=10)
    sent += 2
    if deleted.json().get("deleted", 0) != 0:
        successes.append("API users/delete deleted B's profiles")
    profiles_after = b_profiles()

    b_summary = requests.get(stack.url + "/api/v1/canvas/data_summary", params={"canvas_id": bi["canvas"]},
                             headers={"Authorization": "Bearer " + b["key"]}, timeout=10)
    record("isolation", {"objects_per_workspace": sorted(bi), "requests": sent, "id_routes": len({l["path"] + l["method"] for l in world["routes"]
                                                                                                 if l["parameters"]}),
                         "successes": len(successes), "answered_404": not_found, "answered_other": len(wrong),
                         "tables_changed": changed_tables(before, after), "b_profiles_unchanged": profiles_before == profiles_after})
    assert not successes, successes
    assert not wrong, wrong[:30]
    assert before == after, changed_tables(before, after)
    assert profiles_before == profiles_after and {p[2] for p in profiles_before} >= set(b_ids)
    assert deleted.status_code == 200 and tracked.status_code == 201
    assert b_summary.status_code == 200        # B still reaches its own canvas
