"""Soak (reliability.md L-9): a whole stack under a steady mixed load for SOAK_MINUTES (default 30), the app
restarted (SIGTERM, then started again) every SOAK_RESTART_MINUTES (default 10).

Load, each at a fixed rate from its own thread: profiles through `POST /api/v1/users/track`, entries through
`POST /api/v1/canvas/trigger/send` into a launched canvas with one Facebook Add step, and signed-in page views.
Every SOAK_SAMPLE_SECONDS the app's RSS (/proc/<pid>/status VmRSS), its open file descriptors (/proc/<pid>/fd),
the WAL file's size, the queue depth (pending items, from the API summary) and the users synced are sampled.

At the end it waits for the queue to drain, checks every acknowledged entry is a member of the sandbox audience,
writes test-output/soak.json and test-output/soak.svg (four panels, restarts marked), prints start/end/max of each
series and the growth between equivalent points after the first and the last restart, and exits non-zero if a user
was lost, or RSS or the FD count grew beyond SOAK_RSS_GROWTH (default 10 %) / SOAK_FD_GROWTH (default 5 % + 2), or
the WAL passed 64 MB.

    make soak MINUTES=12 SOAK_RESTART_MINUTES=4
"""
import hashlib
import json
import os
import pathlib
import signal
import sys
import threading
import time

import requests

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from support import OUT, Stack, alive, launched_canvas  # noqa: E402

MINUTES = float(os.environ.get("SOAK_MINUTES", "30"))
RESTART_MINUTES = float(os.environ.get("SOAK_RESTART_MINUTES", "10"))
SAMPLE_SECONDS = float(os.environ.get("SOAK_SAMPLE_SECONDS", "5"))
RSS_GROWTH = float(os.environ.get("SOAK_RSS_GROWTH", "0.10"))
FD_GROWTH = float(os.environ.get("SOAK_FD_GROWTH", "0.05"))
WAL_LIMIT_MB = 64
ENTRIES_PER_SECOND, ENTRY_BATCH = 4, 5          # 20 users a second enter the canvas
PROFILES_PER_SECOND, PROFILE_BATCH = 2, 25      # 50 profiles a second
PAGES_PER_SECOND = 4
EMAIL = "soak@e2e.test"


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


class Load:
    """The three kinds of traffic, each at a fixed rate; only answered requests count as acknowledged."""

    def __init__(self, stack, key, canvas):
        self.stack, self.key, self.canvas = stack, key, canvas
        self.stop = threading.Event()
        self.acknowledged = []            # external ids whose entry the API acknowledged (201, entered)
        self.counts = {"entries_ok": 0, "entries_refused": 0, "profiles_ok": 0, "profiles_refused": 0, "pages_ok": 0, "pages_refused": 0}
        self.lock = threading.Lock()
        self.session = None

    def count(self, name):
        with self.lock:
            self.counts[name] += 1

    def every(self, rate, action):
        start, k = time.monotonic(), 0
        while not self.stop.is_set():
            k += 1
            delay = start + k / rate - time.monotonic()
            if delay > 0 and self.stop.wait(delay):
                return
            try:
                action(k)
            except requests.RequestException:
                pass

    def entry(self, k):
        ids = [f"soak-{k}-{j}" for j in range(ENTRY_BATCH)]
        body = {"canvas_id": self.canvas, "recipients": [{"external_user_id": i, "attributes": {"email": f"{i}@example.com"}} for i in ids]}
        try:
            r = requests.post(self.stack.url + "/api/v1/canvas/trigger/send", json=body, headers={"Authorization": "Bearer " + self.key}, timeout=30)
        except requests.RequestException:
            self.count("entries_refused")
            return
        if r.status_code == 201 and r.json().get("entered") == len(ids):
            with self.lock:
                self.acknowledged += ids
            self.count("entries_ok")
        else:
            self.count("entries_refused")

    def profiles(self, k):
        body = {"attributes": [{"external_id": f"p-{k}-{j}", "email": f"p{k}.{j}@example.com", "plan": "soak", "visits": k}
                               for j in range(PROFILE_BATCH)]}
        try:
            r = requests.post(self.stack.url + "/api/v1/users/track", json=body, headers={"Authorization": "Bearer " + self.key}, timeout=30)
            self.count("profiles_ok" if r.status_code == 201 else "profiles_refused")
        except requests.RequestException:
            self.count("profiles_refused")

    def page(self, k):
        path = ["/canvases", f"/canvases/{self.canvas}", "/segments", "/ledger"][k % 4]
        try:
            if self.session is None:
                self.session = self.stack.signed_in_session(EMAIL)
            r = self.session.get(self.stack.url + path, allow_redirects=False, timeout=30)
            if r.status_code == 303:       # signed out (should not happen across restarts: sessions are stored)
                self.session = None
            self.count("pages_ok" if r.status_code == 200 else "pages_refused")
        except (requests.RequestException, AssertionError, AttributeError):
            self.session = None
            self.count("pages_refused")

    def start(self):
        self.threads = [threading.Thread(target=self.every, args=(rate, action), daemon=True) for rate, action in
                        ((ENTRIES_PER_SECOND, self.entry), (PROFILES_PER_SECOND, self.profiles), (PAGES_PER_SECOND, self.page))]
        for thread in self.threads:
            thread.start()

    def finish(self):
        self.stop.set()
        for thread in self.threads:
            thread.join(60)


