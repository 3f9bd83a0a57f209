"""Rotating the partner-token key on a real installation (reliability.md O-9): `rotate-key` refuses while the app
runs; with the app stopped it re-seals every token under a new key, and the restarted app uses the connection as
before — the check passes and users sync — while the old key is found nowhere in the database."""
import os
import signal
import subprocess
import time

import requests

from conftest import BIN, ROOT, alive, csrf_of, launched_canvas


def rotate(stack, *flags):
    return subprocess.run([str(BIN), "rotate-key", *flags], capture_output=True, text=True, env=stack.env, cwd=ROOT, timeout=60)


def test_rotation_refuses_while_running_and_the_restarted_app_keeps_every_connection(stack):
    key, canvas = launched_canvas(stack, "rotate@keys.test", "Rotated")
    old_key = (stack.data / "secret.key").read_text().strip()
    running = rotate(stack)
    assert running.returncode != 0 and "the app is running" in running.stderr, running.stderr

    pid = stack.pid("app")
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    done = rotate(stack)
    assert done.returncode == 0, done.stderr
    assert "re-sealed 1 value(s)" in done.stdout, done.stdout
    assert (stack.data / "secret.key").read_text().strip() != old_key
    stack.ensure_app()

    s = stack.signed_in_session("rotate@keys.test")
    checked = s.post(stack.url + "/partners/facebook/check", data={"_csrf": csrf_of(s, stack.url + "/partners/facebook")}, timeout=30)
    assert "Token valid" in checked.text, checked.text[:500]
    users = [{"external_user_id": f"r{i}", "attributes": {"email": f"r{i}@example.com"}} for i in range(10)]
    r = requests.post(stack.url + "/api/v1/canvas/trigger/send", json={"canvas_id": canvas, "recipients": users},
                      headers={"Authorization": "Bearer " + key}, timeout=30)
    assert r.status_code == 201
    deadline = time.monotonic() + 30
    synced = 0
    while time.monotonic() < deadline and synced < 10:
        synced = requests.get(stack.url + "/api/v1/canvas/data_summary", params={"canvas_id": canvas},
                              headers={"Authorization": "Bearer " + key}, timeout=10).json()["steps"][0]["synced"]
        time.sleep(0.3)
    assert synced == 10
    verify = rotate(stack, "--verify")
    assert verify.returncode == 0 and "1 of 1 value(s) open" in verify.stdout, verify.stdout + verify.stderr
    database = b"".join(p.read_bytes() for p in stack.data.glob("audiencesync.sqlite*"))
    assert old_key.encode() not in database and bytes.fromhex(old_key) not in database
