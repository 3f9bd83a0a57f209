"""Withdrawal and erasure survive kill -9 (issue 16): users who withdraw consent or are erased while the app is killed
again and again are all removed from the Facebook audience, nobody else is, nothing is re-added, the step's figures add
up at every moment, and no erased person's email or phone is left in the database file, its WAL or the logs."""
import os
import random
import signal
import time

import pytest
import requests

from conftest import Stack, alive, launched_canvas

USERS = 3_000
KILLS = 3


@pytest.fixture(scope="module")
def stack():
    s = Stack("privacy-durability", env={"AUDIENCESYNC_SYNC_LEASE_SECONDS": "4"})
    s.start()
    yield s
    s.stop()


def email(i):
    return f"person{i}@example.com"


def phone(i):
    return f"+1 650 555 {i:04d}"


def summary(stack, key, canvas):
    return requests.get(stack.url + "/api/v1/canvas/data_summary", params={"canvas_id": canvas},
                        headers={"Authorization": "Bearer " + key}, timeout=10).json()["steps"][0]


def api(stack, key, path, body):
    r = requests.post(stack.url + path, json=body, headers={"Authorization": "Bearer " + key}, timeout=120)
    assert r.status_code in (200, 201), r.text[:300]
    return r.json()


def members(stack, name):
    state = requests.get(stack.sandbox_url + "/_sandbox/facebook/state", timeout=10).json()
    audience = next(a for a in state["audiences"] if a["name"] == name)
    return set(requests.get(f"{stack.sandbox_url}/_sandbox/facebook/audiences/{audience['id']}", timeout=30).json()["members"])


def sha(text):
    import hashlib
    return hashlib.sha256(text.encode()).hexdigest()


def wait(predicate, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}")


def test_withdrawals_and_erasures_all_reach_the_partner_whatever_the_kills(stack):
    key, canvas = launched_canvas(stack, "privacy@e2e.test", "Privacy buyers")
    requests.post(stack.sandbox_url + "/_sandbox/facebook/config", json={"remove_threshold": 0}, timeout=5).raise_for_status()
    users = [{"external_user_id": f"p{i}", "attributes": {"email": email(i), "phone": phone(i)}} for i in range(USERS)]
    assert api(stack, key, "/api/v1/canvas/trigger/send", {"canvas_id": canvas, "recipients": users})["entered"] == USERS
    wait(lambda: summary(stack, key, canvas)["synced"] == USERS, 120, "the first sync")
    assert members(stack, "Privacy buyers") == {sha(email(i)) for i in range(USERS)}

    # Each partner call is held 1.2 s at the sandbox, so kills land while removals are in flight.
    requests.post(stack.sandbox_url + "/_sandbox/faults",
                  json={"partner": "facebook", "path_contains": "/users", "share": 1.0, "latency_ms": 1200}, timeout=5).raise_for_status()
    withdrawn, erased, kept = range(0, 1000), range(1000, 2000), range(2000, USERS)
    api(stack, key, "/api/v1/users/track", {"attributes": [{"external_id": f"p{i}", "ads_tracking_enabled": False} for i in withdrawn]})
    assert api(stack, key, "/api/v1/users/delete", {"external_ids": [f"p{i}" for i in erased]})["deleted"] == len(erased)

    rng = random.Random(20261207)
    for _ in range(KILLS):
        time.sleep(rng.uniform(0.3, 2.5))
        pid = stack.pid("app")
        os.kill(pid, signal.SIGKILL)
        while alive(pid):
            time.sleep(0.05)
        stack.ensure_app()
        figures = summary(stack, key, canvas)
        assert figures["entered"] == USERS == figures["synced"] + figures["not_synced"] + figures["errored"] + figures["pending"], figures

    done = wait(lambda: (lambda f: f if f["removals"]["pending"] == 0 else None)(summary(stack, key, canvas)), 180, "the removals")
    assert done["removals"] == {"pending": 0, "removed": len(withdrawn) + len(erased), "errored": 0}, done
    expected = {sha(email(i)) for i in kept}
    assert members(stack, "Privacy buyers") == expected
    time.sleep(6)   # a sync cadence and more: nothing re-adds them
    assert members(stack, "Privacy buyers") == expected

    # Nothing of an erased person is left: the database file, its WAL and every log, byte for byte.
    files = [stack.data / "audiencesync.sqlite", stack.data / "audiencesync.sqlite-wal", *sorted((stack.data / "logs").glob("*.log"))]
    contents = b"".join(f.read_bytes() for f in files if f.exists())
    leaks = [i for i in erased if email(i).encode() in contents or phone(i).encode() in contents or f'"p{i}"'.encode() in contents]
    assert not leaks, f"{len(leaks)} erased people are still in {[f.name for f in files]}, e.g. p{leaks[0]}"
