"""Security suite, OAuth and redirects, through nginx, the app and the sandbox's real consent pages and token endpoints:
for every connectable partner, callbacks with a missing, wrong, other-session, expired, replayed or other-partner
`state` are refused and the sandbox's request log shows no token exchange for them; a forged Host gets no answer
at all (nginx closes the connection) and a forged X-Forwarded-Host or Forwarded never changes the redirect_uri; and ≥ 200 hostile `next=` values never produce an off-site Location.

reliability.md O-1 (state), O-3 (mix-up: distinct callback per partner), O-4 (redirect_uri from the configured base URL,
no open redirector), O-5 (callback answers with Referrer-Policy: no-referrer)."""
import hashlib
import html
import itertools
import re
import secrets
import sqlite3
import urllib.parse

import pytest
import requests

from conftest import PASSWORD, Stack, csrf_of
from secsupport import flow, record, sandbox_log_seq, sandbox_log_since, start

PARTNERS = ["facebook", "google", "tiktok", "pinterest", "snapchat", "criteo", "linkedin"]
PRO = ["tiktok", "pinterest", "snapchat", "criteo", "linkedin"]


@pytest.fixture(scope="module")
def stack():
    s = Stack("sec-oauth", env={"AUDIENCESYNC_PRO_PURCHASES": "2"}).start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def admins(stack):
    """Two admins of one workspace and one of another, each signed in; the Pro partners enabled in both."""
    sessions = {}
    for name, workspace in [("one", "OAuth"), ("two", "OAuth"), ("other", "OAuth other")]:
        email = f"oauth-{name}@sec.test"
        stack.create_user(email, workspace=workspace)
        sessions[name] = stack.signed_in_session(email)
    for name in ("one", "other"):
        s = sessions[name]
        r = s.post(stack.url + "/partners/pro", data={"_csrf": csrf_of(s, stack.url + "/partners"), "partner": PRO},
                   allow_redirects=False, timeout=10)
        assert r.status_code == 303, r.text[:500]
    return sessions




def with_query(url, **changes):
    parts = urllib.parse.urlparse(url)
    query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query) if k not in changes]
    query += [(k, v) for k, v in changes.items() if v is not None]
    return parts._replace(query=urllib.parse.urlencode(query)).geturl()


def at_partner(url, partner):
    parts = urllib.parse.urlparse(url)
    return parts._replace(path=f"/oauth/callback/{partner}").geturl()


def test_state_matrix_every_partner_refused_without_token_exchange(stack, admins):
    one, two, other = admins["one"], admins["two"], admins["other"]
    db = stack.data / "audiencesync.sqlite"
    refused, attempts, exchanged, wrong = 0, 0, [], []
    per_case = {}

    def deliver(case, session, url, partner):
        nonlocal refused, attempts
        seq = sandbox_log_seq(stack)
        r = session.get(url, allow_redirects=False, timeout=30)
        calls = sandbox_log_since(stack, seq)
        attempts += 1
        per_case[case] = per_case.get(case, 0) + 1
        ok = r.status_code == 400 and "The connection was not made" in r.text and r.headers.get("Referrer-Policy") == "no-referrer"
        if case == "no session":
            ok = r.status_code == 303 and r.headers["Location"].startswith("/signin")
        if ok and not calls:
            refused += 1
        else:
            wrong.append(f"{partner} {case}: {r.status_code}")
        exchanged.extend(f"{partner} {case}: {c['method']} {c['path']}" for c in calls)

    for partner in PARTNERS:
        url, state = flow(stack, one, partner)
        deliver("missing state", one, with_query(url, state=None), partner)
        deliver("empty state", one, with_query(url, state=""), partner)
        deliver("wrong state", one, with_query(url, state=secrets.token_urlsafe(32)), partner)
        deliver("state with one character changed", one, with_query(url, state=state[:-1] + ("A" if state[-1] != "A" else "B")), partner)
        deliver("other session's state", one, flow(stack, two, partner)[0], partner)
        deliver("other workspace's state", one, flow(stack, other, partner)[0], partner)
        deliver("no session", requests.Session(), flow(stack, one, partner)[0], partner)

        # Expired: the flow's state is made 11 minutes old (the app allows 10).
        url2, state2 = flow(stack, one, partner)
        with sqlite3.connect(db, timeout=10) as con:
            changed = con.execute("UPDATE oauth_state SET created_at = created_at - 660 WHERE state_hash = ?",
                                  (hashlib.sha256(state2.encode()).hexdigest(),)).rowcount
        assert changed == 1
        deliver("expired state", one, url2, partner)

        # Replayed: the good callback connects (exactly one token exchange), the same callback again is refused.
        seq = sandbox_log_seq(stack)
        good = one.get(url, allow_redirects=False, timeout=30)
        assert good.status_code == 303 and "/accounts" in good.headers["Location"], f"{partner}: {good.status_code} {good.text[:300]}"
        tokens = [c for c in sandbox_log_since(stack, seq) if "token" in c["path"].lower()]
        assert len(tokens) >= 1, f"{partner}: the good callback made no token exchange"
        deliver("replayed state", one, url, partner)

        # Delivered to every other partner's callback (mix-up), then replayed at the right one.
        for target in PARTNERS:
            if target == partner:
                continue
            url3, _ = flow(stack, one, partner)
            deliver("other partner's callback", one, at_partner(url3, target), partner)
        deliver("right callback after the state was refused elsewhere", one, url3, partner)

    record("oauth_state", {"partners": PARTNERS, "attempts": attempts, "refused": refused, "refused_share": round(refused / attempts, 4),
                           "token_exchanges_for_refused": len(exchanged), "cases": per_case})
    assert not wrong, wrong[:20]
    assert not exchanged, exchanged[:20]


