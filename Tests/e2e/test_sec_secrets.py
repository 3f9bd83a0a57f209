"""Security suite, secrets: canary values — client secrets set by environment, a user's password, an API key, a
partner token pasted in the dashboard and every token the sandbox issued (OAuth access and refresh tokens of all
seven partners) — appear 0 times in the database file, its -wal, the app's log, nginx's access and error logs, and
every page the dashboard renders (crawled signed in), after connecting, syncing, checking connections and a partner
error whose message carries the token.

The log files are also searched for what may sit in the database but never in a log: session cookies,
appsecret_proof values, and the synced customers' emails and their SHA-256 hashes.

reliability.md O-7 (secrets never reach templates, logs or error pages), O-9 (tokens sealed at rest), A-11 (no
secrets in logs), A-13 (partner error payloads shown without tokens), A-8 (API keys stored hashed)."""
import hashlib
import re
import secrets
import sqlite3
import subprocess
import time
import urllib.parse

import pytest
import requests

from conftest import BIN, ROOT, Stack, csrf_of, launched_canvas
from secsupport import crawl, flow, get_paths, record, route_table

PARTNERS = ["facebook", "google", "tiktok", "pinterest", "snapchat", "criteo", "linkedin"]
PRO = ["tiktok", "pinterest", "snapchat", "criteo", "linkedin"]
CLIENT_SECRETS = {p: f"canary-client-secret-{p}-{secrets.token_hex(12)}" for p in PARTNERS}
USER_PASSWORD = "canary password " + secrets.token_hex(12)
EMAIL = "secrets@sec.test"


@pytest.fixture(scope="module")
def stack():
    env = {"AUDIENCESYNC_PRO_PURCHASES": "2", **{f"AUDIENCESYNC_{p.upper()}_CLIENT_SECRET": v for p, v in CLIENT_SECRETS.items()}}
    s = Stack("sec-secrets", env=env).start()
    yield s
    s.stop()


def sign_in(stack, email, password):
    s = requests.Session()
    token = re.search(r'name="_csrf" value="([^"]+)"', s.get(stack.url + "/signin", timeout=10).text).group(1)
    r = s.post(stack.url + "/signin", data={"_csrf": token, "email": email, "password": password}, allow_redirects=False, timeout=10)
    assert r.status_code == 303, r.text[:300]
    return s


def sandbox_tokens(stack):
    """Every token value the sandbox has issued (access and refresh, all partners), from its own database."""
    con = sqlite3.connect(f"file:{stack.data / 'sandbox.sqlite'}?mode=ro", uri=True)
    values = set()
    try:
        for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type='table' AND name LIKE '%token%'"):
            columns = [c[1] for c in con.execute(f'PRAGMA table_info("{table}")')]
            for column in columns:
                if "token" in column or column in ("value", "access", "refresh"):
                    for (value,) in con.execute(f'SELECT "{column}" FROM "{table}"'):
                        if isinstance(value, str) and len(value) >= 16:
                            values.add(value)
    finally:
        con.close()
    return values