def summary(stack, key, canvas):
    r = requests.get(stack.url + "/api/v1/canvas/data_summary", params={"canvas_id": canvas}, headers={"Authorization": "Bearer " + key}, timeout=10)
    return r.json()["steps"][0]


def sample(stack, key, canvas, started):
    """One sample of every series; None where the app is between restarts."""
    point = {"t": round(time.monotonic() - started, 1), "rss_mb": None, "fds": None, "wal_mb": 0.0, "pending": None, "synced": None}
    try:
        pid = stack.pid("app")
        status = pathlib.Path(f"/proc/{pid}/status").read_text()
        point["rss_mb"] = round(int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))) / 1024, 1)
        point["fds"] = len(os.listdir(f"/proc/{pid}/fd"))
    except (FileNotFoundError, ProcessLookupError, StopIteration, ValueError):
        pass
    wal = stack.data / "audiencesync.sqlite-wal"
    point["wal_mb"] = round(wal.stat().st_size / 1e6, 2) if wal.exists() else 0.0
    try:
        step = summary(stack, key, canvas)
        point["pending"], point["synced"] = step["pending"], step["synced"]
    except (requests.RequestException, ValueError, KeyError):
        pass
    return point


def restart(stack):
    pid = stack.pid("app")
    os.kill(pid, signal.SIGTERM)
    for _ in range(200):
        if not alive(pid):
            break
        time.sleep(0.05)
    stack.ensure_app()


def at(samples, t, key):
    """The series' value at the first sample at or after time t."""
    return next((s[key] for s in samples if s["t"] >= t and s[key] is not None), None)


def svg(samples, restarts, title):
    """A hand-written SVG: four stacked line charts sharing the time axis, restarts as dashed red lines."""
    panels = [("rss_mb", "App RSS (MB)", "#3b4cca"), ("fds", "Open file descriptors", "#1d7a46"), ("wal_mb", "WAL size (MB)", "#8a5a00"),
              ("pending", "Queue depth (pending items)", "#b42318")]
    width, height, left, right, top, gap = 900, 170, 70, 20, 40, 30
    total = top + len(panels) * (height + gap)
    end = max(s["t"] for s in samples) or 1
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{total}" viewBox="0 0 {width} {total}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{total}" fill="#fff"/>', f'<text x="{left}" y="22" font-size="15" font-weight="bold">{title}</text>']
    for index, (key, label, color) in enumerate(panels):
        y0 = top + index * (height + gap)
        values = [s[key] for s in samples if s[key] is not None]
        high = max(values + [1e-9]) * 1.1
        x = lambda t: left + (width - left - right) * t / end
        y = lambda v: y0 + height - height * v / high
        out.append(f'<text x="{left}" y="{y0 - 6}" font-weight="bold">{label}</text>')
        out.append(f'<rect x="{left}" y="{y0}" width="{width - left - right}" height="{height}" fill="none" stroke="#ccc"/>')
        for fraction in (0, 0.5, 1):
            v = high / 1.1 * fraction
            out.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" fill="#555">{v:.4g}</text>')
        for r in restarts:
            out.append(f'<line x1="{x(r):.1f}" x2="{x(r):.1f}" y1="{y0}" y2="{y0 + height}" stroke="#d33" stroke-dasharray="4 3"/>')
        segment, lines = [], []
        for s in samples:           # a gap (app down) breaks the line
            if s[key] is None:
                lines.append(segment)
                segment = []
            else:
                segment.append(f"{x(s['t']):.1f},{y(s[key]):.1f}")
        lines.append(segment)
        for points in lines:
            if points:
                out.append(f'<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{" ".join(points)}"/>')
        out.append(f'<text x="{width - right}" y="{y0 + height + 14}" text-anchor="end" fill="#555">{end / 60:.1f} min</text>')
    out.append(f'<text x="{left}" y="{total - 6}" fill="#d33">dashed: app restarts</text></svg>')
    return "\n".join(out) + "\n"