def test_forged_host_never_changes_the_redirect_uri(stack, admins):
    s = admins["one"]
    forged = [{"Host": "evil.example"}, {"X-Forwarded-Host": "evil.example"}, {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"},
              {"Forwarded": "host=evil.example;proto=https"}, {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Port": "443"},
              {"X-Original-URL": "https://evil.example/"}, {"X-Forwarded-Server": "evil.example"}]
    checked, closed, wrong = 0, 0, []
    for partner in PARTNERS:
        for headers in [{}] + forged:
            if "Host" in headers:
                # nginx serves only BASE_URL's host (N-4): a forged Host gets its connection closed with no answer.
                token = csrf_of(s, f"{stack.url}/partners/{partner}")
                cookie = "; ".join(f"{c.name}={c.value}" for c in s.cookies)
                try:
                    r = requests.post(f"{stack.url}/partners/{partner}/connect", data={"_csrf": token}, headers={**headers, "Cookie": cookie},
                                      allow_redirects=False, timeout=10)
                    wrong.append(f"{partner} {headers}: answered {r.status_code} {r.headers.get('Location')}")
                except requests.exceptions.ConnectionError:
                    closed += 1
                continue
            location = start(stack, s, partner, headers)
            query = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(location).query))
            redirect = query.get("redirect_uri")
            checked += 1
            if redirect != f"{stack.url}/oauth/callback/{partner}" or "evil" in location or not location.startswith(stack.sandbox_url):
                wrong.append(f"{partner} {headers}: {redirect}")
    host_sets = sum("Host" in h for h in forged)
    record("oauth_redirect_uri", {"authorization_urls_checked": checked, "forged_header_sets": len(forged), "changed_by_forged_headers": len(wrong),
                                  "forged_host_connections_closed": closed})
    assert closed == host_sets * len(PARTNERS), closed
    assert not wrong, wrong


HOSTILE_BASES = [
    "https://evil.example", "http://evil.example/partners", "//evil.example", "///evil.example", "////evil.example/x", "/\\evil.example",
    "\\\\evil.example", "\\/evil.example", "/\\/evil.example", "/%5Cevil.example", "/%2F/evil.example", "%2F%2Fevil.example",
    "javascript:alert(1)", "JaVaScRiPt:alert(document.domain)", "java\tscript:alert(1)", "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)", "evil.example", "@evil.example", "/@evil.example", "//evil.example@127.0.0.1", "http://127.0.0.1@evil.example",
    "https:evil.example", "http:/evil.example", "http:\\\\evil.example", "/partners@evil.example", "/partners:@evil.example",
    "/%0d%0aLocation:%20http://evil.example", "/partners\r\nLocation: http://evil.example", "/\u3002evil.example", "/\u2215\u2215evil.example",
    "/\uff0f\uff0fevil.example", "/%E3%80%82evil.example", "/.evil.example", "/..//evil.example", "/partners/..//evil.example",
    "/canvases/../../evil.example", "/%09/evil.example", "/ /evil.example", "\x00//evil.example",
]


