"""Braze's own clients work unchanged (issue 16): the third-party PyPI `braze-client` 2.3.3, pointed at
`<base>/api/v1`, against the real stack (nginx, FastCGI app, SQLite).

What that client expects, read from its source (braze/client.py): every answer's JSON has `message`, and anything
but `"success"` raises `BrazeClientError(message, errors)`; a 429 raises `BrazeRateLimitError` with the time read from
`X-RateLimit-Reset` (Unix seconds), retried only when that is under 1.25 s away; a 5xx raises
`BrazeInternalServerError`. So: a request with some invalid objects must answer "success" with an `errors` array and
store the valid users; events and purchases must be stored, not just acknowledged; delete must work; a rate-limited
key must surface as the client's own rate-limit error, not a `KeyError`."""
import re
import sqlite3
import time

import pytest
from braze.client import BrazeClient, BrazeClientError, BrazeRateLimitError

from conftest import Stack, csrf_of

RATE, BURST = 2, 10


@pytest.fixture(scope="module")
def stack():
    s = Stack("braze", env={"AUDIENCESYNC_API_RATE_PER_SECOND": str(RATE), "AUDIENCESYNC_API_BURST": str(BURST)}).start()
    yield s
    s.stop()


def client(stack, name):
    """A Braze client with a fresh API key of a workspace of its own (each key has its own rate-limit bucket)."""
    email = f"{name}@braze.test"
    stack.create_user(email, workspace=f"Braze {name}")
    session = stack.signed_in_session(email)
    page = session.post(stack.url + "/settings/api-keys", timeout=10,
                        data={"_csrf": csrf_of(session, stack.url + "/settings/api-keys"), "name": "braze-client"}).text
    key = re.search(r'id="new-key-value">([^<]+)<', page).group(1)
    return BrazeClient(api_key=key, api_url=stack.url + "/api/v1")


def query(stack, sql, *args):
    db = sqlite3.connect(f"file:{stack.data}/audiencesync.sqlite?mode=ro", uri=True)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def attributes(stack, external_id):
    rows = query(stack, "SELECT attributes FROM profile WHERE external_id = ?", external_id)
    import json
    return json.loads(rows[0][0]) if rows else None


def test_track_with_some_invalid_objects_returns_success_with_errors_and_stores_every_valid_user(stack):
    braze = client(stack, "track")
    answer = braze.user_track(attributes=[
        {"external_id": "bz-1", "email": " Mary@Example.COM ", "gender": "female", "country": "U.S.", "ads_tracking_enabled": "no"},
        {"external_id": "bz-2", "email": "not-an-email", "country": "Deutschland", "plan": "gold"},
        {"email": "no-id@example.com"},
    ])
    assert answer["message"] == "success" and answer["status_code"] == 201
    assert answer["success"] is False   # the client's own flag: processed, with errors to look at
    fields = {(e["index"], e["field"]) for e in answer["errors"]}
    assert fields == {(1, "email"), (2, "external_id")}
    assert answer["accepted"] == 2 and answer["rejected"] == 1
    assert attributes(stack, "bz-1") == {"email": "mary@example.com", "gender": "F", "country": "US", "ads_tracking_enabled": False}
    assert attributes(stack, "bz-2") == {"country": "DE", "plan": "gold"}   # stored without the bad email


def test_events_and_purchases_are_stored_on_the_profile(stack):
    braze = client(stack, "events")
    answer = braze.user_track(
        attributes=[{"external_id": "bz-ev", "email": "ev@example.com"}],
        events=[{"external_id": "bz-ev", "name": "viewed_pricing", "time": "2026-12-07T09:30:00Z", "properties": {"plan": "gold"}},
                {"external_id": "bz-ev", "name": "no time"}],
        purchases=[{"external_id": "bz-ev", "product_id": "gold-annual", "currency": "usd", "price": 99.5, "quantity": 2,
                    "time": "2026-12-07T09:35:00Z"}])
    assert answer["message"] == "success"
    assert answer["events_processed"] == 1 and answer["purchases_processed"] == 1
    assert [(e["input_array"], e["field"]) for e in answer["errors"]] == [("events", "events[1].time")]
    events = query(stack, "SELECT e.name, e.time, e.properties FROM profile_event e JOIN profile p ON p.id = e.profile_id "
                          "WHERE p.external_id = 'bz-ev'")
    assert events == [("viewed_pricing", 1796635800.0, '{"plan":"gold"}')]
    purchases = query(stack, "SELECT b.product_id, b.price, b.currency, b.quantity FROM profile_purchase b "
                             "JOIN profile p ON p.id = b.profile_id WHERE p.external_id = 'bz-ev'")
    assert purchases == [("gold-annual", 99.5, "USD", 2)]


def test_delete_removes_the_profile_and_its_events(stack):
    braze = client(stack, "delete")
    braze.user_track(events=[{"external_id": "bz-del", "name": "opened", "time": "2026-12-07T09:30:00Z"}])
    assert attributes(stack, "bz-del") == {}
    answer = braze.user_delete(external_ids=["bz-del"])
    assert answer["message"] == "success" and answer["deleted"] == 1
    assert attributes(stack, "bz-del") is None
    assert query(stack, "SELECT count(*) FROM profile_event WHERE name = 'opened'") == [(0,)]


def test_a_fatal_error_raises_the_clients_own_error_with_the_message(stack):
    braze = client(stack, "fatal")
    with pytest.raises(BrazeClientError) as raised:
        braze.user_track(attributes=[{"email": "no-id@example.com"}])
    message, errors = raised.value.args
    assert message.startswith("Nothing was stored") and errors[0]["field"] == "external_id"


def test_a_rate_limited_key_raises_the_clients_rate_limit_error(stack):
    braze = client(stack, "limited")
    answer = braze.user_track(attributes=[{"external_id": "bz-rl-0"}])
    assert answer["message"] == "success"
    with pytest.raises(BrazeRateLimitError) as raised:
        for k in range(1, 4 * BURST):
            braze.user_track(attributes=[{"external_id": f"bz-rl-{k}"}])
    # The client raised rather than wait: the bucket is full again only after BURST / RATE seconds.
    assert raised.value.reset_epoch_s >= time.time() + 1.25
    assert raised.value.reset_epoch_s <= time.time() + BURST / RATE + 2
    stored = query(stack, "SELECT count(*) FROM profile WHERE external_id LIKE 'bz-rl-%'")[0][0]
    assert BURST <= stored <= BURST + 2   # the burst, plus what refilled while it was sent; nothing refused was stored


def test_every_answer_carries_the_rate_limit_headers(stack):
    import requests
    braze = client(stack, "headers")
    r = requests.post(stack.url + "/api/v1/users/track", timeout=10, headers={"Authorization": "Bearer " + braze.api_key},
                      json={"attributes": [{"external_id": "bz-h"}]})
    assert r.status_code == 201
    assert r.headers["X-RateLimit-Limit"] == str(BURST) and r.headers["X-RateLimit-Remaining"] == str(BURST - 1)
    assert time.time() - 1 <= int(r.headers["X-RateLimit-Reset"]) <= time.time() + BURST / RATE + 1
    bad = requests.post(stack.url + "/api/v1/users/delete", timeout=10, headers={"Authorization": "Bearer " + braze.api_key},
                        json={"external_ids": []})
    assert bad.status_code == 400 and "X-RateLimit-Remaining" in bad.headers and bad.json()["message"]