def test_canaries_never_leave_their_place(stack):
    subprocess.run([str(BIN), "admin", "create-user", "--workspace", "Secrets", "--email", EMAIL, "--password-stdin", "--role", "admin"],
                   input=USER_PASSWORD + "\n", text=True, check=True, env=stack.env, cwd=ROOT, stdout=subprocess.DEVNULL)
    s = sign_in(stack, EMAIL, USER_PASSWORD)
    url = stack.url
    r = s.post(url + "/partners/pro", data={"_csrf": csrf_of(s, url + "/partners"), "partner": PRO}, allow_redirects=False, timeout=10)
    assert r.status_code == 303
    # Every partner connected through its OAuth flow (client secrets used at each token endpoint), accounts picked, checked.
    for partner in PARTNERS:
        callback, _ = flow(stack, s, partner)
        r = s.get(callback, allow_redirects=False, timeout=30)
        assert r.status_code == 303, f"{partner}: {r.status_code} {r.text[:300]}"
        page = s.get(f"{url}/partners/{partner}/accounts", timeout=30).text
        account = re.search(r'name="account" value="([^"]+)"', page).group(1)
        s.post(f"{url}/partners/{partner}/accounts", data={"_csrf": csrf_of(s, f"{url}/partners/{partner}/accounts"), "account": account}, timeout=30)
        s.post(f"{url}/partners/{partner}/check", data={"_csrf": csrf_of(s, f"{url}/partners/{partner}")}, timeout=30)

    # Another workspace pastes a Facebook system-user token and syncs users with it through the REST API.
    key, canvas = launched_canvas(stack, "sync@sec.test", "Canary audience")
    users = [{"external_user_id": f"c{i}", "attributes": {"email": f"canary{i}@example.com"}} for i in range(20)]
    r = requests.post(url + "/api/v1/canvas/trigger/send", json={"canvas_id": int(canvas), "recipients": users},
                      headers={"Authorization": "Bearer " + key}, timeout=30)
    assert r.status_code == 201, r.text
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        summary = requests.get(url + "/api/v1/canvas/data_summary", params={"canvas_id": canvas}, headers={"Authorization": "Bearer " + key},
                               timeout=10).json()
        if summary["steps"][0]["synced"] == len(users):
            break
        time.sleep(0.5)
    assert summary["steps"][0]["synced"] == len(users), summary

    # A partner error whose message carries the token: the dashboard must show the error without it.
    tokens = sandbox_tokens(stack)
    facebook_tokens = sorted(tokens)
    error = {"message": "Invalid OAuth access token: " + " ".join(facebook_tokens[:20]), "type": "OAuthException", "code": 100}
    requests.post(stack.sandbox_url + "/_sandbox/faults", json={"partner": "facebook", "share": 1.0, "count": 3, "status": 400, "error": error},
                  timeout=10).raise_for_status()
    sync = requests.Session()
    sync.cookies.update(s.cookies)
    sync_session = stack.signed_in_session("sync@sec.test")
    checked = sync_session.post(url + "/partners/facebook/check", data={"_csrf": csrf_of(sync_session, url + "/partners/facebook")}, timeout=30)
    requests.delete(stack.sandbox_url + "/_sandbox/faults", timeout=10)

    # The crawl: every GET route of both workspaces, and the links on their pages.
    routes = route_table()
    ids = {"canvas": canvas, "step": 1, "segment": 1, "export": 1, "import": 1, "account": 1, "key": 1, "recipient": 1}
    pages = {}
    for session in (s, sync_session):
        pages.update({f"{id(session)}{p}": r for p, r in crawl(url, session, get_paths(routes, ids)).items()})
    pages["check after partner error"] = checked
    pages["api summary"] = requests.get(url + "/api/v1/canvas/data_summary", params={"canvas_id": canvas},
                                        headers={"Authorization": "Bearer " + key}, timeout=10)

    canaries = {"client secret": list(CLIENT_SECRETS.values()), "user password": [USER_PASSWORD], "API key": [key],
                "partner tokens issued by the sandbox": sorted(tokens)}
    assert len(tokens) >= len(PARTNERS) + 1
    files = [stack.data / "audiencesync.sqlite", stack.data / "audiencesync.sqlite-wal", stack.data / "logs" / "app.log",
             stack.data / "logs" / "nginx.log", stack.data / "nginx" / "logs" / "access.log", stack.data / "nginx" / "logs" / "error.log"]
    files = [f for f in files if f.exists()]
    blobs = {str(f.relative_to(stack.data)): f.read_bytes() for f in files}
    blobs.update({f"page {p}": r.content + str(r.headers).encode() for p, r in pages.items()})
    hits = []
    for kind, values in canaries.items():
        for value in values:
            forms = {value.encode(), urllib.parse.quote(value, safe="").encode(), urllib.parse.quote_plus(value).encode()}
            for where, blob in blobs.items():
                if any(form in blob for form in forms):
                    hits.append(f"{kind} in {where}")
    # Values that belong in the database but never in a log: session cookies, appsecret_proof values, and the
    # customers' emails with their SHA-256 hashes, as sent to the partner.
    con = sqlite3.connect(f"file:{stack.data / 'sandbox.sqlite'}?mode=ro", uri=True)
    proofs = {m for (q,) in con.execute("SELECT query_json FROM sandbox_requests WHERE query_json LIKE '%appsecret_proof%'")
              for m in re.findall(r'"appsecret_proof"\s*:\s*"([0-9a-f]{64})"', q or "")}
    con.close()
    emails = [u["attributes"]["email"] for u in users]
    log_canaries = {"session cookies": sorted({v for jar in (s.cookies, sync_session.cookies) for k, v in jar.items() if "session" in k}),
                    "appsecret_proof": sorted(proofs), "customer emails": emails,
                    "customer email hashes": [hashlib.sha256(e.encode()).hexdigest() for e in emails]}
    logs = {where: blob for where, blob in blobs.items() if where.startswith("logs/") or where.startswith("nginx/logs/")}
    assert logs and log_canaries["session cookies"] and log_canaries["appsecret_proof"]
    for kind, values in log_canaries.items():
        for value in values:
            for where, blob in logs.items():
                if value.encode() in blob or urllib.parse.quote_plus(value).encode() in blob:
                    hits.append(f"{kind} in {where}")
    record("secrets", {"log_canaries": {k: len(v) for k, v in log_canaries.items()}, "logs_scanned": sorted(logs)})
    record("secrets", {"canaries": {k: len(v) for k, v in canaries.items()}, "files_scanned": sorted(str(f.relative_to(stack.data)) for f in files),
                       "bytes_scanned": sum(len(b) for b in blobs.values()), "pages_scanned": len(pages), "hits": len(hits)})
    # Controls: the secrets really travelled (the partner's side logged them), and the partner error really showed.
    partner_side = b"".join(f.read_bytes() for f in stack.data.glob("sandbox.sqlite*"))
    travelled = sum(any(form in partner_side for form in (v.encode(), urllib.parse.quote_plus(v).encode())) for v in CLIENT_SECRETS.values())
    record("secrets", {"client_secrets_seen_by_the_partner": travelled, "partner_error_status": checked.status_code})
    assert travelled >= len(CLIENT_SECRETS) - 2      # partners authenticating with HTTP Basic keep it out of the log
    assert "Invalid OAuth access token" in checked.text, re.findall(r'<p class="error"[^>]*>(.*?)</p>', checked.text)
    assert not hits, sorted(set(hits))[:20]
