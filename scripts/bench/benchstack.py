"""One AudienceSync stack for the benchmarks: release binary, its own data folder and free ports, started and
stopped by scripts/stack.sh, and set up through the dashboard's own forms exactly like the e2e tests do
(Tests/e2e/conftest.py: admin user, system-user token connection, API key, canvas with one Facebook Add step)."""
import collections
import hashlib
import html
import json
import math
import os
import pathlib
import re
import shutil
import socket
import sqlite3
import subprocess
import time
import urllib.parse

import requests

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(os.environ.get("AUDIENCESYNC_BIN", ROOT / ".build" / "release" / "audiencesync"))
OUT = ROOT / "test-output" / "bench"
PASSWORD = "bench correct horse battery"
EMAIL = "bench@bench.test"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """User + system CPU time of one process (all its threads) so far, from /proc/<pid>/stat."""
    stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
    # The command name (field 2) is in parentheses and may hold spaces: split after its closing one, so
    # fields[0] is field 3 (state) and utime, stime (fields 14, 15) are fields[11], fields[12].
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def child_pids(parent):
    """Processes whose parent is `parent` (nginx's workers), found by the ppid in /proc/*/stat."""
    children = []
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        if int(fields[1]) == parent:
            children.append(int(stat.parent.name))
    return children


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def csrf_of(session, url):
    """The CSRF token of the form on the page at `url`."""
    return re.search(r'name="_csrf" value="([^"]+)"', session.get(url, timeout=30).text).group(1)


