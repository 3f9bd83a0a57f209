"""Per-key rate limit of the REST API through nginx, in real time (reliability.md A-8, N-9 for the ingest API).

A stack whose keys may send 50 requests a second with bursts of 50 takes a 1,000-request burst from 32 clients at
once: accepted requests never exceed the burst plus what the rate refilled while the burst lasted, at least 95 % of
the excess is answered 429 with `Retry-After`, none is a 5xx, and exactly the accepted profiles are in the database.
Another workspace's key is unaffected, and the limited key has room again after `Retry-After`."""
import concurrent.futures
import json
import re
import sqlite3
import time

import pytest
import requests

from conftest import Stack, csrf_of
from secsupport import record

RATE, BURST, REQUESTS = 50, 50, 1000


@pytest.fixture(scope="module")
def limited():
    s = Stack("ratelimit", env={"AUDIENCESYNC_API_RATE_PER_SECOND": str(RATE), "AUDIENCESYNC_API_BURST": str(BURST)}).start()
    yield s
    s.stop()


def new_key(stack, email, workspace):
    stack.create_user(email, workspace=workspace)
    session = stack.signed_in_session(email)
    page = session.post(stack.url + "/settings/api-keys", timeout=10,
                        data={"_csrf": csrf_of(session, stack.url + "/settings/api-keys"), "name": "burst"}).text
    return re.search(r'id="new-key-value">([^<]+)<', page).group(1)


def track(stack, key, external_id):
    r = requests.post(stack.url + "/api/v1/users/track", timeout=30, headers={"Authorization": "Bearer " + key},
                      json={"attributes": [{"external_id": external_id}]})
    return r.status_code, r.headers.get("Retry-After"), r.text


def test_a_burst_beyond_a_keys_limit_is_answered_429_and_nothing_of_it_is_stored(limited):
    key_a, key_b = new_key(limited, "a@burst.test", "Burst A"), new_key(limited, "b@burst.test", "Burst B")
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=32) as pool:
        answers = list(pool.map(lambda k: (k, *track(limited, key_a, f"burst-{k}")), range(REQUESTS)))
    elapsed = time.monotonic() - started
    accepted = [k for k, status, _, _ in answers if status == 201]
    limited_answers = [(status, retry, body) for _, status, retry, body in answers if status == 429]
    server_errors = [status for _, status, _, _ in answers if status >= 500]
    allowed = BURST + RATE * elapsed               # the most a bucket can hand out over the burst's duration
    excess = REQUESTS - len(accepted)

    db = sqlite3.connect(f"file:{limited.data}/audiencesync.sqlite?mode=ro", uri=True)
    stored = {row[0] for row in db.execute("SELECT external_id FROM profile WHERE external_id LIKE 'burst-%'")}
    db.close()
    other = [track(limited, key_b, f"other-{k}")[0] for k in range(20)]
    wait = int(limited_answers[0][1]) if limited_answers else 1
    time.sleep(wait)
    again = track(limited, key_a, "after-wait")[0]

    figures = {"requests": REQUESTS, "seconds": round(elapsed, 2), "rate_per_second": RATE, "burst": BURST,
               "accepted": len(accepted), "allowed_at_most": int(allowed), "answered_429": len(limited_answers),
               "share_of_excess_429": round(len(limited_answers) / max(1, excess), 3), "server_errors": len(server_errors),
               "other_key_accepted": other.count(201), "accepted_after_retry_after": again == 201}
    record("api_rate_limit", figures)
    assert not server_errors, figures
    assert len(accepted) <= allowed and len(accepted) >= BURST, figures
    assert len(limited_answers) >= 0.95 * excess, figures
    assert all(retry and int(retry) >= 1 and json.loads(body)["errors"][0]["field"] == "Authorization"
               for _, retry, body in limited_answers), limited_answers[:3]
    assert stored == {f"burst-{k}" for k in accepted}, figures
    assert other.count(201) == 20 and again == 201, figures
