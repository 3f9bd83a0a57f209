"""Graceful shutdown of `serve` while a batch is at the partner (reliability.md Q-15).

One SIGTERM: no new batch starts, the batch in flight is waited for and recorded, the process exits; after a
restart nothing is sent again. A second signal while it waits: the batch in flight is given back at once (its lease
released, not left to run out) and the process exits within a second; after a restart the released users are sent
at once and every user ends synced, with at most that one batch sent twice."""
import os
import signal
import sqlite3
import time

import requests

from conftest import alive, launched_canvas

USERS = 300


def enter(stack, key, canvas, prefix):
    users = [{"external_user_id": f"{prefix}{i}", "attributes": {"email": f"{prefix}{i}@example.com"}} for i in range(USERS)]
    r = requests.post(stack.url + "/api/v1/canvas/trigger/send", json={"canvas_id": canvas, "recipients": users},
                      headers={"Authorization": "Bearer " + key}, timeout=60)
    assert r.status_code == 201 and r.json()["entered"] == USERS, r.text[:300]


def claimed(stack):
    db = sqlite3.connect(f"file:{stack.data / 'audiencesync.sqlite'}?mode=ro", uri=True)
    try:
        return db.execute("SELECT coalesce(sum(count), 0) FROM sync_chunk WHERE claim_id IS NOT NULL AND state = 'pending'").fetchone()[0]
    finally:
        db.close()


def audience(stack, name):
    state = requests.get(stack.sandbox_url + "/_sandbox/facebook/state", timeout=10).json()
    found = next(a for a in state["audiences"] if a["name"] == name)
    return requests.get(f"{stack.sandbox_url}/_sandbox/facebook/audiences/{found['id']}", timeout=30).json()


def wait_for(condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def hold_uploads(stack, ms):
    requests.post(stack.sandbox_url + "/_sandbox/faults", timeout=5,
                  json={"partner": "facebook", "path_contains": "/users", "method": "POST", "latency_ms": ms}).raise_for_status()


def synced(stack, key, canvas):
    return requests.get(stack.url + "/api/v1/canvas/data_summary", params={"canvas_id": canvas},
                        headers={"Authorization": "Bearer " + key}, timeout=10).json()["steps"][0]["synced"]


def test_one_sigterm_waits_for_the_batch_in_flight_and_records_it(stack):
    key, canvas = launched_canvas(stack, "graceful@shutdown.test", "Graceful")
    hold_uploads(stack, 3000)
    enter(stack, key, canvas, "g")
    assert wait_for(lambda: claimed(stack) == USERS, 15), "the batch never went out"
    pid = stack.pid("app")
    started = time.monotonic()
    os.kill(pid, signal.SIGTERM)
    assert wait_for(lambda: not alive(pid), 15)
    took = time.monotonic() - started
    requests.delete(stack.sandbox_url + "/_sandbox/faults", timeout=5)
    assert claimed(stack) == 0                          # recorded before exit: no lease left to run out
    stack.ensure_app()
    assert wait_for(lambda: synced(stack, key, canvas) == USERS, 30)
    time.sleep(6)                                       # a flush interval: anything re-sent would show now
    detail = audience(stack, "Graceful")
    print(f"\none SIGTERM: exited {took:.1f} s after it, {detail['member_count']} members, {detail['adds']} rows received")
    assert 1.0 < took < 10, took                        # it waited for the partner's answer (held 3 s)
    assert detail["member_count"] == USERS and detail["adds"] == USERS


def test_a_second_signal_releases_the_batch_in_flight_and_exits_at_once(stack):
    stack.ensure_app()
    key, canvas = launched_canvas(stack, "impatient@shutdown.test", "Impatient")
    hold_uploads(stack, 20_000)
    enter(stack, key, canvas, "i")
    assert wait_for(lambda: claimed(stack) == USERS, 15), "the batch never went out"
    pid = stack.pid("app")
    os.kill(pid, signal.SIGTERM)
    time.sleep(0.5)
    assert alive(pid)                                   # still waiting for the partner
    started = time.monotonic()
    os.kill(pid, signal.SIGTERM)
    assert wait_for(lambda: not alive(pid), 5)
    took = time.monotonic() - started
    released = claimed(stack)
    log = (stack.data / "logs" / "app.log").read_text()
    requests.delete(stack.sandbox_url + "/_sandbox/faults", timeout=5)
    stack.ensure_app()
    restarted = time.monotonic()
    assert wait_for(lambda: synced(stack, key, canvas) == USERS, 30)
    resumed = time.monotonic() - restarted
    detail = audience(stack, "Impatient")
    print(f"\nsecond SIGTERM: exited {took:.2f} s after it, claims left {released}, all synced {resumed:.1f} s after the restart, "
          f"{detail['adds']} rows received for {USERS} members")
    assert took < 1.5, took
    assert released == 0                                # given back, not left for the lease
    assert f"released {USERS} user(s) in flight" in log
    assert resumed < 15                                 # sent at once, not after a 30 s lease
    assert detail["member_count"] == USERS and USERS <= detail["adds"] <= 2 * USERS
