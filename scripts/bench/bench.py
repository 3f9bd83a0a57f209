"""`make bench`: AudienceSync's figures on this machine, release build, against the partner sandbox through nginx.

    .venv-bench/bin/python scripts/bench/bench.py [FIGURE ...]      FIGURE: ingest throughput pages latency memory partners
                                                                    segments import sandbox (default: all)

Each figure starts its own stack (scripts/stack.sh with the release binary, a data folder under
test-output/bench/, free ports) and stops it afterwards; `throughput` also runs the facebook-business SDK baseline
against the same sandbox, and `pages` reuses the stack `throughput` filled when both run; `sandbox` measures the
partner sandbox alone, sent the SDK's add calls by several clients. Targets are goals: the output says which are
met; the exit status is 0 whenever every figure could be measured.

Settings (environment): BENCH_USERS (1,000,000: throughput, SDK baseline, pages data, memory and sandbox rows),
BENCH_HISTORY_USERS (earlier users over the 30 days of step history `pages` writes before measuring; BENCH_USERS),
BENCH_INGEST_PROFILES (1,000,000), BENCH_LATENCY_RATE (10,000 users/s) and BENCH_LATENCY_SECONDS (60), BENCH_CLIENTS
(concurrent API clients, 2), BENCH_SANDBOX_CLIENTS (concurrent clients of `sandbox`, 4), BENCH_WRK_SECONDS (10),
BENCH_KEEP=1 keeps the data folders, BENCH_PARTNERS (partners of the `partners` figure, default all six besides
Facebook; each line is printed beside Facebook's figure of the same run).
"""
import concurrent.futures
import json
import os
import platform
import re
import sqlite3
import subprocess
import sys
import threading
import time

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchstack import BIN, ROOT, Stack, recipients_body, track_body  # noqa: E402

FIGURES = ["ingest", "throughput", "pages", "latency", "memory", "partners", "segments", "import", "sandbox"]
PARTNERS = ["google", "tiktok", "pinterest", "snapchat", "criteo", "linkedin"]
PRO = ["tiktok", "pinterest", "snapchat", "criteo", "linkedin"]
USERS = int(os.environ.get("BENCH_USERS", "1000000"))
INGEST_PROFILES = int(os.environ.get("BENCH_INGEST_PROFILES", "1000000"))
LATENCY_RATE = int(os.environ.get("BENCH_LATENCY_RATE", "10000"))
LATENCY_SECONDS = int(os.environ.get("BENCH_LATENCY_SECONDS", "60"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "2"))
SANDBOX_CLIENTS = int(os.environ.get("BENCH_SANDBOX_CLIENTS", "4"))
HISTORY_DAYS = 30
HISTORY_USERS = int(os.environ.get("BENCH_HISTORY_USERS", str(USERS)))
WRK_SECONDS = int(os.environ.get("BENCH_WRK_SECONDS", "10"))
KEEP = os.environ.get("BENCH_KEEP", "") not in ("", "0")
BATCH = 10_000
SYNC_DEADLINE = float(os.environ.get("BENCH_SYNC_DEADLINE", "1200"))


def repeat(figure):
    """The command that measures `figure` again, with the BENCH_* settings of this run (a figure of 20,000 users is
    not the same figure as one of 1,000,000)."""
    settings = [f"{name}={os.environ[name]}" for name in sorted(os.environ) if name.startswith("BENCH_") and name != "BENCH_KEEP"]
    return " ".join(settings + [f"make bench BENCH={figure}"])


def say(text=""):
    print(text, flush=True)


def section(text):
    """A figure's header, with the load average: another process's work on this 2-core machine shows in the figures."""
    say(f"\n## {text}")
    say(f"   (load average {' '.join(open('/proc/loadavg').read().split()[:3])})")


def num(n, digits=0):
    return f"{n:,.{digits}f}"


class Result:
    def __init__(self, figure, value, target, met, command, note=""):
        self.figure, self.value, self.target, self.met, self.command, self.note = figure, value, target, met, command, note


class CpuPhase:
    """CPU-seconds each process spent over one phase (a `with` block): the stack's serve, sandbox and nginx (from
    /proc), this process, which is the load client (its request threads and its polls), and the child processes it
    waited for meanwhile (the SDK script: a child's time is added to ours only once it is waited for, as
    RUSAGE_CHILDREN counts it)."""

    def __init__(self, stack):
        self.stack = stack
        self.used = {}
        self.seconds = 0.0

    def sample(self):
        figures = self.stack.cpu_snapshot()
        mine = os.times()
        figures["client"] = mine.user + mine.system
        figures["children"] = mine.children_user + mine.children_system
        return figures

    def __enter__(self):
        self.before = self.sample()
        self.started = time.perf_counter()
        return self

    def __exit__(self, *_):
        after = self.sample()
        self.seconds = time.perf_counter() - self.started
        self.used = {name: after[name] - self.before[name] for name in after}
        return False

    def report(self, title, count, unit, rows):
        """Prints one line per (key, label) of `rows`: CPU-seconds and µs per `unit` over `count` of them."""
        say(f"    CPU, {title} ({self.seconds:.1f} s wall):")
        for key, label in rows:
            say(f"      {label:<36} {self.used[key]:7.2f} s  {micro(self.per(key, count))} µs/{unit}")

    def per(self, key, count):
        """µs of CPU per item of `count`."""
        return self.used[key] / count * 1e6


