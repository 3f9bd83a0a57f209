"""Disk full and a read-only data directory (reliability.md L-7, Q-14), on a real stack whose data directory is a
small tmpfs (root mounts it; the teardown unmounts it).

Disk full: users are entered through the REST API while a filler file takes the disk's last free bytes, until the API
refuses. Every refusal must be a 503 JSON `{"errors":[{"field","message"}]}` with `Retry-After` (never a 500, never a
2xx for something not stored); the app keeps running (no crash loop); once the filler is deleted, every user the API
acknowledged is in the database and synced at the partner, and `PRAGMA integrity_check` is ok.

Read-only: a running process keeps its open files writable (`chmod -w` does not reach them, and the kernel refuses to
remount a file system read-only while files on it are open for writing), so the app is stopped, the tmpfs remounted
read-only and the app started on it: it must not come up pretending to work — it refuses with a clear message, or
answers 503 — and it comes back once the directory is writable again, with nothing lost.

The partner sandbox's database and the logs live outside the tmpfs (symlinks): the partner is not on our disk."""
import errno
import json
import os
import pathlib
import sqlite3
import subprocess
import time

import pytest
import requests

from support import OUT, Stack, alive, launched_canvas

BATCH = 500
FIGURES = OUT / "disk.json"


def mounted(path):
    return any(line.split()[1] == str(path) for line in pathlib.Path("/proc/mounts").read_text().splitlines())


def fill(filler, leave):
    """Grows `filler` until about `leave` bytes are free. The app keeps writing meanwhile (its WAL grows as it syncs),
    so the disk may fill before the filler is done: then the filler gives `leave` bytes back."""
    chunk = 1 << 20
    with open(filler, "wb") as f:
        try:
            while free_bytes(filler.parent) > leave + chunk:
                f.write(b"\0" * chunk)
                f.flush()
            f.write(b"\0" * max(0, free_bytes(filler.parent) - leave))
            f.flush()
        except OSError as error:
            if error.errno != errno.ENOSPC:
                raise
    if free_bytes(filler.parent) < leave // 2:
        os.truncate(filler, max(0, filler.stat().st_size - leave))


