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