def micro(us):
    """µs with about three significant digits: 187, 7.7, 0.42."""
    return f"{us:,.0f}" if us >= 100 else (f"{us:.1f}" if us >= 1 else f"{us:.2f}")


STACK_CPU = [("sandbox", "sandbox (Graph API)"), ("nginx", "nginx (master + workers)")]


class Bench:
    def __init__(self):
        self.results = []
        self.synced_stack = None   # the stack `throughput` filled, for `pages`
        self.throughput = None     # users/s, for the SDK ratio
        self.pipeline_cpu = None   # CpuPhase of the pipeline (entry → all synced), for the CPU ratio with the SDK

    def record(self, result):
        self.results.append(result)
        met = "n/a" if result.met is None else ("MET" if result.met else "NOT MET")
        say(f"==> {result.figure}: {result.value}   (target {result.target}: {met})")
        if result.note:
            say(f"    {result.note}")
        say(f"    repeat: {result.command}")

    # -- helpers -------------------------------------------------------------------------------------------

    @staticmethod
    def post_all(url, headers, bodies, clients, expect=201, on_done=None):
        """POSTs every body with `clients` concurrent keep-alive connections; returns per-request seconds."""
        lock = threading.Lock()
        queue = list(enumerate(bodies))
        durations = [0.0] * len(bodies)

        def worker():
            s = requests.Session()
            s.trust_env = False
            while True:
                with lock:
                    if not queue:
                        return
                    index, body = queue.pop(0)
                started = time.perf_counter()
                r = s.post(url, data=body, headers=headers, timeout=600)
                durations[index] = time.perf_counter() - started
                if r.status_code != expect:
                    raise RuntimeError(f"POST {url} answered {r.status_code}: {r.text[:300]}")
                if on_done:
                    on_done(r.json())

        with concurrent.futures.ThreadPoolExecutor(clients) as pool:
            for f in [pool.submit(worker) for _ in range(clients)]:
                f.result()
        return durations

    @staticmethod
    def enter_users(stack, users, clients, prefix="u"):
        """Enters `users` users into the stack's canvas, 10,000 per /canvas/trigger/send; returns seconds taken."""
        bodies = [recipients_body(stack.canvas, start, min(BATCH, users - start), prefix) for start in range(0, users, BATCH)]
        entered = [0]

        def count(answer):
            entered[0] += answer["entered"]

        started = time.perf_counter()
        Bench.post_all(stack.url + "/api/v1/canvas/trigger/send", stack.api_headers(), bodies, clients, on_done=count)
        seconds = time.perf_counter() - started
        if entered[0] != users:
            raise RuntimeError(f"{entered[0]} of {users} users entered")
        return seconds

    @staticmethod
    def wait_synced(stack, audience_name, users, started, deadline=SYNC_DEADLINE, progress_every=10.0):
        """Waits until the sandbox audience holds `users` members and the app counts them Users Synced.
        Returns seconds since `started` (perf_counter), or None if the deadline passed."""
        audience_id, _ = stack.sandbox_audience(audience_name)
        last_progress = time.perf_counter()
        while time.perf_counter() - started < deadline:
            members = stack.sandbox_members(audience_id)
            if members >= users:
                while time.perf_counter() - started < deadline:
                    figures = stack.summary()
                    if figures["synced"] >= users:
                        return time.perf_counter() - started
                    time.sleep(0.1)
                break
            if time.perf_counter() - last_progress >= progress_every:
                last_progress = time.perf_counter()
                say(f"    … {time.perf_counter() - started:6.1f} s: {num(members)} members at the sandbox")
            time.sleep(0.2)
        return None

    # -- figures ---------------------------------------------------------------------------------------------

    def ingest(self):
        section(f"Ingest: {num(INGEST_PROFILES)} new profiles through /api/v1/users/track, 10,000 per request, {CLIENTS} clients")
        stack = Stack("ingest").start()
        try:
            stack.setup()
            bodies = [track_body(start, min(BATCH, INGEST_PROFILES - start)) for start in range(0, INGEST_PROFILES, BATCH)]
            accepted = [0]

            def count(answer):
                accepted[0] += answer["accepted"]

            started = time.perf_counter()
            durations = self.post_all(stack.url + "/api/v1/users/track", stack.api_headers(), bodies, CLIENTS, on_done=count)
            seconds = time.perf_counter() - started
            if accepted[0] != INGEST_PROFILES:
                raise RuntimeError(f"{accepted[0]} of {INGEST_PROFILES} profiles accepted")
            rate = INGEST_PROFILES / seconds
            durations.sort()
            self.record(Result("Ingest (/users/track, 10,000-object requests)", f"{num(rate)} profiles/s",
                               "≥ 100,000 profiles/s", rate >= 100_000, repeat("ingest"),
                               f"{num(INGEST_PROFILES)} profiles in {seconds:.1f} s; per request p50 {durations[len(durations) // 2]:.2f} s,"
                               f" max {durations[-1]:.2f} s"))
        finally:
            stack.stop(KEEP)

    def throughput_and_baseline(self):
        section(f"Pipeline throughput: {num(USERS)} users entered through /api/v1/canvas/trigger/send (10,000 per request,"
            f" {CLIENTS} clients) into a canvas with one Facebook Add step, timed until all are Users Synced at the sandbox")
        stack = Stack("throughput").start()
        try:
            stack.setup("Bench buyers")
            with CpuPhase(stack) as cpu:
                started = time.perf_counter()
                entry_seconds = self.enter_users(stack, USERS, CLIENTS)
                say(f"    all {num(USERS)} entered after {entry_seconds:.1f} s ({num(USERS / entry_seconds)} users/s through the API)")
                total = self.wait_synced(stack, "Bench buyers", USERS, started)
            self.pipeline_cpu = cpu if total is not None else None  # per user only when every user got through
            # serve's and the sandbox's figures include answering the bench's progress polls (data_summary and the
            # sandbox's state, a few per second): small beside the work, and on the pipeline's side of the ratio.
            cpu.report("pipeline: entry start → all synced", USERS, "user",
                       [("serve", "serve (the app)")] + STACK_CPU + [("client", "load client (bench.py)")])
            figures = stack.summary()
            if total is None:
                self.record(Result("Pipeline throughput (entered → Users Synced)", f"not finished in {SYNC_DEADLINE:.0f} s",
                                   "≥ 50,000 users/s", False, repeat("throughput"),
                                   f"synced {num(figures['synced'])}, pending {num(figures['pending'])}, errored {num(figures['errored'])}"))
            else:
                self.throughput = USERS / total
                calls = next(a for a in stack.sandbox_state()["ad_accounts"] if a["id"] == "act_1001")["calls_last_hour"]
                self.record(Result("Pipeline throughput (entered → Users Synced)", f"{num(self.throughput)} users/s",
                                   "≥ 50,000 users/s", self.throughput >= 50_000, repeat("throughput"),
                                   f"{num(USERS)} users: entry done at {entry_seconds:.1f} s, all synced at {total:.1f} s;"
                                   f" synced {num(figures['synced'])}, errored {figures['errored']}; {self.partner_calls(stack)};"
                                   f" ad account calls this hour: {calls}"))
            self.baseline(stack)
            self.synced_stack = stack
        except BaseException:
            stack.stop(KEEP)
            raise

    def baseline(self, stack):
        section(f"Baseline: the same {num(USERS)} users uploaded to the same sandbox by Meta's facebook-business SDK"
            f" (CustomAudience.add_users, 10,000 per call, one call after the other)")
        token = stack.system_user_token()
        command = [sys.executable, str(ROOT / "scripts/bench/sdk_baseline.py"), "--graph", stack.sandbox_url + "/facebook/graph",
                   "--token", token, "--users", str(USERS), "--name", "SDK baseline"]
        with CpuPhase(stack) as cpu:
            out = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
        if out.stderr.strip():
            say("    " + out.stderr.strip().replace("\n", "\n    "))
        answer = json.loads(out.stdout.strip().splitlines()[-1])
        cpu.report("SDK phase: the script from start to exit", USERS, "user",
                   [("children", "SDK script (python, whole process)")] + STACK_CPU + [("serve", "serve (idle meanwhile)")])
        members = stack.sandbox_members(answer["audience_id"])
        sdk = answer["users_per_second"]
        note = (f"{num(USERS)} users in {answer['seconds']:.1f} s, {answer['calls']} calls; members at the sandbox: {num(members)}")
        if self.throughput:
            ratio = self.throughput / sdk
            note += f"; AudienceSync / SDK = {ratio:.2f}"
        self.record(Result("Baseline: facebook-business SDK add_users", f"{num(sdk)} users/s", "(reference)", None,
                           repeat("throughput"), note))
        if self.throughput:
            self.record(Result("Ratio AudienceSync / SDK (users/s)", f"{ratio:.2f}", "(reference)", None, repeat("throughput"),
                               f"AudienceSync {num(self.throughput)} users/s (API entry + hashing + queue + sync) vs SDK {num(sdk)} users/s"
                               " (hash + upload only)"))
        if self.pipeline_cpu:
            self.record_cpu_ratio(self.pipeline_cpu, cpu, answer["cpu_seconds"])

    def record_cpu_ratio(self, pipeline, sdk, sdk_loop_seconds):
        """serve's CPU per user over the pipeline beside the SDK script's over its run (both whole processes)."""
        serve, script = pipeline.per("serve", USERS), sdk.per("children", USERS)
        ratio = serve / script
        # Each path's whole cost: the pipeline's client sends the users in (the SDK script is its own client), and the
        # SDK phase leaves out serve, which only idles meanwhile.
        pipeline_total = sum(pipeline.per(k, USERS) for k in ("serve", "sandbox", "nginx", "client"))
        sdk_total = sum(sdk.per(k, USERS) for k in ("children", "sandbox", "nginx"))
        self.record(Result("CPU per user: serve / SDK script", f"{micro(serve)} µs vs {micro(script)} µs = {ratio:.1f}×",
                           "≤ 1×", ratio <= 1, repeat("throughput"),
                           f"the SDK script's upload loop alone {micro(sdk_loop_seconds / USERS * 1e6)} µs/user (the rest is Python's"
                           f" start-up and the SDK's imports); with the sandbox and nginx: pipeline (serve, sandbox, nginx, load client)"
                           f" {micro(pipeline_total)} µs/user, SDK (script, sandbox, nginx) {micro(sdk_total)} µs/user"))

    def sandbox(self):
        """The partner sandbox alone: Facebook add calls of 10,000 hashed emails, exactly as the SDK posts them, from
        SANDBOX_CLIENTS concurrent clients through nginx; rows/s accepted, checked against the audience's members."""
        section(f"Sandbox: {num(USERS)} rows in Facebook add calls (POST /<audience>/users, 10,000 SHA-256 emails each, as the"
                f" facebook-business SDK sends them) straight at the sandbox (through its nginx), {SANDBOX_CLIENTS} clients")
        # Imported here: only this figure talks the SDK's way from inside the bench.
        from sdk_baseline import add_users_request, connect, create_audience
        stack = Stack("sandbox").start()
        try:
            api = connect(stack.sandbox_url + "/facebook/graph", stack.system_user_token())
            audience_id = create_audience("act_1001", "Bench sandbox", "bench sandbox figure", api=api)
            # Bodies hashed and encoded before the clock starts: the figure is the sandbox's, not the client's.
            calls = [add_users_request(api, audience_id, [f"s{i}@example.com" for i in range(start, min(start + BATCH, USERS))])
                     for start in range(0, USERS, BATCH)]
            url = calls[0][0]
            headers = {"Content-Type": "application/x-www-form-urlencoded", "User-Agent": api.HTTP_DEFAULT_HEADERS["User-Agent"]}
            lock, answers = threading.Lock(), {"received": 0, "invalid": 0}

            def count(answer):
                with lock:
                    answers["received"] += answer["num_received"]
                    answers["invalid"] += answer["num_invalid_entries"]

            with CpuPhase(stack) as cpu:
                durations = self.post_all(url, headers, [body for _, body in calls], SANDBOX_CLIENTS, expect=200, on_done=count)
            members = stack.sandbox_members(audience_id)
            if answers["received"] != USERS or answers["invalid"] or members != USERS:
                raise RuntimeError(f"sent {USERS} distinct rows; the sandbox answered received {answers['received']},"
                                   f" invalid {answers['invalid']} and holds {members} members")
            cpu.report("the calls", USERS, "row", STACK_CPU + [("serve", "serve (idle meanwhile)"), ("client", "load client (bench.py)")])
            rate = USERS / cpu.seconds
            durations.sort()
            self.record(Result(f"Sandbox: Facebook add calls (10,000 rows, {SANDBOX_CLIENTS} clients)", f"{num(rate)} rows/s",
                               "≥ 100,000 rows/s", rate >= 100_000, repeat("sandbox"),
                               f"{num(USERS)} rows in {cpu.seconds:.1f} s, {len(durations)} calls (each p50 {percentile(durations, 0.5) * 1000:.0f} ms,"
                               f" max {durations[-1] * 1000:.0f} ms); the audience holds {num(members)} members (= rows sent); CPU: sandbox"
                               f" {micro(cpu.per('sandbox', USERS))} µs/row, nginx {micro(cpu.per('nginx', USERS))} µs/row"))
        finally:
            stack.stop(KEEP)

    def partners(self):
        """One line per partner: the same USERS users through one Add step to that partner, beside Facebook's."""
        chosen = [p for p in os.environ.get("BENCH_PARTNERS", " ".join(PARTNERS)).replace(",", " ").split() if p in PARTNERS]
        if self.throughput is None:
            self.throughput = self.partner_throughput("facebook")
        for partner in chosen:
            rate = self.partner_throughput(partner)
            if rate is not None and self.throughput:
                say(f"    {partner}: {num(rate)} users/s; Facebook in this run {num(self.throughput)} users/s"
                    f" (ratio {rate / self.throughput:.2f})")

    def partner_throughput(self, partner):
        """Connects `partner` through its consent page, launches one Add step, enters USERS users, times Users Synced."""
        section(f"Partner throughput — {partner}: {num(USERS)} users through one Add step (10,000 per API request,"
                f" {CLIENTS} clients), the partner's batch size and call budget")
        stack = Stack(f"partner-{partner}", env={"AUDIENCESYNC_PRO_PURCHASES": "2"}).start()
        try:
            stack.setup()
            if partner in PRO:
                stack.enable_pro(PRO)
            if partner == "facebook":
                stack.connect_facebook()
                account = "act_1001"
            else:
                account = stack.connect_oauth(partner)
            stack.launch_canvas(f"Bench {partner}", account=account, partner=partner)
            started = time.perf_counter()
            entry = self.enter_users(stack, USERS, CLIENTS)
            figures = stack.summary()
            while figures["synced"] + figures["errored"] < USERS and time.perf_counter() - started < SYNC_DEADLINE:
                time.sleep(0.5)
                figures = stack.summary()
            total = time.perf_counter() - started
            label = f"Partner throughput: {partner} (entered → Users Synced)"
            facebook = f"; Facebook {num(self.throughput)} users/s" if self.throughput and partner != "facebook" else ""
            if figures["synced"] < USERS:
                self.record(Result(label, f"not finished in {SYNC_DEADLINE:.0f} s", "(reference)", None, repeat("partners"),
                                   f"synced {num(figures['synced'])}, pending {num(figures['pending'])}, errored {num(figures['errored'])}"))
                return None
            rate = USERS / total
            ratio = f" (× {rate / self.throughput:.2f})" if self.throughput and partner != "facebook" else ""
            self.record(Result(label, f"{num(rate)} users/s{ratio}", "(reference)", None, repeat("partners"),
                               f"{num(USERS)} users: entry done at {entry:.1f} s, all synced at {total:.1f} s; {self.partner_calls(stack)}"
                               f"{facebook}"))
            return rate
        finally:
            stack.stop(KEEP)

    def segments(self):
        """A segment's size counted on demand over INGEST_PROFILES profiles: the segment page counts it on every view."""
        section(f"Segments: size of a two-filter segment over {num(INGEST_PROFILES)} profiles, counted on each view of its page")
        stack = Stack("segments").start()
        try:
            stack.setup()
            bodies = [track_body(start, min(BATCH, INGEST_PROFILES - start)) for start in range(0, INGEST_PROFILES, BATCH)]
            self.post_all(stack.url + "/api/v1/users/track", stack.api_headers(), bodies, CLIENTS)
            segment = stack.create_segment("Bench half", [("email", "exists", ""), ("external_id", "not_equals", "p1")])
            timings, counted = [], []
            for _ in range(5):
                started = time.perf_counter()
                page = stack.session.get(f"{stack.url}/segments/{segment}", timeout=120)
                page.raise_for_status()
                timings.append(time.perf_counter() - started)
                counted.append(int(re.search(r"counted just now in (\d+) ms", page.text).group(1)))
                size = re.search(r'id="size">([\d,]+) users?<', page.text).group(1)
            timings.sort()
            counted.sort()
            self.record(Result(f"Segment size over {num(INGEST_PROFILES)} profiles (count on demand)", f"{counted[2]} ms",
                               "≤ 2,000 ms", counted[2] <= 2000, repeat("segments"),
                               f"median of 5 views; the whole page (size, sample of 20) median {timings[2] * 1000:.0f} ms; size {size}"))
        finally:
            stack.stop(KEEP)

    def csv_import(self):
        """A CSV of INGEST_PROFILES rows uploaded through nginx (multipart, spooled to disk), imported in the background."""
        section(f"CSV import: {num(INGEST_PROFILES)} rows uploaded through nginx and imported; peak memory of `serve`")
        stack = Stack("import").start()
        try:
            stack.setup()
            path = stack.data / "bench-users.csv"
            with open(path, "w") as out:
                out.write("external_id,email,country,plan,ads_tracking_enabled\r\n")
                for i in range(INGEST_PROFILES):
                    out.write(f"c{i},c{i}@example.com,US,{'gold' if i % 2 else 'free'},true\r\n")
            size_mb = os.path.getsize(path) / (1 << 20)
            before = stack.proc_status()
            started = time.perf_counter()
            job = stack.upload_csv(path)
            uploaded = time.perf_counter() - started
            deadline = time.monotonic() + SYNC_DEADLINE
            while time.monotonic() < deadline:
                figures = stack.session.get(f"{stack.url}/settings/imports/{job}/progress", timeout=30).json()
                if figures["status"] != "running":
                    break
                time.sleep(0.5)
            seconds = time.perf_counter() - started
            status = stack.proc_status()
            if figures["status"] != "done" or f"{num(INGEST_PROFILES)} imported" not in figures["counts"]:
                raise RuntimeError(f"import ended as {figures}")
            peak_mb = status["VmHWM"] / 1024
            self.record(Result(f"CSV import of {num(INGEST_PROFILES)} rows ({size_mb:.0f} MiB file): peak RSS of serve", f"{peak_mb:.1f} MB",
                               "≤ 150 MB", peak_mb <= 150, repeat("import"),
                               f"{num(INGEST_PROFILES / seconds)} rows/s ({seconds:.1f} s; upload {uploaded:.1f} s); RSS before"
                               f" {before['VmRSS'] / 1024:.1f} MB, after {status['VmRSS'] / 1024:.1f} MB"))
        finally:
            stack.stop(KEEP)

    def pages(self):
        stack = self.synced_stack
        if stack is None:
            section(f"Pages: first {num(USERS)} users entered and synced, as `throughput` leaves them")
            stack = Stack("pages").start()
            try:
                stack.setup("Bench buyers")
                started = time.perf_counter()
                self.enter_users(stack, USERS, CLIENTS)
                if self.wait_synced(stack, "Bench buyers", USERS, started) is None:
                    say("    (not all synced before the deadline; measuring anyway)")
            except BaseException:
                stack.stop(KEEP)
                raise
        try:
            section(f"Pages: wrk -t 2 -c 64 -d {WRK_SECONDS}s --latency, signed in, over the canvas with {num(USERS)} users and"
                    f" {HISTORY_DAYS} days of history; nginx serving /static/app.css in the same run for the ratio")
            figures = self.add_history(stack)
            stack.sign_in()
            cookie = stack.session_cookie()
            step = f"/canvases/{stack.canvas}/steps/{stack.step}"
            # Each page with a text it shows only when it rendered the bench's canvas: the canvas page its step's
            # Entered figure, history included; the 30-day chart its title (it reads every hourly row of the history).
            pages = [("Canvas list (/canvases)", "/canvases", "Bench buyers"),
                     ("Canvas page (/canvases/{id})", f"/canvases/{stack.canvas}", f'<dd class="entered">{figures["entered"]}</dd>'),
                     ("Step analytics page (/canvases/{id}/steps/{step})", step, "Bench buyers"),
                     ("Step analytics page, last 30 days (?range=30d)", step + "?range=30d", "Step figures, last 30 days")]
            for _, path, text in pages:
                r = stack.session.get(stack.url + path, allow_redirects=False, timeout=30)
                if r.status_code != 200 or text not in r.text:
                    raise RuntimeError(f"GET {path} answered {r.status_code} without {text!r}: {r.text[:300]}")
            static = self.wrk(stack.url + "/static/app.css", None)
            say(f"    static file (nginx): {num(static['rps'])} requests/s, p99 {static['p99_ms']:.2f} ms")
            for title, path, _ in pages:
                page = self.wrk(stack.url + path, cookie)
                ratio = page["rps"] / static["rps"]
                ok = ratio >= 0.25 and page["p99_ms"] <= 20
                self.record(Result(title,
                                   f"{num(page['rps'])} req/s, p99 {page['p99_ms']:.1f} ms, {ratio:.3f} of static",
                                   "≥ 0.25 of static, p99 ≤ 20 ms", ok, repeat("pages"),
                                   f"static /static/app.css in the same run: {num(static['rps'])} req/s, p99 {static['p99_ms']:.2f} ms;"
                                   f" p50 {page['p50_ms']:.1f} ms; non-2xx {page['errors']}"))
        finally:
            stack.stop(KEEP)
            self.synced_stack = None

    @staticmethod
    def add_history(stack):
        """HISTORY_USERS earlier users over the HISTORY_DAYS days before this hour, written into the database before the
        pages are measured (Stack.insert_step_history), so the step page's chart has a month of hourly rows to read.
        Checked afterwards: Entered grew by exactly those users and still equals Synced + Not Synced + Errored + Pending.
        Returns the step's figures."""
        before = stack.summary()
        started = time.perf_counter()
        hours = stack.insert_step_history(HISTORY_USERS, HISTORY_DAYS)
        after = stack.summary()
        accounted = after["synced"] + after["not_synced"] + after["errored"] + after["pending"]
        if after["entered"] != before["entered"] + HISTORY_USERS or accounted != after["entered"]:
            raise RuntimeError(f"the history left inconsistent figures: before {before}, after {after}")
        say(f"    history: {num(HISTORY_USERS)} earlier users over the {hours} hours before this one, written in"
            f" {time.perf_counter() - started:.1f} s; the step: entered {num(after['entered'])} = synced {num(after['synced'])}"
            f" + not synced {num(after['not_synced'])} + errored {num(after['errored'])} + pending {num(after['pending'])}")
        return after

    @staticmethod
    def wrk(url, cookie):
        command = ["wrk", "-t", "2", "-c", "64", "-d", f"{WRK_SECONDS}s", "--latency"]
        if cookie:
            command += ["-H", f"Cookie: {cookie}"]
        out = subprocess.run(command + [url], check=True, capture_output=True, text=True).stdout

        def millis(text):
            value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
            return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        p50 = millis(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
        p99 = millis(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
        errors = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)) else 0
        if m := re.search(r"Socket errors: (.*)", out):
            errors = f"{errors} (socket errors: {m.group(1)})"
        return {"rps": rps, "p50_ms": p50, "p99_ms": p99, "errors": errors}

    def latency(self):
        total = LATENCY_RATE * LATENCY_SECONDS
        per_request = 1000
        interval = per_request / LATENCY_RATE
        section(f"Latency: {num(LATENCY_RATE)} users/s for {LATENCY_SECONDS} s ({num(total)} users: {per_request:,} per"
            f" /canvas/trigger/send every {interval * 1000:.0f} ms), entered → synced per user")
        stack = Stack("latency").start()
        try:
            stack.setup("Bench latency")
            count = total // per_request
            bodies = [recipients_body(stack.canvas, i * per_request, per_request, "l") for i in range(count)]
            lags = [0.0] * count
            failures = []
            local = threading.local()

            def send(i, due):
                lags[i] = time.perf_counter() - due
                if not hasattr(local, "s"):
                    local.s = requests.Session()
                    local.s.trust_env = False
                r = local.s.post(stack.url + "/api/v1/canvas/trigger/send", data=bodies[i], headers=stack.api_headers(), timeout=120)
                if r.status_code != 201 or r.json()["entered"] != per_request:
                    failures.append(f"{r.status_code} {r.text[:200]}")

            started = time.perf_counter()
            with concurrent.futures.ThreadPoolExecutor(32) as pool:
                futures = []
                for i in range(count):
                    due = started + i * interval
                    pause = due - time.perf_counter()
                    if pause > 0:
                        time.sleep(pause)
                    futures.append(pool.submit(send, i, due))
                    if i and i % (count // 6) == 0:
                        say(f"    … {time.perf_counter() - started:5.1f} s: {num(i * per_request)} users sent")
                for f in futures:
                    f.result()
            sending = time.perf_counter() - started
            if failures:
                raise RuntimeError(f"{len(failures)} entry requests failed, e.g. {failures[0]}")
            done = self.wait_synced(stack, "Bench latency", total, started, deadline=sending + 600)
            latencies = self.entry_to_sync(stack)
            if len(latencies) != total:
                say(f"    only {num(len(latencies))} of {num(total)} users synced before the deadline")
            p50, p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
            worst_lag = max(lags)
            achieved = total / sending
            self.record(Result(f"Latency at {num(LATENCY_RATE)} users/s for {LATENCY_SECONDS} s (entered → synced)",
                               f"p50 {p50:.2f} s, p99 {p99:.2f} s", "p50 ≤ 1.5 s, p99 ≤ 5.5 s",
                               p50 <= 1.5 and p99 <= 5.5 and len(latencies) == total, repeat("latency"),
                               f"{num(len(latencies))} of {num(total)} users synced, max {max(latencies):.2f} s; requests started on"
                               f" schedule (latest {worst_lag * 1000:.0f} ms late), the last answered at {sending:.1f} s"
                               f" ({num(achieved)} users/s accepted); all synced at {done if done else float('nan'):.1f} s; "
                               + self.partner_calls(stack)))
        finally:
            stack.stop(KEEP)

    @staticmethod
    def partner_calls(stack):
        """What the step's partner calls took, from the app's activity log (sync_request)."""
        db = sqlite3.connect(f"file:{stack.db_path}?mode=ro", uri=True)
        try:
            calls = db.execute("SELECT at, latency_ms FROM sync_request WHERE step_id = ? ORDER BY at", (int(stack.step),)).fetchall()
        finally:
            db.close()
        if not calls:
            return "no partner calls recorded"
        rows = sorted(c[1] for c in calls)
        gaps = sorted(b[0] - a[0] for a, b in zip(calls, calls[1:]))
        return (f"{len(rows)} partner calls, {sum(rows) / 1000:.1f} s in them (each p50 {percentile(rows, 0.5)} ms,"
                f" max {rows[-1]} ms)" + (f", one call every {percentile(gaps, 0.5):.2f} s (median gap)" if gaps else ""))

    @staticmethod
    def entry_to_sync(stack):
        """Seconds from entry (the chunk's created_at, the API request's time) to Users Synced (finished_at), per user."""
        db = sqlite3.connect(f"file:{stack.db_path}?mode=ro", uri=True)
        try:
            return sorted(gap for gap, users in db.execute(
                "SELECT finished_at - created_at, count FROM sync_chunk WHERE step_id = ? AND state = 'synced'", (int(stack.step),))
                for _ in range(users))
        finally:
            db.close()

    def memory(self):
        section(f"Memory: peak RSS of `serve` with {num(USERS)} pending items (the sandbox answers every upload with"
            " Facebook's rate-limit error 80003, Retry-After 1 h, so nothing leaves the queue)")
        stack = Stack("memory").start()
        try:
            stack.setup("Bench pending")
            stack.fault(path_contains="/users", method="POST", share=1.0, status=400, retry_after=3600,
                        error={"message": "(#80003) There have been too many calls to this ad-account. Wait a bit and try again.",
                               "type": "OAuthException", "code": 80003, "error_subcode": 2446079})
            before = stack.proc_status()
            seconds = self.enter_users(stack, USERS, CLIENTS, prefix="m")
            time.sleep(3)  # a few flusher passes over the whole backlog
            # The dashboard over the backlog: figures, the canvas page and the step page.
            figures = stack.summary()
            for path in ("/canvases", f"/canvases/{stack.canvas}", f"/canvases/{stack.canvas}/steps/{stack.step}"):
                stack.session.get(stack.url + path, timeout=60).raise_for_status()
            requests.get(stack.url + "/metrics", timeout=60).raise_for_status()
            audience_id, members = stack.sandbox_audience("Bench pending")
            status = stack.proc_status()
            if figures["pending"] != USERS or members != 0:
                raise RuntimeError(f"expected {USERS} pending and nothing at the sandbox, got {figures} and {members} members")
            peak_mb = status["VmHWM"] / 1024
            # The same backlog after a restart of `serve` (what a deploy or a crash would start from).
            pid = stack.pid("app")
            os.kill(pid, 15)
            for _ in range(100):
                if not os.path.exists(f"/proc/{pid}"):
                    break
                time.sleep(0.1)
            subprocess.run([str(ROOT / "scripts/stack.sh"), "app", str(stack.data), str(stack.http), str(stack.sandbox)],
                           check=True, env=stack.env, cwd=ROOT)
            time.sleep(3)
            stack.summary()
            for path in (f"/canvases/{stack.canvas}", f"/canvases/{stack.canvas}/steps/{stack.step}"):
                stack.session.get(stack.url + path, timeout=60).raise_for_status()
            restarted = stack.proc_status()
            self.record(Result(f"Memory: peak RSS of serve with {num(USERS)} pending items", f"{peak_mb:.1f} MB",
                               "≤ 150 MB", peak_mb <= 150, repeat("memory"),
                               f"VmHWM over the whole life of serve, entering them included ({seconds:.1f} s); RSS at start"
                               f" {before['VmRSS'] / 1024:.1f} MB, now {status['VmRSS'] / 1024:.1f} MB; after a restart over the same"
                               f" backlog: peak {restarted['VmHWM'] / 1024:.1f} MB"))
        finally:
            stack.stop(KEEP)


def percentile(sorted_values, q):
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def machine():
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), platform.processor())
    load = open("/proc/loadavg").read().split()[:3]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    return f"{os.cpu_count()} cores ({cpu}), load average {' '.join(load)}; commit {commit}; binary {BIN}"


