"""Back-pressure on the ingest API (reliability.md L-2): while more users wait to sync than the installation accepts
(`AUDIENCESYNC_MAX_QUEUED_USERS`), `/canvas/trigger/send` and `/users/track` answer 503 with `Retry-After` and store
nothing — never accept then drop — and accept again once the partner has caught up. Every acknowledged user syncs."""
import sqlite3
import time

import pytest
import requests

from conftest import Stack, launched_canvas

LIMIT = 100


@pytest.fixture(scope="module")
def stack():
    s = Stack("backpressure", env={"AUDIENCESYNC_MAX_QUEUED_USERS": str(LIMIT)}).start()
    yield s
    s.stop()


def test_a_full_queue_refuses_new_users_until_it_drains_and_loses_none(stack):
    key, canvas = launched_canvas(stack, "full@queue.test", "Backpressure")
    headers = {"Authorization": "Bearer " + key}
    # The partner is down: users pile up.
    requests.post(stack.sandbox_url + "/_sandbox/faults", timeout=5,
                  json={"partner": "facebook", "path_contains": "/users", "method": "POST", "status": 503}).raise_for_status()

    def enter(prefix, count):
        users = [{"external_user_id": f"{prefix}{i}", "attributes": {"email": f"{prefix}{i}@example.com"}} for i in range(count)]
        return requests.post(stack.url + "/api/v1/canvas/trigger/send", json={"canvas_id": canvas, "recipients": users}, headers=headers, timeout=30)

    acknowledged = 0
    answers = []
    for batch in range(6):
        r = enter(f"b{batch}-", 40)
        answers.append(r.status_code)
        if r.status_code == 201:
            acknowledged += 40
    refused = enter("refused-", 10)
    track = requests.post(stack.url + "/api/v1/users/track", headers=headers, timeout=30,
                          json={"attributes": [{"external_id": "tracked-while-full", "email": "t@example.com"}]})
    db = sqlite3.connect(f"file:{stack.data / 'audiencesync.sqlite'}?mode=ro", uri=True)
    stored_refused = db.execute("SELECT COUNT(*) FROM profile WHERE external_id LIKE 'refused-%' OR external_id = 'tracked-while-full'").fetchone()[0]
    db.close()

    requests.delete(stack.sandbox_url + "/_sandbox/faults", timeout=5).raise_for_status()
    deadline = time.monotonic() + 120
    summary = {}
    while time.monotonic() < deadline:
        summary = requests.get(stack.url + "/api/v1/canvas/data_summary", params={"canvas_id": canvas}, headers=headers, timeout=10).json()["steps"][0]
        if summary["pending"] == 0:
            break
        time.sleep(0.5)
    after = enter("after-", 10)
    print(f"\nback-pressure: answers {answers}, then {refused.status_code} (Retry-After {refused.headers.get('Retry-After')}), "
          f"track {track.status_code}; {acknowledged} acknowledged, synced {summary.get('synced')}; after draining {after.status_code}")
    assert answers[:3] == [201, 201, 201] and 503 in answers, answers      # 120 queued ≥ 100: the rest refused
    assert acknowledged == 120
    assert refused.status_code == 503 and int(refused.headers["Retry-After"]) >= 1
    assert "nothing from this request was saved" in refused.json()["errors"][0]["message"]
    assert track.status_code == 503 and stored_refused == 0
    assert summary["synced"] == acknowledged and summary["entered"] == acknowledged
    assert after.status_code == 201