def free_bytes(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


@pytest.fixture(scope="module")
def stack():
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    s = Stack("disk")
    outside = OUT / f"disk-outside-{int(time.time() * 1000)}"
    (outside / "logs").mkdir(parents=True)
    (outside / "nginx-logs").mkdir()
    s.data.mkdir(parents=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=40m,mode=0755", "tmpfs", str(s.data)], check=True)
    try:
        # The partner's database and the logs are not on the disk under test.
        (s.data / "sandbox.sqlite").symlink_to(outside / "sandbox.sqlite")
        (s.data / "logs").symlink_to(outside / "logs")
        (s.data / "nginx").mkdir()
        (s.data / "nginx" / "logs").symlink_to(outside / "nginx-logs")
        s.outside = outside
        s.start()
        yield s
    finally:
        s.stop()
        for _ in range(50):
            if subprocess.run(["umount", str(s.data)]).returncode == 0 or not mounted(s.data):
                break
            time.sleep(0.2)


def api(stack, key, method, path, **kwargs):
    return requests.request(method, stack.url + path, headers={"Authorization": "Bearer " + key}, timeout=60, **kwargs)


def summary(stack, key, canvas):
    return api(stack, key, "GET", "/api/v1/canvas/data_summary", params={"canvas_id": canvas}).json()["steps"][0]


def enter(stack, key, canvas, start, count):
    recipients = [{"external_user_id": f"disk{i}", "attributes": {"email": f"disk{i}@example.com", "note": "x" * 200}}
                  for i in range(start, start + count)]
    return api(stack, key, "POST", "/api/v1/canvas/trigger/send", json={"canvas_id": canvas, "recipients": recipients})


def check_refusal(r, refusals):
    """A refusal must be the documented 503 JSON with Retry-After."""
    refusals.append(r.status_code)
    assert r.status_code == 503, f"{r.status_code}: {r.text[:300]}"
    body = r.json()
    assert body["errors"] and {"field", "message"} <= set(body["errors"][0]), body
    assert r.headers.get("Retry-After", "").isdigit(), dict(r.headers)


def wait_synced(stack, key, canvas, users, timeout=180):
    deadline = time.monotonic() + timeout
    while True:
        figures = summary(stack, key, canvas)
        if figures["synced"] >= users or time.monotonic() > deadline:
            return figures
        time.sleep(1)


def db_rows(stack, canvas):
    db = sqlite3.connect(str(stack.data / "audiencesync.sqlite"), timeout=30)
    try:
        ids = {row[0] for row in db.execute(
            "SELECT u.external_id FROM chunk_user u JOIN sync_chunk i ON i.id = u.chunk_id JOIN canvas_step s ON s.id = i.step_id"
            " WHERE s.canvas_id = ?", (int(canvas),))}
        return ids, db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()


def test_disk_full_refuses_with_503_loses_nothing_and_recovers(stack):
    key, canvas = launched_canvas(stack, "disk@e2e.test", "Disk buyers")
    app_pid = stack.pid("app")
    acked, refusals, sent = set(), [], 0
    # A first batch on a disk with room.
    r = enter(stack, key, canvas, 0, BATCH)
    assert r.status_code == 201
    acked |= {f"disk{i}" for i in range(0, BATCH)}
    sent = BATCH

    # The filler takes all but 256 KiB; then users are entered until the API refuses three times in a row.
    filler = stack.data / "filler.bin"
    fill(filler, leave=256 * 1024)
    # Users keep coming until the disk is really full: a few refusals in a row, and then a while longer, so the
    # workers see the full disk too.
    in_a_row, full_since = 0, None
    while sent < 200_000:
        r = enter(stack, key, canvas, sent, BATCH)
        if r.status_code == 201:
            assert r.json()["entered"] == BATCH, r.text[:300]
            acked |= {f"disk{i}" for i in range(sent, sent + BATCH)}
            in_a_row = 0
        else:
            check_refusal(r, refusals)
            in_a_row += 1
            full_since = full_since or time.monotonic()
        sent += BATCH
        if in_a_row >= 3 and time.monotonic() - full_since > 8:
            break
    assert refusals, "the disk never filled"
    # The app is still the same process: no crash, no crash loop, and it still answers reads.
    assert alive(app_pid) and stack.pid("app") == app_pid
    assert requests.get(stack.url + "/healthz", timeout=10).status_code in (200, 503)
    figures_full = summary(stack, key, canvas)
    assert figures_full["entered"] == len(acked), (figures_full, len(acked))

    # Space comes back: everything acknowledged syncs, nothing else appears, the database is sound.
    filler.unlink()
    recovered_at = time.monotonic()
    figures = wait_synced(stack, key, canvas, len(acked))
    resumed_in = time.monotonic() - recovered_at
    assert alive(app_pid)
    ids, integrity = db_rows(stack, canvas)
    lost = acked - ids
    assert not lost, f"{len(lost)} acknowledged users missing, e.g. {sorted(lost)[:5]}"
    assert ids == acked, f"{len(ids - acked)} users stored that the API refused"
    assert figures["synced"] == len(acked) and figures["errored"] == 0 and figures["pending"] == 0, figures
    assert integrity == "ok"
    state = requests.get(stack.sandbox_url + "/_sandbox/facebook/state", timeout=10).json()
    audience = next(a for a in state["audiences"] if a["name"] == "Disk buyers")
    assert audience["member_count"] == len(acked)
    log = (stack.outside / "logs" / "app.log").read_text(errors="replace")
    full_errors = log.count("database or disk is full")
    assert full_errors > 0, "the app never met the full disk"
    result = {"app_log_lines_disk_full": full_errors, "acknowledged": len(acked), "refused_batches": len(refusals), "refusal_statuses": sorted(set(refusals)),
              "lost": len(lost), "synced_after_recovery": figures["synced"], "partner_members": audience["member_count"],
              "resumed_and_synced_in_s": round(resumed_in, 1), "integrity_check": integrity, "app_restarts": 0}
    print(f"\ndisk full: {len(acked)} users acknowledged, {len(refusals)} batches refused with 503, 0 lost; after the filler "
          f"went: {figures['synced']} synced in {resumed_in:.1f} s, partner has {audience['member_count']}, integrity {integrity}; "
          f"the same app process throughout ({full_errors} 'disk is full' log lines)")
    record("disk_full", result)


def test_read_only_data_directory_is_refused_clearly_and_recovers(stack):
    key, canvas = launched_canvas(stack, "readonly@e2e.test", "Read-only buyers")
    r = enter(stack, key, canvas, 900_000, BATCH)
    assert r.status_code == 201
    acked = {f"disk{i}" for i in range(900_000, 900_000 + BATCH)}
    wait_synced(stack, key, canvas, BATCH)

    # The app stops; the directory turns read-only; the app is started on it.
    pid = stack.pid("app")
    os.kill(pid, 15)
    for _ in range(100):
        if not alive(pid):
            break
        time.sleep(0.1)
    subprocess.run(["mount", "-o", "remount,ro", str(stack.data)], check=True)
    try:
        start = subprocess.run(["scripts/stack.sh", "app", str(stack.data), str(stack.http), str(stack.sandbox)], env=stack.env,
                               cwd=str(pathlib.Path(__file__).resolve().parents[2]), capture_output=True, text=True, timeout=60)
        log = (stack.outside / "logs" / "app.log").read_text(errors="replace")[-3000:]
        if start.returncode == 0:
            # It came up: then every write must be refused with the 503 JSON, and reads still work.
            r = enter(stack, key, canvas, 950_000, 10)
            refusals = []
            check_refusal(r, refusals)
            behaviour = "serves reads, refuses writes with 503"
        else:
            # It must not run half-alive: the process is gone and says why (its log or the start script's output).
            said = (start.stdout + start.stderr + log).lower()
            assert not alive(stack.pid("app")), "the app runs on a read-only data directory"
            # What a user sees: nothing answers (a serve the start script lost track of would still answer here).
            assert requests.get(stack.url + "/healthz", timeout=10).status_code != 200, "an app answers on a read-only data directory"
            # The app itself says why, in its own log (not only the start script).
            log = (stack.outside / "logs" / "app.log").read_text(errors="replace")[-3000:]
            reason = next((line for line in log.splitlines() if "cannot be written" in line and "read-only" in line), "")
            behaviour = f"refuses to start ({reason.strip()[:160]})"
            assert reason, said[-2000:]
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(stack.data)], check=True)
    # Writable again: the app (re)starts and carries on; nothing was lost.
    pid_now = None
    try:
        pid_now = stack.pid("app")
    except FileNotFoundError:
        pass
    if pid_now and alive(pid_now):
        os.kill(pid_now, 15)
        for _ in range(100):
            if not alive(pid_now):
                break
            time.sleep(0.1)
    stack.ensure_app()
    r = enter(stack, key, canvas, 960_000, BATCH)
    assert r.status_code == 201, r.text[:300]
    acked |= {f"disk{i}" for i in range(960_000, 960_000 + BATCH)}
    figures = wait_synced(stack, key, canvas, len(acked))
    ids, integrity = db_rows(stack, canvas)
    assert ids == acked and figures["synced"] == len(acked) and integrity == "ok", (len(ids), figures, integrity)
    print(f"\nread-only data directory: the app {behaviour}; after remounting read-write: {figures['synced']} of {len(acked)} "
          f"synced, 0 lost, integrity {integrity}")
    record("read_only", {"behaviour": behaviour, "acknowledged": len(acked), "synced": figures["synced"], "lost": len(acked - ids),
                         "integrity_check": integrity, "log_tail": log.strip().splitlines()[-1][:200] if log.strip() else ""})


def record(name, figures):
    data = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    data[name] = figures
    FIGURES.write_text(json.dumps(data, indent=2))
