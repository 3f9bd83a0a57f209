"""The crash matrix (reliability.md L-5, Q-5, Q-8, O-10): `serve` is killed with SIGKILL in every phase of the
pipeline while a large run goes through it, and afterwards no user is lost, duplicates stay within the batches that
were in flight, sending resumes within the lease, and the database passes `PRAGMA integrity_check`.

Kills land in a phase through the app's test-only crash points (`AUDIENCESYNC_CRASH_AT=<phase>:<probability>`: the
process sends itself SIGKILL there, see Sources/CrashPoints), plus plain external `kill -9` at random moments as in
Tests/e2e/test_durability.py. Phases: CSV import, segment export, token refresh (Google), ingest commit
(`/users/track`), canvas entry (`/canvas/trigger/send`), claim, partner call in flight, after the partner answered
but before the outcome was recorded, and external. The canvas-entry and sync phases run while CRASH_USERS users
(default 1,000,000) are entered 10,000 a request and synced to a Facebook audience.

Figures: a table per phase on stdout and test-output/crash.json. `make test-crash` runs it;
CRASH_USERS / CRASH_KILLS shrink it for a quick run."""
import hashlib
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import threading
import time

import pytest
import requests
from selenium.webdriver.common.by import By

from support import OUT, PASSWORD, Stack, alive, browser, csrf_of, launched_canvas, wait_for_text  # noqa: F401 (fixture)

USERS = int(os.environ.get("CRASH_USERS", "1000000"))
KILLS = int(os.environ.get("CRASH_KILLS", "100"))
LEASE = 4
BATCH = 10_000          # users per /canvas/trigger/send request, and Facebook's batch
LANES = 2               # calls a destination has in flight at once with a backlog (SyncSettings.lanes): a kill re-sends at most these
EMAIL = "crash@e2e.test"
SEED = int(os.environ.get("CRASH_SEED", "20261122"))

# Share of the kills per phase, and the chance each arrival at the phase kills.
PHASES = [
    # name,                      weight, probability, what resumes after a restart
    ("csv-import",               10, 0.3, "import"),
    ("segment-export",           10, 0.4, "facebook"),
    ("token-refresh",            10, 1.0, "google"),
    ("ingest-commit",            10, 0.3, "track"),
    ("canvas-entry",             15, 0.3, "entry"),
    ("claim",                    12, 0.4, "facebook"),
    ("partner-call-in-flight",   11, 0.5, "facebook"),
    ("after-partner-answered",   11, 0.4, "facebook"),
    ("external",                 11, None, "facebook"),
    # Every arrival kills (a careful client re-sends the killed erasure until the last, clean restart commits it): at
    # 0.5 the five erasure requests of its half could all pass (1 run in 32 got no kill).
    ("erasure-commit",            5, 1.0, "erase"),
    # Every arrival kills: the removals are few batches, re-claimed after each kill until the last, clean restart.
    ("removal-answered",          6, 1.0, "facebook"),
]


def kills_per_phase():
    total = sum(w for _, w, _, _ in PHASES)
    return {name: max(1, round(KILLS * w / total)) for name, w, _, _ in PHASES}


def sha(text):
    return hashlib.sha256(text.strip().lower().encode()).hexdigest()


def pct(values, q):
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