def main(argv):
    chosen = [a for arg in argv for a in arg.replace(",", " ").split()] or FIGURES
    unknown = [f for f in chosen if f not in FIGURES + ["baseline"]]
    if unknown:
        print(f"unknown figure(s): {' '.join(unknown)}; choose from: {' '.join(FIGURES)}", file=sys.stderr)
        return 2
    chosen = ["throughput" if f == "baseline" else f for f in chosen]
    if not BIN.exists():
        print(f"{BIN} is missing: run `swift build -c release` (make bench does)", file=sys.stderr)
        return 2
    say(f"# AudienceSync benchmarks — {time.strftime('%Y-%m-%d %H:%M:%S')}")
    say(f"# {machine()}")
    bench = Bench()
    started = time.perf_counter()
    failed = []
    for figure in FIGURES:
        if figure not in chosen:
            continue
        try:
            {"ingest": bench.ingest, "throughput": bench.throughput_and_baseline, "pages": bench.pages,
             "latency": bench.latency, "memory": bench.memory, "partners": bench.partners, "segments": bench.segments,
             "import": bench.csv_import, "sandbox": bench.sandbox}[figure]()
        except Exception as error:  # one figure's failure does not hide the others
            failed.append(figure)
            say(f"!! {figure} could not be measured: {error}")
            bench.results.append(Result(figure, "could not be measured", "", False, repeat(figure), str(error)[:200]))
    if bench.synced_stack is not None:  # throughput ran without pages
        bench.synced_stack.stop(KEEP)
    say(f"\n# Summary ({(time.perf_counter() - started) / 60:.1f} min; targets are goals, not assertions)\n")
    rows = [("figure", "measured", "target", "met", "repeat with")]
    for r in bench.results:
        rows.append((r.figure, r.value, r.target, "—" if r.met is None else ("yes" if r.met else "NO"), r.command))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    for n, row in enumerate(rows):
        say("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if n == 0:
            say("  ".join("-" * w for w in widths))
    judged = [r for r in bench.results if r.met is not None]
    say(f"\n{sum(r.met for r in judged)} of {len(judged)} targets met.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
