"""Security suite, sign-in through nginx: the per-account and per-address throttles (each client really comes from
its own loopback address; a spoofed X-Forwarded-For changes nothing), and no user enumeration — the same status and
page for an unknown account as for a wrong password, and a p50 time difference under 10 ms.

reliability.md A-6 (≤ 100 evaluated failures per account per hour, per-IP limit, no enumeration), N-6 (the client
address is nginx's, not a header's)."""
import re
import secrets
import statistics
import time

import pytest

from conftest import PASSWORD, Stack
from secsupport import address, record, session_from

TRIES = 40


@pytest.fixture(scope="module")
def stack():
    s = Stack("sec-signin").start()
    yield s
    s.stop()


class Counter:
    """Hands out loopback addresses never used before in this stack."""

    def __init__(self):
        self.n = 0

    def next(self):
        self.n += 1
        return address(self.n)


@pytest.fixture(scope="module")
def addresses():
    return Counter()


def attempt(stack, source, email, password, headers=None):
    """One sign-in through the real form from `source`: (status, body, seconds the POST took)."""
    s = session_from(source)
    token = re.search(r'name="_csrf" value="([^"]+)"', s.get(stack.url + "/signin", timeout=10).text).group(1)
    started = time.perf_counter()
    r = s.post(stack.url + "/signin", data={"_csrf": token, "email": email, "password": password}, headers=headers or {},
               allow_redirects=False, timeout=30)
    return r.status_code, r.text, time.perf_counter() - started


def test_per_account_throttle_holds_whatever_the_address(stack, addresses):
    victim = "victim@sec.test"
    stack.create_user(victim)
    evaluated, locked_at = 0, None
    for i in range(100):
        status, _, _ = attempt(stack, addresses.next(), victim, f"wrong {i}")
        assert status == 401
        if locked_at is None:
            evaluated += 1
            # The right password from yet another address: still accepted until the account locks.
            if attempt(stack, addresses.next(), victim, PASSWORD)[0] != 303:
                locked_at = i + 1
    final = attempt(stack, addresses.next(), victim, PASSWORD)[0]
    record("sign_in_throttle_account", {"wrong_passwords_sent": 100, "addresses_used": addresses.n, "evaluated_before_lock": evaluated,
                                        "locked_after_failures": locked_at, "right_password_after_100": final,
                                        "window_minutes": 15, "evaluated_per_hour_at_most": evaluated * 4})
    assert locked_at is not None and evaluated * 4 <= 100
    assert final == 401


def test_per_address_throttle_ignores_forwarded_headers(stack, addresses):
    owner = "owner@sec.test"
    stack.create_user(owner)
    source = addresses.next()
    locked_at = None
    for i in range(60):
        spoof = {"X-Forwarded-For": f"10.0.{i}.1", "X-Real-IP": f"10.1.{i}.1", "Forwarded": f"for=10.2.{i}.1"}
        status, _, _ = attempt(stack, source, f"nobody{i}-{secrets.token_hex(4)}@sec.test", "wrong", headers=spoof)
        assert status == 401
        if attempt(stack, source, owner, PASSWORD, headers=spoof)[0] != 303:
            locked_at = i + 1
            break
    elsewhere = attempt(stack, addresses.next(), owner, PASSWORD)[0]
    record("sign_in_throttle_address", {"locked_after_failures_from_one_address": locked_at, "spoofed_forwarding_headers": 3,
                                        "same_account_from_another_address": elsewhere})
    assert locked_at is not None and locked_at <= 30
    assert elsewhere == 303


def test_no_user_enumeration_by_status_page_or_time(stack, addresses):
    accounts = [f"known{i}@sec.test" for i in range(8)]          # 5 wrong passwords each: under the account limit
    for email in accounts:
        stack.create_user(email)
    attempt(stack, addresses.next(), accounts[0], "warm-up")        # first argon2 run warms the process
    known, unknown = [], []
    for i in range(TRIES):
        for kind in (("known", "unknown") if i % 2 == 0 else ("unknown", "known")):
            email = accounts[i % len(accounts)] if kind == "known" else f"ghost{i}-{secrets.token_hex(3)}@sec.test"
            status, body, seconds = attempt(stack, addresses.next(), email, f"wrong password {i}")
            page = re.sub(r'value="[^"]*"', 'value=""', body)
            (known if kind == "known" else unknown).append((status, page, seconds))
    statuses = {s for s, _, _ in known + unknown}
    pages = {p for _, p, _ in known + unknown}
    p50_known = statistics.median(t for _, _, t in known) * 1000
    p50_unknown = statistics.median(t for _, _, t in unknown) * 1000
    record("sign_in_enumeration", {"tries_each": TRIES, "statuses": sorted(statuses), "distinct_pages": len(pages),
                                   "p50_ms_wrong_password": round(p50_known, 1), "p50_ms_unknown_account": round(p50_unknown, 1),
                                   "p50_difference_ms": round(abs(p50_known - p50_unknown), 1)})
    assert statuses == {401}
    assert len(pages) == 1
    assert abs(p50_known - p50_unknown) < 10


def test_every_stored_password_is_argon2id_at_owasp_strength_and_sign_in_stays_fast(stack, addresses):
    """A-5: every password hash in the database file parses as `$argon2id$v=19$m=…,t=…,p=…$salt$hash` with at least
    OWASP's m=19 MiB, t=2, p=1, a 16-byte salt of its own and a 32-byte hash; successful sign-ins at 10 a second
    from distinct addresses keep a p50 under 500 ms."""
    import base64
    import concurrent.futures
    import sqlite3

    for i in range(5):
        stack.create_user(f"strength{i}@sec.test")
    db = sqlite3.connect(f"file:{stack.data}/audiencesync.sqlite?mode=ro", uri=True)
    hashes = [row[0] for row in db.execute("SELECT password_hash FROM dashboard_user")]
    db.close()
    pattern = re.compile(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$")
    decode = lambda text: base64.b64decode(text + "=" * (-len(text) % 4))
    parsed = [pattern.match(h) for h in hashes]
    assert hashes and all(parsed), [h[:30] for h, p in zip(hashes, parsed) if not p]
    params = {(int(p[1]), int(p[2]), int(p[3])) for p in parsed}
    salts = [decode(p[4]) for p in parsed]
    assert all(m >= 19456 and t >= 2 and p >= 1 for m, t, p in params), params
    assert all(len(s) >= 16 for s in salts) and len(set(salts)) == len(salts)
    assert all(len(decode(p[5])) >= 32 for p in parsed)

    def sign_in(k):
        time.sleep(max(0.0, started + k / 10 - time.monotonic()))      # 10 a second, on schedule
        status, _, seconds = attempt(stack, addresses.next(), f"strength{k % 5}@sec.test", PASSWORD)
        return status, seconds

    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(sign_in, range(50)))
    p50 = statistics.median(s for _, s in results) * 1000
    record("password_hashing", {"users": len(hashes), "parameters": sorted(params), "salt_bytes": min(len(s) for s in salts),
                                "sign_ins": len(results), "rate_per_second": 10, "sign_in_p50_ms": round(p50, 1),
                                "sign_in_p99_ms": round(max(s for _, s in results) * 1000, 1)})
    assert all(status == 303 for status, _ in results), results
    assert p50 < 500