def main():
    stack = Stack("soak").start()
    problems = []
    try:
        key, canvas = launched_canvas(stack, EMAIL, "Soak buyers")
        load = Load(stack, key, canvas)
        started = time.monotonic()
        samples, restarts = [], []
        load.start()
        next_restart = RESTART_MINUTES * 60
        print(f"soak: {MINUTES:g} min, restart every {RESTART_MINUTES:g} min, data in {stack.data}", flush=True)
        while (elapsed := time.monotonic() - started) < MINUTES * 60:
            if elapsed >= next_restart:
                restarts.append(round(elapsed, 1))
                restart(stack)
                print(f"soak: restarted the app at {elapsed / 60:.1f} min", flush=True)
                next_restart += RESTART_MINUTES * 60
            samples.append(sample(stack, key, canvas, started))
            s = samples[-1]
            if len(samples) % 12 == 1:
                print(f"soak: {s['t']:7.0f}s rss {s['rss_mb']} MB fds {s['fds']} wal {s['wal_mb']} MB pending {s['pending']} synced {s['synced']}", flush=True)
            time.sleep(max(0.0, SAMPLE_SECONDS - (time.monotonic() - started - s["t"])))
        load.finish()

        # Drain, then every acknowledged user must be in the partner's audience.
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            step = summary(stack, key, canvas)
            if step["pending"] == 0:
                break
            time.sleep(1)
        state = requests.get(stack.sandbox_url + "/_sandbox/facebook/state", timeout=10).json()
        audience = next(a for a in state["audiences"] if a["name"] == "Soak buyers")
        members = set(requests.get(f"{stack.sandbox_url}/_sandbox/facebook/audiences/{audience['id']}", timeout=120).json()["members"])
        lost = [i for i in load.acknowledged if sha(f"{i}@example.com") not in members]
        step = summary(stack, key, canvas)

        figures = {"minutes": MINUTES, "restart_minutes": RESTART_MINUTES, "restarts": len(restarts), "samples": len(samples),
                   "acknowledged_entries": len(load.acknowledged), "audience_members": len(members), "lost": len(lost),
                   "synced_at_end": step["synced"], "errored": step.get("errored"), "pending_at_end": step["pending"], "requests": load.counts}
        for key_name in ("rss_mb", "fds", "wal_mb", "pending", "synced"):
            values = [s[key_name] for s in samples if s[key_name] is not None]
            figures[key_name] = {"start": values[0], "end": values[-1], "max": max(values)} if values else None
        # Equivalent points: the same time after the first and after the last restart (just before the next one).
        if len(restarts) >= 2:
            offset = min(RESTART_MINUTES * 60, MINUTES * 60 - restarts[-1]) - 2 * SAMPLE_SECONDS
            growth = {}
            for key_name in ("rss_mb", "fds"):
                first, last = at(samples, restarts[0] + offset, key_name), at(samples, restarts[-1] + offset, key_name)
                growth[key_name] = {"after_first_restart": first, "after_last_restart": last,
                                    "growth": round((last - first) / first, 3) if first and last else None}
            figures["growth_between_restarts"] = {"offset_s": round(offset), **growth}
            if growth["rss_mb"]["growth"] is not None and growth["rss_mb"]["growth"] > RSS_GROWTH:
                problems.append(f"RSS grew {growth['rss_mb']['growth']:.1%} (> {RSS_GROWTH:.0%})")
            fd = growth["fds"]
            if fd["growth"] is not None and fd["after_last_restart"] > fd["after_first_restart"] * (1 + FD_GROWTH) + 2:
                problems.append(f"open file descriptors grew {fd['after_first_restart']} → {fd['after_last_restart']}")
        else:
            problems.append("fewer than two restarts: no growth figure (raise SOAK_MINUTES or lower SOAK_RESTART_MINUTES)")
        if lost:
            problems.append(f"{len(lost)} acknowledged users never reached the audience, e.g. {lost[:5]}")
        if figures["wal_mb"] and figures["wal_mb"]["max"] > WAL_LIMIT_MB:
            problems.append(f"WAL reached {figures['wal_mb']['max']} MB (> {WAL_LIMIT_MB})")
        figures["problems"] = problems
        figures["series"] = samples
        figures["restart_times_s"] = restarts
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / "soak.json").write_text(json.dumps(figures, indent=1) + "\n")
        title = (f"AudienceSync soak: {MINUTES:g} min, {len(restarts)} restarts, {len(load.acknowledged):,} users acknowledged, "
                 f"{len(members):,} in the audience, {len(lost)} lost")
        (OUT / "soak.svg").write_text(svg(samples, restarts, title))
        printable = {k: v for k, v in figures.items() if k != "series"}
        print("soak figures:", json.dumps(printable, indent=1))
        print("wrote test-output/soak.json and test-output/soak.svg")
    finally:
        stack.stop()
    if problems:
        print("SOAK FAILED: " + "; ".join(problems), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