class Stack:
    """sandbox + serve + nginx on free ports, data in test-output/bench/<name>-<ms>/."""

    def __init__(self, name, env=None):
        self.name = name
        self.data = OUT / f"{name}-{int(time.time() * 1000)}"
        self.http, self.sandbox = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.http}"
        self.sandbox_url = f"http://127.0.0.1:{self.sandbox}"
        self.env = dict(os.environ, AUDIENCESYNC_BIN=str(BIN), AUDIENCESYNC_DATA_DIR=str(self.data), **(env or {}))
        self.key = None
        self.canvas = None
        self.step = None
        self.session = None

    # -- processes ---------------------------------------------------------------------------------------

    def start(self):
        self.data.mkdir(parents=True, exist_ok=True)
        subprocess.run([str(ROOT / "scripts/stack.sh"), "start", str(self.data), str(self.http), str(self.sandbox)],
                       check=True, env=self.env, cwd=ROOT)
        return self

    def stop(self, keep=False):
        subprocess.run([str(ROOT / "scripts/stack.sh"), "stop", str(self.data)], env=self.env, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
        if not keep:
            shutil.rmtree(self.data, ignore_errors=True)

    def pid(self, name):
        return int((self.data / f"{name}.pid").read_text())

    def proc_status(self, name="app"):
        """/proc/<pid>/status of one of the stack's processes, as a dict of kB figures (VmHWM, VmRSS, …)."""
        out = {}
        for line in pathlib.Path(f"/proc/{self.pid(name)}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if value.strip().endswith(" kB"):
                out[key] = int(value.split()[0])
        return out

    def cpu_snapshot(self):
        """CPU-seconds so far of serve, the sandbox and nginx (master and workers: they do the HTTP work of both
        servers); a phase's use is the difference of two snapshots. Workers are long-lived, so the sum stays monotonic."""
        master = self.pid("nginx")
        return {"serve": cpu_seconds(self.pid("app")), "sandbox": cpu_seconds(self.pid("sandbox")),
                "nginx": sum(cpu_seconds(pid) for pid in [master] + child_pids(master))}

    @property
    def db_path(self):
        return self.data / "audiencesync.sqlite"

    # -- history ---------------------------------------------------------------------------------------------

    def insert_step_history(self, users, days=30):
        """Gives the bench step `days` days of past traffic, as if `users` more users had gone through it hour by hour
        before this run, so the step page's chart (and the canvas page's totals) have a history to read. Call it while
        the app is idle (everything synced). Returns the hours filled.

        The pages read a step's figures from two places: `entered`, `exited` and the Not Synced figures are sums of
        the hourly `step_metric` rows, while Users Synced / Pending / Errored come from `step_item_count`, kept in step
        with the queue's chunks. Adding chart rows alone would make Entered exceed Synced + Not Synced + Errored +
        Pending, a figure the app can never show; so every history user is written the way the app writes one that
        entered and was synced: a profile, a slot in a synced chunk (one chunk per 5-second flush, holding the users
        that flush sent) with its `chunk_user` index row, the hour's step_metric rows (entered, queued, exited,
        synced), step_item_count and the partner's receipts (step_partner_figures) moved by the same amounts, and, for
        the last 7 days (what the app keeps of its request log), one sync_request line per flush. Only hours before
        the current one are filled: this run's own figures are in the current hour and stay as they are. The sandbox
        does not know these users, so the partner's own audience size stays this run's.
        """
        this_hour = int(time.time() // 3600) * 3600
        hours = [this_hour - 3600 * back for back in range(days * 24, 0, -1)]
        # The app prunes its request log (7 days) hourly; an hour to spare keeps our lines out of its next prune.
        log_from = time.time() - 7 * 86_400 + 3600
        db = sqlite3.connect(self.db_path, timeout=30)  # busy timeout: serve may be writing (an hourly prune, a size check)
        try:
            with db:  # one transaction: the pages never see half a history
                step = int(self.step)
                workspace = db.execute("SELECT c.workspace_id FROM canvas_step s JOIN canvas c ON c.id = s.canvas_id WHERE s.id = ?",
                                       (step,)).fetchone()[0]
                number = 0
                for hour, count in zip(hours, daily_shape(users, hours)):
                    flushes = insert_history_hour(db, step, workspace, hour, count, number)
                    number += count
                    if hour >= log_from:
                        db.executemany("INSERT INTO sync_request (step_id, at, users, outcome, summary, latency_ms) VALUES (?, ?, ?, 'ok', ?, ?)",
                                       [(step, at, n, f"received {n}, invalid 0", 110 + n % 40) for at, n in sorted(flushes.items())])
                db.execute("""INSERT INTO step_item_count (step_id, state, count) VALUES (?, 'synced', ?)
                              ON CONFLICT (step_id, state) DO UPDATE SET count = count + excluded.count""", (step, users))
                db.execute("""INSERT INTO step_partner_figures (step_id, received, invalid) VALUES (?, ?, 0)
                              ON CONFLICT (step_id) DO UPDATE SET received = received + excluded.received""", (step, users))
        finally:
            db.close()
        return len(hours)

    # -- setup through the dashboard -----------------------------------------------------------------------

    def create_admin(self):
        subprocess.run([str(BIN), "admin", "create-user", "--workspace", "Bench workspace", "--email", EMAIL, "--password-stdin",
                        "--role", "admin", "--replace-existing"], input=PASSWORD + "\n", text=True, check=True, env=self.env,
                       cwd=ROOT, stdout=subprocess.DEVNULL)

    def sign_in(self):
        """A requests.Session signed in through the real sign-in form."""
        s = requests.Session()
        s.trust_env = False
        page = s.get(self.url + "/signin", timeout=10).text
        token = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
        r = s.post(self.url + "/signin", data={"_csrf": token, "email": EMAIL, "password": PASSWORD, "next": "/partners"},
                   allow_redirects=False, timeout=10)
        if r.status_code != 303:
            raise RuntimeError(f"sign-in failed: {r.status_code} {r.text[:300]}")
        self.session = s
        return s

    def session_cookie(self):
        """`name=value` of the signed-in session cookie, for wrk -H."""
        for cookie in self.session.cookies:
            if cookie.name in ("as_session", "__Host-as_session"):
                return f"{cookie.name}={cookie.value}"
        raise RuntimeError("no session cookie after sign-in")

    def api_key(self):
        s, url = self.session, self.url
        page = s.post(url + "/settings/api-keys", data={"_csrf": csrf_of(s, url + "/settings/api-keys"), "name": "bench"}, timeout=10).text
        self.key = re.search(r'id="new-key-value">([^<]+)<', page).group(1)
        return self.key

    def system_user_token(self):
        """A fresh Business Manager system-user token issued by the sandbox (never expires)."""
        page = requests.post(self.sandbox_url + "/facebook/www/business/settings/system-users", timeout=10).text
        return page.split('<code class="fb-token">')[1].split("</code>")[0]

    def connect_facebook(self, account="act_1001"):
        s, url = self.session, self.url
        token = self.system_user_token()
        s.post(url + "/partners/facebook/token", data={"_csrf": csrf_of(s, url + "/partners/facebook"), "token": token}, timeout=30)
        s.post(url + "/partners/facebook/accounts",
               data={"_csrf": csrf_of(s, url + "/partners/facebook/accounts"), "account": account}, timeout=30)

    def enable_pro(self, partners):
        """Technology Partners → Select partners: enables `partners` (the installation needs enough Pro purchases)."""
        s, url = self.session, self.url
        r = s.post(url + "/partners/pro", data={"_csrf": csrf_of(s, url + "/partners"), "partner": list(partners)},
                   allow_redirects=False, timeout=30)
        if r.status_code != 303:
            raise RuntimeError(f"enabling {partners} failed: {r.status_code} {r.text[:300]}")

    def connect_oauth(self, partner):
        """Connects `partner` through its real consent flow: Connect → the sandbox's consent page → its Allow button →
        the app's callback; then chooses the first ad account offered. Returns that account's id."""
        s, url = self.session, self.url
        r = s.post(f"{url}/partners/{partner}/connect", data={"_csrf": csrf_of(s, f"{url}/partners/{partner}")},
                   allow_redirects=False, timeout=30)
        consent = r.headers.get("Location", "")
        if r.status_code != 303 or not consent.startswith(self.sandbox_url):
            raise RuntimeError(f"connect {partner}: {r.status_code} {consent or r.text[:300]}")
        browser = requests.Session()
        browser.trust_env = False
        page = browser.get(consent, timeout=30).text
        action, fields = allow_form(page, consent)
        r = browser.post(action, data=fields, allow_redirects=False, timeout=30)
        callback = r.headers.get("Location", "")
        if not callback.startswith(url):
            raise RuntimeError(f"{partner} consent did not return to the app: {r.status_code} {callback or r.text[:300]}")
        r = s.get(callback, allow_redirects=False, timeout=60)
        if r.status_code != 303 or "connected" not in r.headers.get("Location", ""):
            raise RuntimeError(f"{partner} callback failed: {r.status_code} {r.text[:300]}")
        page = s.get(f"{url}/partners/{partner}/accounts", timeout=60).text
        accounts = [html.unescape(a) for a in re.findall(r'name="account" value="([^"]+)"', page)]
        if not accounts:
            raise RuntimeError(f"{partner} offered no ad account")
        s.post(f"{url}/partners/{partner}/accounts",
               data={"_csrf": csrf_of(s, f"{url}/partners/{partner}/accounts"), "account": accounts[0]}, timeout=60)
        return accounts[0]

    def launch_canvas(self, audience_name, account="act_1001", fields=("email",), partner="facebook"):
        """A canvas with one Add step to a new audience of `partner`, launched. Returns (canvas id, step id)."""
        s, url = self.session, self.url
        r = s.post(url + "/canvases", data={"_csrf": csrf_of(s, url + "/canvases"), "name": audience_name},
                   allow_redirects=False, timeout=10)
        canvas = r.headers["Location"].rsplit("/", 1)[-1]
        r = s.post(f"{url}/canvases/{canvas}/add-step",
                   data={"_csrf": csrf_of(s, f"{url}/canvases/{canvas}"), "kind": "audience_sync"}, allow_redirects=False, timeout=10)
        step = r.headers["Location"].rsplit("/", 1)[-1]
        form = {"_csrf": csrf_of(s, f"{url}/canvases/{canvas}/steps/{step}"), "destination": f"{partner}|{account}",
                "audience_mode": "new", "audience_name": audience_name, "action": "add", "field": list(fields)}
        r = s.post(f"{url}/canvases/{canvas}/steps/{step}/save", data=form, allow_redirects=False, timeout=10)
        if r.status_code != 303:
            raise RuntimeError(f"saving the step failed: {r.status_code} {r.text[:300]}")
        # confirmed=1: what the launch confirmation page re-posts.
        r = s.post(f"{url}/canvases/{canvas}/launch", data={"_csrf": csrf_of(s, f"{url}/canvases/{canvas}"), "confirmed": "1"},
                   allow_redirects=False, timeout=60)
        if "launched" not in r.headers.get("Location", ""):
            problems = re.search(r'id="launch-problems">(.*?)</section>', r.text, re.S)
            detail = re.sub(r"<[^>]+>", " ", problems.group(1)) if problems else r.text[:500]
            raise RuntimeError(f"launch failed: {r.status_code} {' '.join(detail.split())}")
        self.canvas, self.step = canvas, step
        return canvas, step

    def setup(self, audience_name=None):
        """Admin, session, API key; with `audience_name` also the Facebook connection and a launched canvas."""
        self.create_admin()
        self.sign_in()
        self.api_key()
        if audience_name:
            self.connect_facebook()
            self.launch_canvas(audience_name)
        return self

    def create_segment(self, name, filters):
        """A segment through its forms; `filters` are (attribute, op, value) triples, each its own condition."""
        r = self.session.post(self.url + "/segments", data={"_csrf": csrf_of(self.session, self.url + "/segments"), "name": name},
                              allow_redirects=False, timeout=10)
        segment = r.headers["Location"].rsplit("/", 1)[-1]
        page = f"{self.url}/segments/{segment}"
        for attribute, op, value in filters:
            r = self.session.post(page + "/add-filter", data={"_csrf": csrf_of(self.session, page), "attribute": attribute, "op": op,
                                                              "value": value, "group": "new"}, allow_redirects=False, timeout=120)
            r.raise_for_status()
        return segment

    def upload_csv(self, path):
        """Uploads a CSV on the import page (multipart, streamed from the file); returns the import's id."""
        token = csrf_of(self.session, self.url + "/settings/imports")
        with open(path, "rb") as handle:
            r = self.session.post(self.url + "/settings/imports", data={"_csrf": token}, files={"file": (path.name, handle, "text/csv")},
                                  allow_redirects=False, timeout=600)
        if r.status_code != 303:
            raise RuntimeError(f"upload refused: {r.status_code} {r.text[:300]}")
        return r.headers["Location"].rsplit("/", 1)[-1]

    # -- API and sandbox ---------------------------------------------------------------------------------

    def api_headers(self):
        return {"Authorization": "Bearer " + self.key, "Content-Type": "application/json"}

    def summary(self):
        r = requests.get(self.url + "/api/v1/canvas/data_summary", params={"canvas_id": self.canvas},
                         headers={"Authorization": "Bearer " + self.key}, timeout=30)
        r.raise_for_status()
        return r.json()["steps"][0]

    def sandbox_state(self):
        return requests.get(self.sandbox_url + "/_sandbox/facebook/state", timeout=30).json()

    def sandbox_audience(self, name):
        """(id, member_count) of the sandbox audience called `name`."""
        for audience in self.sandbox_state()["audiences"]:
            if audience["name"] == name:
                return audience["id"], audience["member_count"]
        raise RuntimeError(f"no audience {name!r} at the sandbox")

    def sandbox_members(self, audience_id):
        for audience in self.sandbox_state()["audiences"]:
            if audience["id"] == audience_id:
                return audience["member_count"]
        return 0

    def fault(self, **rule):
        requests.post(self.sandbox_url + "/_sandbox/faults", json={"partner": "facebook", **rule}, timeout=10).raise_for_status()

    def clear_faults(self):
        requests.delete(self.sandbox_url + "/_sandbox/faults", timeout=10).raise_for_status()

    def sandbox_config(self, **settings):
        r = requests.post(self.sandbox_url + "/_sandbox/facebook/config", json=settings, timeout=10)
        r.raise_for_status()
        return r.json()


def daily_shape(total, hours):
    """`total` users spread over `hours` (unix hour starts) in a daily rhythm: a quiet night, a busy afternoon (UTC)."""
    weights = [1 + 0.6 * math.sin(2 * math.pi * ((hour // 3600) % 24 - 9) / 24) for hour in hours]
    whole, counts, done, running = sum(weights), [], 0, 0.0
    for weight in weights:  # rounding the running sum keeps the total exact
        running += weight
        upto = round(total * running / whole)
        counts.append(upto - done)
        done = upto
    return counts


def insert_history_hour(db, step, workspace, hour, count, first):
    """One past hour of the step's traffic (see Stack.insert_step_history): `count` users h<first>…, each a profile and a
    slot in a synced chunk (one per 5-second flush), plus the hour's step_metric rows. Returns {flush time: users sent} of the hour's 5-second flushes."""
    flushes = collections.Counter()
    profiles, chunks = [], {}
    for k in range(count):
        external = f"h{first + k}"
        email = f"{external}@example.com"
        entered = hour + (k + 0.5) * 3590 / count
        sent = hour + 5 * ((entered - hour) // 5) + 5  # the flusher sends what waited at its next 5-second interval
        finished = sent + 0.12  # the partner's answer
        flushes[sent] += 1
        profiles.append((workspace, external, json.dumps({"email": email}, separators=(",", ":")), entered, entered))
        chunk = chunks.setdefault(sent, {"users": [], "rows": [], "created": entered, "finished": finished})
        chunk["users"].append(external)
        chunk["rows"].append([hashlib.sha256(email.encode()).hexdigest()])
    db.executemany("INSERT INTO profile (workspace_id, external_id, attributes, created_at, updated_at) VALUES (?, ?, ?, ?, ?)", profiles)
    for sent, chunk in chunks.items():
        users = json.dumps(chunk["users"], separators=(",", ":"))
        cursor = db.execute("""INSERT INTO sync_chunk (step_id, state, count, schema, users, rows, created_at, attempts, first_attempt_at,
                                                       next_attempt_at, finished_at)
                               VALUES (?, 'synced', ?, '["EMAIL"]', ?, ?, ?, 1, ?, 0, ?)""",
                            (step, len(chunk["users"]), users, json.dumps(chunk["rows"], separators=(",", ":")), chunk["created"], sent,
                             chunk["finished"]))
        db.execute("INSERT INTO chunk_user (external_id, chunk_id, slot) SELECT value, ?, key FROM json_each(?)", (cursor.lastrowid, users))
    db.executemany("""INSERT INTO step_metric (step_id, metric, hour, count) VALUES (?, ?, ?, ?)
                      ON CONFLICT (step_id, metric, hour) DO UPDATE SET count = count + excluded.count""",
                   [(step, metric, hour, count) for metric in ("entered", "queued", "exited", "synced") if count])
    return flushes


def allow_form(page, page_url):
    """The consent page's approving form: (absolute action URL, fields including the Allow button's name/value)."""
    for form in re.finditer(r"<form\b(.*?)>(.*?)</form>", page, re.S | re.I):
        attributes, inner = form.group(1), form.group(2)
        button = re.search(r"<button\b[^>]*\bid=\"allow\"[^>]*>", inner)
        if not button:
            continue
        action = re.search(r'action="([^"]*)"', attributes)
        fields = {}
        for tag in re.findall(r"<input\b[^>]*>", inner):
            name = re.search(r'name="([^"]*)"', tag)
            value = re.search(r'value="([^"]*)"', tag)
            if name:
                fields[html.unescape(name.group(1))] = html.unescape(value.group(1)) if value else ""
        name = re.search(r'name="([^"]*)"', button.group(0))
        value = re.search(r'value="([^"]*)"', button.group(0))
        if name:
            fields[html.unescape(name.group(1))] = html.unescape(value.group(1)) if value else ""
        target = urllib.parse.urljoin(page_url, html.unescape(action.group(1)) if action else page_url)
        return target, fields
    raise RuntimeError("the consent page has no form with an Allow button (id=\"allow\")")


def recipients_body(canvas, start, count, prefix="u"):
    """A /canvas/trigger/send body entering users prefix<start>…prefix<start+count-1> with an email each."""
    recipients = [{"external_user_id": f"{prefix}{i}", "attributes": {"email": f"{prefix}{i}@example.com"}}
                  for i in range(start, start + count)]
    return json.dumps({"canvas_id": canvas, "recipients": recipients}, separators=(",", ":")).encode()


def track_body(start, count, prefix="p"):
    """A /users/track body of `count` new profiles with a few standard attributes each."""
    countries = ("US", "GB", "DE", "FR", "CA")
    objects = [{"external_id": f"{prefix}{i}", "email": f"{prefix}{i}@example.com", "first_name": "Mary", "last_name": "Major",
                "country": countries[i % 5], "ads_tracking_enabled": True, "plan": "gold"}
               for i in range(start, start + count)]
    return json.dumps({"attributes": objects}, separators=(",", ":")).encode()