class Crasher:
    """Restarts the app with or without a crash point armed, and records each phase's figures."""

    def __init__(self, stack):
        self.stack = stack
        self.log = stack.data / "logs" / "app.log"
        self.figures = {}
        self.integrity = []
        self.kill_count = 0
        self.lock = threading.Lock()
        self.restart_wall = 0.0   # wall time the restarted app answered /healthz
        self.held = 0.0           # seconds the sandbox holds each partner call (a latency fault), 0 without one
        self.resume_at = None     # wall time the first partner call after the restart started (set by call probes)

    def app_up(self):
        try:
            return requests.get(self.stack.url + "/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def wait_gone(self, pid, timeout=10):
        end = time.monotonic() + timeout
        while alive(pid) and time.monotonic() < end:
            time.sleep(0.02)

    def start(self, crash_at=None):
        """Starts the app (the old one must be gone) with `crash_at` armed, or clean; returns when it answers."""
        if crash_at:
            self.stack.env["AUDIENCESYNC_CRASH_AT"] = crash_at
        else:
            self.stack.env.pop("AUDIENCESYNC_CRASH_AT", None)
        try:
            self.stack.ensure_app()
        except subprocess.CalledProcessError:
            pass   # an armed app can reach its crash point before it answered /healthz: the loop sees it dead
        self.restart_wall, self.resume_at = time.time(), None
        return time.monotonic()

    def stop_gracefully(self):
        pid = self.stack.pid("app")
        if alive(pid):
            os.kill(pid, signal.SIGTERM)
            self.wait_gone(pid, 60)
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
                self.wait_gone(pid)

    def crash_lines(self, phase):
        try:
            return self.log.read_text(errors="replace").count(f"crash point {phase}: SIGKILL")
        except FileNotFoundError:
            return 0

    def check_integrity(self, label):
        started = time.monotonic()
        db = sqlite3.connect(str(self.stack.data / "audiencesync.sqlite"), timeout=30)
        try:
            result = db.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            db.close()
        self.integrity.append({"after": label, "result": result, "seconds": round(time.monotonic() - started, 2)})
        assert result == "ok", f"integrity_check after {label}: {result}"

    def run_phase(self, phase, kills, probability, probe, per_kill_timeout=90, after_start=None, refill=None, active=None,
                  duplicates=None):
        """Kills the app `kills` times in `phase` (restarting it after each) and measures the time from each
        restart to the next sign of progress (`probe()` changes). `after_start()` runs once the armed app is up,
        `refill()` after each restart (more work of the phase's kind), `active()` says whether the phase can still be
        reached; `duplicates()` reads rows received minus members at the partner, before and after the phase."""
        record = self.figures.setdefault(phase, {"kills": 0, "missed": 0, "resume_seconds": [], "died_before_progress": 0})
        given_probe = probe

        def probe():
            # The app may die again at any moment: a probe that cannot read says "no progress" (None).
            try:
                return given_probe()
            except (requests.RequestException, TimeoutError, ValueError, KeyError):
                return None
        dups_before = duplicates() if duplicates else None
        self.stop_gracefully()
        external = probability is None
        arm = None if external else f"{phase}:{probability}"
        before_lines = self.crash_lines(phase)
        restarted = self.start(arm)
        if after_start:
            try:
                after_start()
            except (requests.RequestException, AssertionError, AttributeError, TimeoutError, IndexError):
                pass   # the armed app died under it; `refill` starts the work again
        marker, resumed = probe(), True   # resume is measured after restarts that follow a kill
        last_active_look = time.monotonic()
        rng = random.Random(SEED + len(phase))
        external_at = restarted + rng.uniform(0.3, 2.5) if external else None
        deadline = time.monotonic() + per_kill_timeout
        while record["kills"] < kills:
            pid = self.stack.pid("app")
            now = time.monotonic()
            if not resumed and (now_value := probe()) is not None and now_value != marker:
                record["resume_seconds"].append(self.resume_at - self.restart_wall if self.resume_at else time.monotonic() - restarted)
                resumed = True
            if external and now >= external_at and alive(pid):
                os.kill(pid, signal.SIGKILL)
            if not alive(pid):
                self.wait_gone(pid)
                record["kills"] += 1
                with self.lock:
                    self.kill_count += 1
                if not resumed:
                    record["died_before_progress"] += 1
                if self.kill_count % 10 == 0:
                    self.check_integrity(f"kill {self.kill_count} ({phase})")
                last = record["kills"] >= kills
                restarted = self.start(None if last else arm)
                if refill and not last:
                    try:
                        refill()
                    except (requests.RequestException, AssertionError, AttributeError, TimeoutError, IndexError):
                        pass   # the app died under the refill: the loop sees it
                marker, resumed = probe(), False
                external_at = restarted + rng.uniform(0.3, 2.5) if external else None
                deadline = time.monotonic() + per_kill_timeout
                continue
            if now - last_active_look > 2:
                last_active_look = now
                try:
                    if active and not active():
                        deadline = now
                except (requests.RequestException, TimeoutError):
                    pass
                if refill:
                    try:
                        refill()
                    except (requests.RequestException, AssertionError, AttributeError, TimeoutError, IndexError):
                        pass
            if now > deadline:
                # The phase was not reached in time (no work of that kind): restart clean and move on.
                record["missed"] += 1
                self.stop_gracefully()
                restarted, marker, resumed = self.start(None), probe(), False
                break
            time.sleep(0.2)
        # The last restart is clean: measure its resume too.
        end = time.monotonic() + 60
        while not resumed and time.monotonic() < end:
            if (now_value := probe()) is not None and now_value != marker:
                record["resume_seconds"].append(self.resume_at - self.restart_wall if self.resume_at else time.monotonic() - restarted)
                resumed = True
            time.sleep(0.2)
        if duplicates:
            time.sleep(LEASE + self.held + 4)   # a batch killed in flight is claimed again once its lease runs out, then sent
            record["duplicates"] = record.get("duplicates", 0) + duplicates() - dups_before
        if not external:
            record["crash_point_lines"] = self.crash_lines(phase) - before_lines
            assert record["crash_point_lines"] == record["kills"], record
        return record


class Sandbox:
    """What reached the partners, read from the sandbox (its request log, and its database for counters)."""

    def __init__(self, stack):
        self.stack = stack
        self.seen = {}
        self.started = {}

    def last_seq(self, partner):
        """The newest request's sequence number (read on from the last one seen)."""
        since = self.seen.get(partner, 0)
        while True:
            page = requests.get(self.stack.sandbox_url + "/_sandbox/requests", params={"partner": partner, "since": since}, timeout=30).json()
            if not page["requests"]:
                self.seen[partner] = since
                return since
            since = page["last_seq"]

    def calls_started_after_restart(self, partner, crasher):
        """How many calls to `partner` the sandbox logged that started after the app's last restart (logged time
        minus the held latency); notes the first one's start in `crasher.resume_at`."""
        since = self.seen.get(partner, 0)
        count = self.started.get(partner, 0)
        for entry in self.requests_since(partner, since):
            since = entry["seq"]
            began = entry["time"] - crasher.held
            if began >= crasher.restart_wall:
                count += 1
                if crasher.resume_at is None:
                    crasher.resume_at = began
        self.seen[partner], self.started[partner] = since, count
        return count

    def requests_since(self, partner, since):
        entries = []
        while True:
            page = requests.get(self.stack.sandbox_url + "/_sandbox/requests", params={"partner": partner, "since": since}, timeout=30).json()
            if not page["requests"]:
                return entries
            entries += page["requests"]
            since = page["last_seq"]

    def facebook_audience(self, name):
        """(members, rows added) of a Facebook audience, from the sandbox's database (cheap at a million members)."""
        path = next(p for p in self.stack.data.glob("*.sqlite") if "sandbox" in p.name)
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            row = db.execute("SELECT member_count, rows_added FROM fb_audiences WHERE name = ? AND deleted = 0", (name,)).fetchone()
        finally:
            db.close()
        return (row[0], row[1]) if row else (0, 0)

    def facebook_members(self, name):
        state = requests.get(self.stack.sandbox_url + "/_sandbox/facebook/state", timeout=30).json()
        audience = next(a for a in state["audiences"] if a["name"] == name)
        return requests.get(f"{self.stack.sandbox_url}/_sandbox/facebook/audiences/{audience['id']}", timeout=600).json()


@pytest.fixture(scope="module")
def stack():
    s = Stack("crash", env={"AUDIENCESYNC_SYNC_LEASE_SECONDS": str(LEASE)})
    s.start()
    yield s
    s.stop()


def api(stack, key):
    headers = {"Authorization": "Bearer " + key}

    def summary(canvas, patience=600):
        give_up = time.monotonic() + patience
        while time.monotonic() < give_up:
            try:
                r = requests.get(stack.url + "/api/v1/canvas/data_summary", params={"canvas_id": canvas}, headers=headers, timeout=30)
                if r.status_code == 200:
                    return r.json()["steps"][0]
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise TimeoutError("the app did not answer")
    return headers, summary


def connect_google(stack, browser):
    """Google through its consent page in a real browser (OAuth with PKCE; the connection has a refresh token)."""
    browser.get(stack.url + "/signin")
    browser.find_element(By.ID, "email").send_keys(EMAIL)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button.primary").click()
    wait_for_text(browser, "Technology Partners")
    browser.get(stack.url + "/partners/google")
    browser.find_element(By.XPATH, "//button[normalize-space()='Connect Google']").click()
    browser.find_element(By.ID, "allow").click()
    wait_for_text(browser, "Save ad accounts")
    box = browser.find_elements(By.CSS_SELECTOR, "input[name='account']")[0]
    account = box.get_attribute("value")
    box.click()
    browser.find_element(By.XPATH, "//button[normalize-space()='Save ad accounts']").click()
    wait_for_text(browser, "Ad accounts saved.")
    return account


def sync_canvas(stack, session, destination, name):
    """A launched canvas with one Add step (email) to a new audience `name` at `destination` ("partner|account")."""
    url = stack.url
    r = session.post(url + "/canvases", data={"_csrf": csrf_of(session, url + "/canvases"), "name": name}, allow_redirects=False, timeout=10)
    canvas = r.headers["Location"].rsplit("/", 1)[-1]
    r = session.post(f"{url}/canvases/{canvas}/add-step", data={"_csrf": csrf_of(session, f"{url}/canvases/{canvas}"), "kind": "audience_sync"},
                     allow_redirects=False, timeout=10)
    step = r.headers["Location"].rsplit("/", 1)[-1]
    form = {"_csrf": csrf_of(session, f"{url}/canvases/{canvas}/steps/{step}"), "destination": destination, "audience_mode": "new",
            "audience_name": name, "action": "add", "field": ["email"]}
    assert session.post(f"{url}/canvases/{canvas}/steps/{step}/save", data=form, allow_redirects=False, timeout=30).status_code == 303
    # confirmed=1: what the launch confirmation page re-posts (the e2e suite goes through that page itself).
    r = session.post(f"{url}/canvases/{canvas}/launch", data={"_csrf": csrf_of(session, f"{url}/canvases/{canvas}"), "confirmed": "1"},
                     allow_redirects=False, timeout=60)
    assert "launched" in r.headers.get("Location", ""), r.text[:1000]
    return canvas


_SESSION = {}


def session_for(stack, fresh=False):
    """The admin's dashboard session (sessions live in the database, so one survives restarts); signs in again
    when asked or when there is none yet, waiting out a restart."""
    while fresh or "s" not in _SESSION:
        try:
            _SESSION["s"] = stack.signed_in_session(EMAIL)
            fresh = False
        except (requests.RequestException, AssertionError, AttributeError):
            time.sleep(0.3)
    return _SESSION["s"]


def import_csv(stack, rows, tag):
    """Uploads a CSV of `rows` rows (plan=`tag`): in every 500, one row whose external id is unusable (over 512
    characters: rejected) and one with a bad email (stored without it). Both kinds go to the report, once each; returns
    (import page, expected)."""
    lines = ["external_id,email,plan"]
    bad, rejected = [], []
    for i in range(rows):
        if i % 500 == 250:
            lines.append(f"{tag}-{'x' * 520}{i},{tag}{i}@example.com,{tag}")
            bad.append(i)
            rejected.append(i)
        elif i % 500 == 100:
            lines.append(f"{tag}{i},not-an-email-{i},{tag}")
            bad.append(i)
        else:
            lines.append(f"{tag}{i},{tag}{i}@example.com,{tag}")
    body = ("\r\n".join(lines) + "\r\n").encode()
    session = session_for(stack)
    r = session.post(stack.url + "/settings/imports", data={"_csrf": csrf_of(session, stack.url + "/settings/imports")},
                     files={"file": (f"{tag}.csv", body, "text/csv")}, allow_redirects=False, timeout=120)
    assert r.status_code == 303, r.text[:500]
    return r.headers["Location"], {"read": rows, "imported": rows - len(rejected), "rejected": len(rejected), "bad_lines": [i + 2 for i in bad],
                                   "without_email": len(bad) - len(rejected)}


def import_progress(stack, page, patience=300):
    """(status, [rows read, imported, rejected]); waits out a restart for up to `patience` seconds."""
    give_up = time.monotonic() + patience
    while time.monotonic() < give_up:
        try:
            figures = session_for(stack).get(stack.url + page + "/progress", timeout=30, allow_redirects=False).json()
            numbers = [int(n.replace(",", "")) for n in re.findall(r"[\d,]+", figures["counts"])]
            return figures["status"], numbers
        except (requests.RequestException, ValueError):
            time.sleep(0.2)
    raise TimeoutError("the app did not answer")


def segment_of(stack, name, plan):
    session = session_for(stack)
    r = session.post(stack.url + "/segments", data={"_csrf": csrf_of(session, stack.url + "/segments"), "name": name},
                     allow_redirects=False, timeout=10)
    segment = r.headers["Location"].rsplit("/", 1)[-1]
    page = f"{stack.url}/segments/{segment}"
    session.post(page + "/add-filter", data={"_csrf": csrf_of(session, page), "attribute": "plan", "op": "equals", "value": plan,
                                             "group": "new"}, timeout=60)
    size = int(re.search(r'id="size">([\d,]+) users', session.get(page, timeout=120).text).group(1).replace(",", ""))
    return page, size


def start_export(stack, page, audience):
    session = session_for(stack)
    r = session.post(page + "/export", data={"_csrf": csrf_of(session, page + "/export"), "ad_account": "act_1001", "field": "email",
                                             "name_email": audience, "confirmed": "1"}, allow_redirects=False, timeout=30)
    assert r.status_code == 303, r.text[:500]
    return stack.url + r.headers["Location"] + "/progress"


def export_progress(stack, progress, patience=300):
    give_up = time.monotonic() + patience
    while time.monotonic() < give_up:
        try:
            return session_for(stack).get(progress, timeout=30, allow_redirects=False).json()
        except (requests.RequestException, ValueError):
            time.sleep(0.2)
    raise TimeoutError("the app did not answer")


class Ingest(threading.Thread):
    """Enters USERS users into the Facebook canvas, 10,000 a request, as a careful client: after a request the app
    could not answer it reads the canvas's entered count, which tells whether that request committed (the count grew
    by its size) or not (unchanged: send it again); anything in between is a torn transaction and fails the run."""

    def __init__(self, stack, headers, summary, canvas, users):
        super().__init__(daemon=True)
        self.stack, self.headers, self.summary, self.canvas, self.users = stack, headers, summary, canvas, users
        self.retried = 0
        self.committed_unanswered = 0
        self.error = None
        self.done_at = None
        self.sent = 0

    def run(self):
        try:
            for start in range(0, self.users, BATCH):
                batch = [{"external_user_id": f"u{i}", "attributes": {"email": f"u{i}@example.com", "plan": "crash"}}
                         for i in range(start, min(self.users, start + BATCH))]
                while True:
                    before = self.summary(self.canvas)["entered"]
                    try:
                        r = requests.post(self.stack.url + "/api/v1/canvas/trigger/send", json={"canvas_id": self.canvas, "recipients": batch},
                                          headers=self.headers, timeout=600)
                        if r.status_code == 201:
                            assert r.json()["entered"] == len(batch), r.text[:300]
                            break
                    except requests.RequestException:
                        pass
                    after = self.summary(self.canvas)["entered"]
                    if after == before + len(batch):
                        self.committed_unanswered += 1
                        break
                    assert after == before, f"torn entry: {before} → {after} for a request of {len(batch)}"
                    self.retried += 1
                self.sent = start + len(batch)
            self.done_at = time.monotonic()
        except BaseException as error:   # noqa: BLE001 — reported by the test
            self.error = error


def test_crash_matrix(stack, browser):
    started = time.monotonic()
    plan = kills_per_phase()
    crasher, sandbox = Crasher(stack), Sandbox(stack)
    key, canvas = launched_canvas(stack, EMAIL, "Crash buyers")
    headers, summary = api(stack, key)
    report = {"users": USERS, "kills_planned": plan, "lease_seconds": LEASE, "phases": {}}

    def facebook_probe():
        return sandbox.calls_started_after_restart("facebook", crasher)

    # 1. CSV import: each batch's rejects are written, then the app dies before the batch commits.
    imports = []

    def new_import():
        page, expected = import_csv(stack, 30_000, f"csv{len(imports) + 1}x")
        imports.append((page, expected))

    def import_refill():
        # An import that finished before the phase's kills were done is followed by another one.
        if not imports or import_progress(stack, imports[-1][0], patience=2)[0] != "running":
            new_import()

    crasher.run_phase("csv-import", plan["csv-import"], 0.3, lambda: import_progress(stack, imports[-1][0], patience=2)[1][0], after_start=new_import,
                      refill=import_refill)
    imported = 0
    for page, expected in imports:
        deadline = time.monotonic() + 300
        while (figures := import_progress(stack, page))[0] == "running" and time.monotonic() < deadline:
            time.sleep(0.5)
        status, numbers = figures
        assert status == "done" and numbers[:3] == [expected["read"], expected["imported"], expected["rejected"]], (page, figures, expected)
        report_lines = [line for line in session_for(stack).get(stack.url + page + "/rejected.csv", timeout=30).text.split("\r\n") if line]
        lines = [int(line.split(",")[0]) for line in report_lines[1:]]
        assert lines == expected["bad_lines"], f"rejects report of {page}: {len(lines)} lines, expected {len(expected['bad_lines'])}"
        imported += expected["imported"]
    crasher.figures["csv-import"].update(lost=0, duplicates=0, imports=len(imports), rows_imported=imported)
    print(f"\ncsv-import: {len(imports)} imports, {imported} rows, counts and reject reports exact", flush=True)

    # 2. Segment export of the imported users: Facebook has a batch, the cursor has not moved, the app dies.
    segment, size = segment_of(stack, "Imported", "csv1x")
    assert size == imports[0][1]["imported"], size
    with_email = size - imports[0][1]["without_email"]   # stored without their bad email: exported users skip them
    exports = []

    def new_export():
        name = f"Crash export {len(exports) + 1}"
        exports.append((name, start_export(stack, segment, name)))

    def export_refill():
        if not exports or export_progress(stack, exports[-1][1], patience=2)["status"] != "running":
            new_export()

    crasher.run_phase("segment-export", plan["segment-export"], 0.4, facebook_probe, per_kill_timeout=60, after_start=new_export,
                      refill=export_refill)
    export_dups = export_lost = 0
    for name, progress in exports:
        deadline = time.monotonic() + 300
        while (figures := export_progress(stack, progress))["status"] == "running" and time.monotonic() < deadline:
            time.sleep(0.5)
        members, adds = sandbox.facebook_audience(name)
        assert figures["status"] == "done" and figures["audiences"][0]["sent"] == with_email, figures
        export_lost += with_email - members
        export_dups += adds - members
    kills = crasher.figures["segment-export"]["kills"]
    assert export_lost == 0 and export_dups <= kills * BATCH, (export_lost, export_dups, kills)
    crasher.figures["segment-export"].update(lost=export_lost, duplicates=export_dups, exports=len(exports))
    print(f"segment-export: {len(exports)} exports of {size}, lost {export_lost}, duplicates {export_dups}", flush=True)

    # 3. Token refresh (Google): the partner issued a new access token, the app dies before saving it, and again
    # after each restart (the stored token is still the expired one) until the last, clean restart saves one.
    account = connect_google(stack, browser)
    gcanvas = sync_canvas(stack, session_for(stack), f"google|{account}", "Crash Google buyers")
    google_users = [f"g{i}@example.com" for i in range(200)]

    def google_round():
        # Sandbox-side expiry: the next call is refused (401), the app refreshes, and dies before saving.
        requests.post(stack.sandbox_url + "/_sandbox/google/tokens/expire", timeout=10).raise_for_status()
        batch = [{"external_user_id": email.split("@")[0], "attributes": {"email": email}} for email in google_users]
        try:   # the app may die refreshing right after committing, before answering: the figures below tell
            requests.post(stack.url + "/api/v1/canvas/trigger/send", json={"canvas_id": gcanvas, "recipients": batch}, headers=headers, timeout=60)
        except requests.RequestException:
            pass

    google_since = sandbox.last_seq("google")
    crasher.run_phase("token-refresh", plan["token-refresh"], 1.0, lambda: sandbox.calls_started_after_restart("google", crasher),
                      per_kill_timeout=60,
                      after_start=google_round)
    deadline = time.monotonic() + 120
    while (gfig := summary(gcanvas))["synced"] < len(google_users) and time.monotonic() < deadline:
        time.sleep(0.5)
    accepted = " ".join(e["body"] for e in sandbox.requests_since("google", google_since) if 200 <= e["status"] < 300)
    google_lost = [u for u in google_users if sha(u) not in accepted]
    google_dups = sum(max(0, accepted.count(sha(u)) - 1) for u in google_users)
    page = session_for(stack).get(stack.url + "/partners/google", timeout=30).text
    assert re.search(r'id="connection-status"[^>]*>\s*Token valid', page), "the Google connection did not survive the refresh kills"
    assert not google_lost and gfig["synced"] == len(google_users) and gfig["errored"] == 0, (len(google_lost), gfig)
    crasher.figures["token-refresh"].update(lost=0, duplicates=google_dups, users=len(google_users), connection="valid")
    print(f"token-refresh: {len(google_users)} Google users all synced; connection valid", flush=True)

    # 4. Ingest commit (/users/track): the app dies inside the transaction; the client sends the request again.
    tracked = {"requests": 0, "retried": 0}
    track_stop = threading.Event()

    def track_load():
        n = 0
        while not track_stop.is_set():
            body = {"attributes": [{"external_id": f"t{n}-{i}", "email": f"t{n}-{i}@example.com", "plan": "tracked"} for i in range(2000)]}
            while not track_stop.is_set():
                try:
                    r = requests.post(stack.url + "/api/v1/users/track", json=body, headers=headers, timeout=120)
                    if r.status_code == 201:
                        tracked["requests"] += 1
                        break
                except requests.RequestException:
                    pass
                tracked["retried"] += 1
                time.sleep(0.2)
            n += 1

    track_thread = threading.Thread(target=track_load, daemon=True)
    track_thread.start()
    crasher.run_phase("ingest-commit", plan["ingest-commit"], 0.3, lambda: tracked["requests"])
    track_stop.set()
    track_thread.join(180)
    _, tracked_size = segment_of(stack, "Tracked", "tracked")
    # Each acknowledged request added 2,000 new profiles; a request cut short added none or (if it committed just
    # before the kill) all of them, never part.
    assert tracked_size % 2000 == 0 and tracked_size >= tracked["requests"] * 2000, (tracked_size, tracked)
    crasher.figures["ingest-commit"].update(lost=0, duplicates=0, requests=tracked["requests"], retried=tracked["retried"],
                                            profiles=tracked_size)
    print(f"ingest-commit: {tracked['requests']} requests of 2,000 ({tracked['retried']} retried), {tracked_size} profiles", flush=True)

    # 5. The big run: USERS users entered (canvas-entry kills) and synced (claim, in flight, after answer, external).
    # While the users are entered the partner is slow (each call held 20 s, under the app's 30 s timeout), so a backlog builds up for the sync
    # phases that follow: claim, in flight, after the answer, external.
    ingest = Ingest(stack, headers, summary, canvas, USERS)

    def start_ingest():
        requests.post(stack.sandbox_url + "/_sandbox/faults", json={"partner": "facebook", "path_contains": "/users", "share": 1.0,
                                                                 "latency_ms": 20_000}, timeout=10).raise_for_status()
        ingest.start()

    def big_duplicates():
        members, adds = sandbox.facebook_audience("Crash buyers")
        return adds - members

    crasher.run_phase("canvas-entry", plan["canvas-entry"], 0.3, lambda: summary(canvas, 2)["entered"], active=lambda: ingest.is_alive(),
                      after_start=start_ingest)
    ingest.join()
    assert ingest.error is None, repr(ingest.error)
    # Stopped before the calls are let through: an unarmed app would drain the backlog the next phases kill in (at
    # two lanes it sent half of the 1,000,000 users during the pause below, and the last phases found nothing to do).
    crasher.stop_gracefully()
    requests.delete(stack.sandbox_url + "/_sandbox/faults", timeout=10)
    time.sleep(21)   # calls still held at the sandbox land: what they re-sent counts for this phase
    crasher.figures["canvas-entry"]["duplicates"] = big_duplicates()
    print(f"canvas-entry: {crasher.figures['canvas-entry']['kills']} kills; {USERS:,} entered "
          f"({ingest.retried} requests sent again, {ingest.committed_unanswered} committed but unanswered)", flush=True)
    # Every Facebook call of these phases is held at the sandbox: in flight, so that kills land while calls are on the
    # wire; in the others, so that the backlog lasts through all four phases. Unheld, the app sent the backlog faster
    # than the phases' kills came: each phase ends with a clean run of about 10 s (lease + hold + 4 s, for the batches
    # killed in flight to be sent again), which at a6dd505's speed sent about 400,000 users, and the last phase found
    # nothing to do (92 kills of the 100 planned). Held 2.5 s, two lanes send at most 8,000 users/s.
    latencies = {"claim": 2500, "partner-call-in-flight": 3000, "after-partner-answered": 2500, "external": 2500}
    fault = None
    for phase in ("claim", "partner-call-in-flight", "after-partner-answered", "external"):
        if fault:
            requests.delete(stack.sandbox_url + "/_sandbox/faults", timeout=10)
        fault = latencies[phase]
        requests.post(stack.sandbox_url + "/_sandbox/faults", json={"partner": "facebook", "path_contains": "/users", "share": 1.0,
                                                                 "latency_ms": fault}, timeout=10).raise_for_status()
        crasher.held = fault / 1000
        probability = dict((p[0], p[2]) for p in PHASES)[phase]
        crasher.run_phase(phase, plan[phase], probability, facebook_probe, per_kill_timeout=120,
                          active=lambda: summary(canvas, 2)["pending"] > 0, duplicates=big_duplicates)
        print(f"{phase}: {crasher.figures[phase]['kills']} kills; pending {summary(canvas)['pending']:,}", flush=True)
    if fault:
        requests.delete(stack.sandbox_url + "/_sandbox/faults", timeout=10)
    deadline = time.monotonic() + 3600
    while (figures := summary(canvas))["pending"] > 0 and time.monotonic() < deadline:
        time.sleep(1)
    drained = time.monotonic()
    members, adds = sandbox.facebook_audience("Crash buyers")
    crasher.check_integrity("the end")
    # Every user is in the audience exactly as expected (the member list compared hash by hash).
    detail = sandbox.facebook_members("Crash buyers")
    expected = sorted(sha(f"u{i}@example.com") for i in range(USERS))
    missing = len(set(expected) - set(detail["members"]))
    extra = len(set(detail["members"]) - set(expected))
    sync_kills = sum(crasher.figures[p]["kills"] for p in ("canvas-entry", "claim", "partner-call-in-flight", "after-partner-answered", "external"))
    duplicates = adds - members
    # Batches a partner call failed for (timed out, refused) are sent again too: at-least-once, not a kill's doing.
    resent_after_errors = crasher.log.read_text(errors="replace").count("item(s) transient")
    report["big_run"] = {"entered": figures["entered"], "synced": figures["synced"], "pending": figures["pending"],
                         "errored": figures["errored"], "audience_members": members, "rows_received": adds, "missing": missing, "extra": extra,
                         "duplicates": duplicates, "kills": sync_kills, "duplicate_bound": sync_kills * LANES * BATCH,
                         "batches_retried_after_transient_errors": resent_after_errors,
                         "ingest_retried": ingest.retried, "ingest_committed_unanswered": ingest.committed_unanswered,
                         "seconds": round(drained - started, 1)}
    for phase in ("canvas-entry", "claim", "partner-call-in-flight", "after-partner-answered", "external"):
        crasher.figures[phase]["lost"] = missing   # one audience for the whole run: users lost run-wide
    assert figures["entered"] == USERS and figures["synced"] == USERS and figures["pending"] == 0 and figures["errored"] == 0, figures
    assert missing == 0 and extra == 0 and members == USERS, (missing, extra, members)
    report["removals"] = removals_phase(stack, crasher, sandbox, headers, summary, canvas, plan, facebook_probe)
    finish_report(report, crasher, started)
    assert duplicates <= sync_kills * LANES * BATCH, (duplicates, sync_kills)
    total_kills = sum(f["kills"] for f in crasher.figures.values())
    assert total_kills >= KILLS, f"only {total_kills} kills"
    assert all(r["result"] == "ok" for r in crasher.integrity)


def removals_phase(stack, crasher, sandbox, headers, summary, canvas, plan, facebook_probe):
    """6. Withdrawal and erasure (issue 16): a tenth of the big run's users (at most 20,000) leave — half withdraw consent
    through /users/track, half are erased through /users/delete — while the app is killed inside erasure transactions and
    after Facebook took a batch of removals. Afterwards every one of them is out of the audience and nobody else is,
    the step's figures still add up, and no erased person's email is left in the database file, its WAL or the logs."""
    n = min(USERS // 10, 20_000)
    withdrawn, erased = range(0, n // 2), range(n // 2, n)
    progress = {"withdrawn": 0, "erased": 0, "retried": 0}
    # Every one of them is also in a second audience of the same ad account: they leave both with Meta's account-wide
    # call (usersofanyaudience), which the kills below must not break either.
    loyal = sync_canvas(stack, session_for(stack), "facebook|act_1001", "Crash loyal")
    for start in range(0, n, BATCH):
        batch = [{"external_user_id": f"u{i}", "attributes": {"email": f"u{i}@example.com"}} for i in range(start, min(n, start + BATCH))]
        assert requests.post(stack.url + "/api/v1/canvas/trigger/send", json={"canvas_id": loyal, "recipients": batch}, headers=headers,
                             timeout=120).status_code == 201
    deadline = time.monotonic() + 600
    while summary(loyal)["synced"] < n and time.monotonic() < deadline:
        time.sleep(1)
    assert len(sandbox.facebook_members("Crash loyal")["members"]) == n
    log_before = sandbox.last_seq("facebook")

    def until_answered(path, body, key, count):
        while True:   # a careful client: a request the app could not answer is sent again (both calls are idempotent)
            try:
                r = requests.post(stack.url + path, json=body, headers=headers, timeout=120)
                if r.status_code in (200, 201):
                    progress[key] += count
                    return
            except requests.RequestException:
                pass
            progress["retried"] += 1
            time.sleep(0.2)

    def leave(first, last):
        for start in range(first, last, 1000):
            ids = withdrawn[start:min(last, start + 1000)]
            until_answered("/api/v1/users/track", {"attributes": [{"external_id": f"u{i}", "do_not_sell": True} for i in ids]}, "withdrawn", len(ids))
            ids = erased[start:min(last, start + 1000)]
            until_answered("/api/v1/users/delete", {"external_ids": [f"u{i}" for i in ids]}, "erased", len(ids))

    # Half the users leave while erasure transactions are killed, the other half while removals are (the engine sends
    # removals within seconds: they must be queued during the phase that kills them).
    half = len(withdrawn) // 2
    first = threading.Thread(target=leave, args=(0, half), daemon=True)
    crasher.run_phase("erasure-commit", plan["erasure-commit"], 1.0, lambda: progress["erased"], after_start=first.start, active=first.is_alive)
    first.join(600)
    second = threading.Thread(target=leave, args=(half, len(withdrawn)), daemon=True)
    crasher.run_phase("removal-answered", plan["removal-answered"], 1.0, facebook_probe, per_kill_timeout=120, after_start=second.start,
                      active=lambda: second.is_alive() or summary(canvas, 2)["removals"]["pending"] > 0)
    second.join(600)
    assert not first.is_alive() and not second.is_alive(), progress
    assert progress["withdrawn"] == len(withdrawn) and progress["erased"] == len(erased), progress
    deadline = time.monotonic() + 600
    while (figures := summary(canvas))["removals"]["pending"] > 0 and time.monotonic() < deadline:
        time.sleep(1)
    crasher.check_integrity("the removals")
    detail = sandbox.facebook_members("Crash buyers")
    expected = {sha(f"u{i}@example.com") for i in range(n, USERS)}
    members = set(detail["members"])
    still_in, removed_wrongly = len(members - expected), len(expected - members)
    leaked = sorted({int(m.group(1)) for f in (stack.data / "audiencesync.sqlite", stack.data / "audiencesync.sqlite-wal",
                                               *(stack.data / "logs").glob("*.log")) if f.exists()
                     for m in re.finditer(rb"u(\d+)@example\.com", f.read_bytes()) if n // 2 <= int(m.group(1)) < n})
    figures = summary(canvas)
    loyal_left = len(sandbox.facebook_members("Crash loyal")["members"])
    account_wide = sum(1 for e in sandbox.requests_since("facebook", log_before) if "usersofanyaudience" in e.get("path", ""))
    result = {"withdrawn": len(withdrawn), "erased": len(erased), "requests_sent_again": progress["retried"], "removals": figures["removals"],
              "left_in_audience": still_in, "removed_wrongly": removed_wrongly, "erased_emails_left": len(leaked),
              "left_in_second_audience": loyal_left, "account_wide_calls": account_wide}
    for phase in ("erasure-commit", "removal-answered"):
        crasher.figures[phase]["lost"] = still_in
        crasher.figures[phase]["duplicates"] = 0
    print(f"removals: {result}", flush=True)
    assert figures["removals"] == {"pending": 0, "removed": n, "errored": 0}, figures
    assert still_in == 0 and removed_wrongly == 0, result
    assert loyal_left == 0 and account_wide > 0, result
    assert figures["entered"] == USERS == figures["synced"] + figures["not_synced"] + figures["errored"] + figures["pending"], figures
    assert not leaked, f"{len(leaked)} erased emails left, e.g. u{leaked[0]}@example.com"
    return result


def finish_report(report, crasher, started):
    rows = []
    for name, _, probability, _ in PHASES:
        f = crasher.figures.get(name, {"kills": 0, "resume_seconds": []})
        resume = f.get("resume_seconds", [])
        report["phases"][name] = {**{k: v for k, v in f.items() if k != "resume_seconds"}, "probability": probability,
                                  "resume_p50_s": round(pct(resume, 0.5), 2) if resume else None,
                                  "resume_max_s": round(max(resume), 2) if resume else None, "resume_samples": len(resume)}
        report["phases"][name]["duplicate_bound"] = f.get("kills", 0) * LANES * BATCH
        rows.append((name, f.get("kills", 0), f.get("lost"), f.get("duplicates"), report["phases"][name]["resume_p50_s"],
                     report["phases"][name]["resume_max_s"], len(resume)))
    report["kills"] = sum(r[1] for r in rows)
    report["integrity_checks"] = crasher.integrity
    report["seconds"] = round(time.monotonic() - started, 1)
    OUT.mkdir(exist_ok=True)
    (OUT / "crash.json").write_text(json.dumps(report, indent=2))
    big = report.get("big_run", {})
    print(f"\nCrash matrix: {report['users']:,} users, {report['kills']} kills, {report['seconds']:.0f} s")
    print(f"{'phase':<24}{'kills':>6}{'lost':>7}{'dups':>9}{'bound':>9}{'resume p50 s':>14}{'max s':>8}{'n':>5}")
    for name, kills, lost, dups, p50, mx, n in rows:
        show = lambda v: "—" if v is None else str(v)
        print(f"{name:<24}{kills:>6}{show(lost):>7}{show(dups):>9}{kills * BATCH:>9}{show(p50):>14}{show(mx):>8}{n:>5}")
    if big:
        print(f"big run: entered {big['entered']:,}, synced {big['synced']:,}, audience {big['audience_members']:,} "
              f"(missing {big['missing']}, extra {big['extra']}), rows received {big['rows_received']:,}, duplicates "
              f"{big['duplicates']:,} (bound {big['duplicate_bound']:,}; batches retried after a partner error "
              f"{big['batches_retried_after_transient_errors']}), ingest retries {big['ingest_retried']}, "
              f"committed-unanswered {big['ingest_committed_unanswered']}")
    print(f"integrity_check: {len(crasher.integrity)} runs, all {set(r['result'] for r in crasher.integrity)}")
    print("written to test-output/crash.json", flush=True)