def hostile_values():
    transforms = [lambda v: v, lambda v: urllib.parse.quote(v, safe=""), lambda v: urllib.parse.quote(urllib.parse.quote(v, safe=""), safe=""),
                  lambda v: " " + v, lambda v: "\t" + v, lambda v: "\r\n" + v, lambda v: v.upper(), lambda v: v + "#/partners"]
    values = []
    for base, transform in itertools.product(HOSTILE_BASES, transforms):
        value = transform(base)
        if value not in values:
            values.append(value)
    return values


def off_site(base, location):
    """Whether a browser following `location` from `base` would leave the site (WHATWG-like: control characters and
    surrounding spaces dropped, backslashes read as slashes)."""
    if not location:
        return False
    cleaned = "".join(ch for ch in location.strip(" \t\r\n\f\x00") if ch not in "\t\r\n").replace("\\", "/")
    target = urllib.parse.urlparse(urllib.parse.urljoin(base + "/", cleaned))
    return target.scheme not in ("http", "https") or target.netloc != urllib.parse.urlparse(base).netloc or cleaned.startswith("//")


def test_no_open_redirect_on_sign_in_and_every_redirecting_route(stack, admins):
    values = hostile_values()
    assert len(values) >= 200
    signed_in = admins["one"]
    email = "oauth-one@sec.test"
    redirects, offsite, statuses = 0, [], {}

    def check(where, r):
        nonlocal redirects
        statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
        location = r.headers.get("Location", "")
        if location:
            redirects += 1
            if off_site(stack.url, location) or not location.startswith("/") or location.startswith("//"):
                offsite.append(f"{where}: {location!r}")

    for value in values:
        # Already signed in: /signin?next= forwards at once.
        check(f"GET /signin?next={value!r} signed in", signed_in.get(stack.url + "/signin", params={"next": value}, allow_redirects=False, timeout=10))
        # Signed out: the form carries next; it must come back as a local path only.
        page = requests.get(stack.url + "/signin", params={"next": value}, timeout=10)
        hidden = re.search(r'name="next" value="([^"]*)"', page.text)
        if hidden and off_site(stack.url, html.unescape(hidden.group(1))):
            offsite.append(f"rendered next for {value!r}: {hidden.group(1)!r}")
        # Unauthenticated requests bounce to the sign-in page with their own path as next.
        check(f"GET /canvases?next={value!r} signed out", requests.get(stack.url + "/canvases", params={"next": value, "return_to": value},
                                                                        allow_redirects=False, timeout=10))
        check(f"GET /?next={value!r}", requests.get(stack.url + "/", params={"next": value}, allow_redirects=False, timeout=10))
    # Signing in with a hostile next (each is a real sign-in: a fresh session per payload; a sample keeps it quick).
    for value in values[::4]:
        s = requests.Session()
        token = re.search(r'name="_csrf" value="([^"]+)"', s.get(stack.url + "/signin", timeout=10).text).group(1)
        check(f"POST /signin next={value!r}", s.post(stack.url + "/signin", data={"_csrf": token, "email": email, "password": PASSWORD, "next": value},
                                                      allow_redirects=False, timeout=10))
    # Hostile paths: nginx and the router must not turn them into off-site redirects either.
    for path in ["//evil.example", "//evil.example/%2e%2e", "/\\evil.example", "/%5Cevil.example", "/%2F%2Fevil.example", "/signin/..//evil.example",
                 "/.//evil.example", "/static//evil.example", "/static/..%2F..%2Fevil.example", "/oauth/callback/facebook//evil.example"]:
        with requests.Session() as raw:
            request = requests.Request("GET", stack.url + "/").prepare()
            request.url = stack.url + path
            check(f"GET {path}", raw.send(request, allow_redirects=False, timeout=10))
    record("open_redirect", {"hostile_values": len(values), "requests": sum(statuses.values()), "redirects_seen": redirects,
                             "off_site_locations": len(offsite), "statuses": {str(k): v for k, v in sorted(statuses.items())}})
    assert not offsite, offsite[:20]
