#!/usr/bin/env python3
"""`make test-faults`: the fault matrix of reliability.md L-3 (with L-4, Q-9, Q-10, O-11), one run per row.

Two real stacks (partner sandbox + app + nginx, SQLite file, libcurl), set up through the dashboard's own forms:

- a Facebook stack whose Graph API URL (`AUDIENCESYNC_FACEBOOK_API_URL`) points at a loopback TCP fault proxy in front
  of the sandbox (Tests/reliability/faultproxy.py), for the transport faults HTTP cannot make (connect time-out, hung
  partner, reset mid-body, truncated body);
- a stack with every other partner connected through its consent page, for each partner's own throttle signal and a
  failing token refresh.

Each row launches a fresh canvas with one Add step, injects its fault (sandbox knobs or the proxy), enters FAULT_USERS
users (default 10,000) through the REST API, lifts the fault once it has been hit, and reads what a user of the product
sees: `GET /api/v1/canvas/data_summary` figures, the canvas page's reasons, the Outbox page's alert emails. What reached
the partner comes from the sandbox's own request log and audience state. Per row:

- lost = users acknowledged by the API − (synced + errored + pending + not synced): must be 0;
- transient faults: 100 % synced once the fault is gone; time to 100 % is counted from the last injected fault;
- faults someone must fix (token, audience, terms): the users wait (Pending, never dropped) with the partner's reason
  on the canvas page, and one alert email is queued; invalid data ends Errored at once with its reason;
- rate: the most calls to the partner in any window of its budget (PartnerInfo.callBudget) against the limit, and calls
  sent before a `Retry-After` ended (must be 0).

The 14-hour outage runs in compressed time in Swift (Tests/WebTests/OutageTests.swift); its printed figures are added
to the table. Writes test-output/faults.json and test-output/faults.md; exits 1 if any row fails.
"""
import html
import json
import os
import pathlib
import re
import sqlite3
import subprocess
import sys
import time

import requests

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "scripts" / "bench"))
sys.path.insert(0, str(HERE))
import benchstack  # noqa: E402
from faultproxy import FaultProxy  # noqa: E402

USERS = int(os.environ.get("FAULT_USERS", "10000"))
SYNC_WAIT = float(os.environ.get("FAULT_SYNC_WAIT", "240"))
HTTP_TOTAL_TIMEOUT = 30.0          # Sources/HTTPClient/HTTPClientConfiguration.swift: connect 5 s, total 30 s
CONNECT_TIMEOUT = 5.0
OUT = ROOT / "test-output"
PRO = ["tiktok", "pinterest", "snapchat", "criteo", "linkedin"]
# PartnerInfo.catalog call budgets (Sources/Core/Partner.swift): (calls, window seconds).
BUDGETS = {"facebook": (190_000, 3600), "google": (300, 60), "tiktok": (50, 1), "pinterest": (400, 60), "snapchat": (10, 1),
           "criteo": (250, 60), "linkedin": (10, 1)}
# The path of each partner's add call, to aim faults at the sync and not at audience creation or size reads.
UPLOAD = {"facebook": ("/users", "POST"), "google": ("audienceMembers:ingest", "POST"), "tiktok": ("/segment/mapping/", "POST"),
          "pinterest": ("/customer_lists/", "PATCH"), "snapchat": ("/users", "POST"), "criteo": ("/contact-list", "PATCH"),
          "linkedin": ("/users", "POST")}

benchstack.BIN = pathlib.Path(os.environ.get("AUDIENCESYNC_BIN", ROOT / ".build" / "debug" / "audiencesync"))
benchstack.OUT = OUT / "faults"


def say(text=""):
    print(text, flush=True)


class Harness:
    """One stack and what a row needs from it."""

    def __init__(self, stack, proxy=None):
        self.stack, self.proxy = stack, proxy
        self.accounts = {"facebook": "act_1001"}
        self.rows = 0

    # -- the sandbox ---------------------------------------------------------------------------------------------

    def sandbox(self, method, path, **kwargs):
        r = requests.request(method, self.stack.sandbox_url + path, timeout=30, **kwargs)
        r.raise_for_status()
        return r.json() if r.content else None

    def fault(self, partner, **rule):
        path, method = UPLOAD[partner]
        rule = {k: v for k, v in {"partner": partner, "path_contains": path, "method": method, "share": 1, **rule}.items() if v is not None}
        return self.sandbox("POST", "/_sandbox/faults", json=rule)

    def clear_faults(self):
        self.sandbox("DELETE", "/_sandbox/faults")

    def log(self, partner, since=0):
        entries = []
        while True:
            page = self.sandbox("GET", "/_sandbox/requests", params={"partner": partner, "since": since})
            if not page["requests"]:
                return entries
            entries += page["requests"]
            since = page["last_seq"]

    def last_seq(self, partner):
        entries = self.log(partner)
        return entries[-1]["seq"] if entries else 0

    # -- the app -------------------------------------------------------------------------------------------------

    def summary(self, canvas):
        r = requests.get(self.stack.url + "/api/v1/canvas/data_summary", params={"canvas_id": canvas},
                         headers={"Authorization": "Bearer " + self.stack.key}, timeout=30)
        r.raise_for_status()
        return r.json()["steps"][0]

    def enter(self, canvas, prefix):
        """Enters USERS users, 10,000 per request; returns how many the API acknowledged (201)."""
        acked = 0
        for start in range(0, USERS, 10_000):
            count = min(10_000, USERS - start)
            r = requests.post(self.stack.url + "/api/v1/canvas/trigger/send", data=benchstack.recipients_body(canvas, start, count, prefix),
                              headers=self.stack.api_headers(), timeout=300)
            if r.status_code == 201:
                acked += r.json()["entered"]
        return acked

    def page_text(self, path):
        page = self.stack.session.get(self.stack.url + path, timeout=30).text
        return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))

    def canvas_text(self, canvas):
        return self.page_text(f"/canvases/{canvas}")

    def outbox_text(self):
        return self.page_text("/settings/outbox")

    def app_calls(self, canvas):
        """The app's own record of its calls for the canvas's step (the step's activity log), read-only:
        (outcome, summary, latency ms) oldest first."""
        db = sqlite3.connect(f"file:{self.stack.db_path}?mode=ro", uri=True, timeout=10)
        try:
            return db.execute("""SELECT r.outcome, r.summary, r.latency_ms FROM sync_request r JOIN canvas_step s ON s.id = r.step_id
                                 WHERE s.canvas_id = ? ORDER BY r.id""", (int(canvas),)).fetchall()
        finally:
            db.close()

    def new_canvas(self, partner, name):
        self.rows += 1
        canvas, _ = self.stack.launch_canvas(name, account=self.accounts[partner], partner=partner)
        return canvas


def wait_until(condition, timeout, every=0.5):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(every)


def rate_figures(partner, entries, retry_after_faults):
    """(max calls in any 1 s, max calls in any budget window, budget limit, calls sent before a Retry-After ended,
    throttle answers the sandbox gave on its own — i.e. the app went over the partner's real limit)."""
    api = [e for e in entries if "oauth" not in e["path"].lower() and "access_token" not in e["path"] and "/token" not in e["path"]]
    times = sorted(e["time"] for e in api)

    def max_in(window):
        best, j = 0, 0
        for i, t in enumerate(times):
            while times[j] <= t - window:
                j += 1
            best = max(best, i - j + 1)
        return best

    limit, window = BUDGETS[partner]
    early = 0
    for e in api:
        wait = retry_after_faults.get(e.get("fault_id"))
        if wait:
            early += sum(1 for other in api if other["seq"] > e["seq"] and other["time"] < e["time"] + wait)
    own_throttles = sum(1 for e in api if e.get("fault_id") is None
                        and (e["status"] == 429 or (partner == "tiktok" and e.get("error_code") in (40100, 40016, 40133))
                             or (partner == "facebook" and e.get("error_code") in (4, 17, 32, 613, 80003, 80004))))
    return max_in(1.0), max_in(window), limit, early, own_throttles


# -- rows -----------------------------------------------------------------------------------------------------------

class Row:
    """A fault: `inject` turns it on, `lift` waits until it was hit and turns it off (None: never lifted — a fault
    a person must fix), `expect` is 'synced', 'errored:<class>' or 'waiting:<class>'."""

    def __init__(self, name, partner, inject, lift, expect, alert=None, repair=None, note=""):
        self.name, self.partner, self.inject, self.lift, self.expect = name, partner, inject, lift, expect
        self.alert, self.repair, self.note = alert, repair, note


def hits_of(h, fault_id, at_least):
    """Waits until the sandbox fault `fault_id` was injected `at_least` times; returns whether it was."""
    def hit():
        return any(f["id"] == fault_id and f["injected"] >= at_least for f in h.sandbox("GET", "/_sandbox/faults")["faults"])
    return wait_until(hit, 120)


def sandbox_fault(at_least=1, **rule):
    """A row's fault made by the sandbox: injected `count` times (so it lifts itself after that many hits)."""
    def inject(h, partner):
        return h.fault(partner, **rule)["id"]

    def lift(h, partner, handle):
        ok = hits_of(h, handle, at_least)
        h.clear_faults()
        return ok
    return inject, lift


def proxy_fault(mode, n=0, until=None, hold=None):
    """A transport fault made by the proxy: on until `until(proxy)` holds (or for `hold` seconds), then `pass`."""
    def inject(h, partner):
        h.proxy.set_mode(mode, n)

    def lift(h, partner, handle):
        ok = wait_until(lambda: until(h.proxy), 150) if until else (time.sleep(hold) or True)
        h.proxy.set_mode("pass")
        return bool(ok)
    return inject, lift


def graph_error(code, subcode=None, message="Injected"):
    error = {"code": code, "type": "OAuthException", "message": f"({'#'}{code}) {message}"}
    if subcode:
        error["error_subcode"] = subcode
    return error


def facebook_rows():
    # A bare 429 (a gateway's, without Graph's envelope: Graph's own codes decide the class when there is one).
    rows = [Row("429 + Retry-After 20 s", "facebook", *sandbox_fault(status=429, retry_after=20, count=1, raw_body="Too Many Requests",
                                                                    content_type="text/plain"), expect="synced")]
    for code, words in [(4, "Application request limit reached"), (17, "User request limit reached"),
                        (32, "Page request limit reached"), (613, "Calls to this api have exceeded the rate limit"),
                        (80004, "There have been too many calls to this ad-account")]:
        retry = 15 if code == 80004 else None
        rows.append(Row(f"Graph code {code}, HTTP 400" + (f" + Retry-After {retry} s" if retry else ""), "facebook",
                        *sandbox_fault(status=400, error=graph_error(code, message=words), count=1, retry_after=retry), expect="synced"))
    for status in (500, 502, 503):
        rows.append(Row(f"HTTP {status} (twice)", "facebook", *sandbox_fault(at_least=2, status=status, count=2), expect="synced"))
    rows += [
        Row("connect time-out (12 s)", "facebook", *proxy_fault("refuse_connect", hold=12), expect="synced",
            note=f"libcurl connect time-out {CONNECT_TIMEOUT:.0f} s"),
        Row("hung partner", "facebook", *proxy_fault("hang", until=lambda p: len(p.hung) >= 1), expect="synced"),
        Row("30-second response", "facebook", *sandbox_fault(latency_ms=30_000, count=1), expect="synced"),
        Row("reset mid-body (twice)", "facebook", *proxy_fault("reset", n=60, until=lambda p: p.resets >= 2), expect="synced"),
        Row("truncated body (twice)", "facebook", *proxy_fault("truncate", n=5, until=lambda p: p.truncations >= 2), expect="synced"),
        Row("malformed JSON, HTTP 200 (twice)", "facebook",
            *sandbox_fault(at_least=2, status=200, raw_body='{"audience_id":"1","num_received":', content_type="application/json", count=2),
            expect="synced"),
        Row("permanent error (code 100/1713230)", "facebook", *never_lifted(status=400, error=graph_error(100, 1713230, "Invalid parameter")),
            expect="errored:permanent", alert="users could not be synced to Facebook"),
        Row("audience deleted", "facebook", delete_audience, None, expect="waiting:audience_gone",
            alert="audience no longer exists"),
        Row("terms not accepted", "facebook", *never_lifted(status=400, error=graph_error(200, 1870034, "Custom Audience Terms not accepted")),
            expect="waiting:terms_not_accepted", alert="has not accepted Facebook's custom audience terms"),
        Row("invalid token (190), then reconnect", "facebook", revoke_tokens, None, expect="waiting:auth_invalid",
            alert="the Facebook token is invalid", repair=reconnect_facebook),
    ]
    return rows


def never_lifted(**rule):
    """A fault that stays until the row has seen its outcome (then cleared, so the next row starts clean)."""
    def inject(h, partner):
        return h.fault(partner, **rule)["id"]
    return inject, None


def delete_audience(h, partner):
    """Deletes the row's audience at the partner, as if in Ads Manager."""
    audience = next(a for a in h.sandbox("GET", "/_sandbox/facebook/state")["audiences"] if a["name"] == h.current)
    h.sandbox("POST", f"/_sandbox/facebook/audiences/{audience['id']}/delete")


def revoke_tokens(h, partner):
    h.sandbox("POST", "/_sandbox/facebook/tokens/revoke", json={"all": True})


def reconnect_facebook(h):
    h.stack.connect_facebook()


def partner_rows():
    def google_error(status, code, reason, kind="type.googleapis.com/google.rpc.ErrorInfo"):
        if kind.endswith("GoogleAdsFailure"):
            return {"code": code, "status": status, "message": "Injected", "details": [{"@type": kind, "errors": [{"errorCode": {"databaseError": reason}}]}]}
        return {"code": code, "status": status, "message": "Injected", "details": [{"@type": kind, "reason": reason}]}
    return [
        Row("TikTok code 40100 in an HTTP 200 body", "tiktok", *sandbox_fault(status=200, error={"code": 40100, "message": "Too many requests."}, count=1),
            expect="synced"),
        Row("Google RESOURCE_TEMPORARILY_EXHAUSTED 429 + Retry-After 10 s", "google",
            *sandbox_fault(status=429, retry_after=10, count=1, error=google_error("RESOURCE_EXHAUSTED", 429, "RESOURCE_TEMPORARILY_EXHAUSTED")),
            expect="synced"),
        Row("Google CONCURRENT_MODIFICATION (HTTP 400, twice)", "google",
            *sandbox_fault(at_least=2, status=400, count=2,
                           error=google_error("INVALID_ARGUMENT", 400, "CONCURRENT_MODIFICATION",
                                              "type.googleapis.com/google.ads.googleads.v22.errors.GoogleAdsFailure")),
            expect="synced"),
        Row("Pinterest 429 + Retry-After 10 s", "pinterest", *sandbox_fault(status=429, retry_after=10, count=1,
                                                                            error={"code": 8, "message": "Too many requests"}), expect="synced"),
        Row("Snapchat 429 + Retry-After 10 s", "snapchat", *sandbox_fault(status=429, retry_after=10, count=1), expect="synced"),
        Row("Criteo 429 + Retry-After 10 s", "criteo", *sandbox_fault(status=429, retry_after=10, count=1), expect="synced"),
        Row("LinkedIn 429 + Retry-After 10 s", "linkedin", *sandbox_fault(status=429, retry_after=10, count=1), expect="synced"),
        # The daily operations quota: no Retry-After header, only QuotaFailure and RetryInfo in the body; a "day"
        # compressed to 30 s. The engine waits the retryDelay out, then everything syncs.
        Row("Google daily quota exhausted (RESOURCE_EXHAUSTED, retryDelay 30 s in the body)", "google",
            *sandbox_fault(status=429, count=1, error={"code": 429, "status": "RESOURCE_EXHAUSTED", "message": "Quota exceeded for quota metric "
                           "'Daily operations' and limit 'Operations per day' of service 'datamanager.googleapis.com'.", "details": [
                               {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [
                                   {"subject": "project_number:0", "description": "Daily operations quota exhausted"}]},
                               {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "RATE_LIMIT_EXCEEDED",
                                "metadata": {"quota_limit": "OperationsPerDay"}},
                               {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "30s"}]}),
            expect="synced"),
        Row("Google 503 (twice)", "google", *sandbox_fault(at_least=2, status=503, count=2), expect="synced"),
        Row("Google refresh fails (invalid_grant)", "google", refresh_fails, None, expect="waiting:auth_invalid",
            alert="the Google token is invalid"),
    ]


def body_retry_delay(rule):
    """Seconds of a Google `RetryInfo.retryDelay` ("30s") carried in an injected error body, if any: the client must
    wait it out just like a Retry-After header."""
    for detail in (rule.get("error") or {}).get("details", []):
        delay = str(detail.get("retryDelay", ""))
        if delay.endswith("s"):
            return float(delay[:-1])
    return None


def refresh_fails(h, partner):
    """The access token expires and the token endpoint refuses the refresh token."""
    h.sandbox("POST", "/_sandbox/faults", json={"partner": "google", "path_contains": "/token", "method": "POST", "status": 400,
                                                "content_type": "application/json",
                                                "raw_body": '{"error":"invalid_grant","error_description":"Token has been expired or revoked."}'})
    h.sandbox("POST", "/_sandbox/google/tokens/expire")


# -- running a row --------------------------------------------------------------------------------------------------

def run_row(h, row, index):
    partner = row.partner
    name = f"Fault {index} {partner}"
    h.current = name
    canvas = h.new_canvas(partner, name)
    since = h.last_seq(partner)
    handle = row.inject(h, partner)
    faults_before = {f["id"]: f.get("retry_after") or body_retry_delay(f) for f in h.sandbox("GET", "/_sandbox/faults")["faults"]}
    started = time.monotonic()
    acked = h.enter(canvas, prefix=f"f{index}-")
    lifted_at = None
    lifted = True
    if row.lift:
        lifted = row.lift(h, partner, handle)
        lifted_at = time.monotonic()
    outcome = {}
    if row.expect == "synced":
        figures = wait_until(lambda: (lambda f: f if f["synced"] + f["errored"] + f["not_synced"] >= acked else None)(h.summary(canvas)), SYNC_WAIT)
        figures = figures or h.summary(canvas)
        done_at = time.monotonic()
        ok = lifted and figures["synced"] == acked == USERS
    else:
        kind, reason = row.expect.split(":")
        if kind == "errored":
            figures = wait_until(lambda: (lambda f: f if f["errored"] >= acked else None)(h.summary(canvas)), SYNC_WAIT) or h.summary(canvas)
            ok = figures["errored"] == acked == USERS and figures["errored_by_reason"].get(reason) == USERS
        else:
            # Waits until the users are held with the reason shown on the canvas page.
            text = wait_until(lambda: (lambda t: t if f"{USERS:,} user(s)" in t or f"{USERS} user(s)" in t else None)(h.canvas_text(canvas)), 90)
            time.sleep(3)   # long enough for a call that should not happen
            figures = h.summary(canvas)
            ok = figures["pending"] == acked == USERS and figures["synced"] == 0 and bool(text)
            found = re.search(r"\d[\d,]* user\(s\): .*?(?= Retry the errored| Fix the cause|$)", text or "")
            outcome["canvas_reason"] = found.group(0)[:160] if found else None
        done_at = time.monotonic()
        h.clear_faults()
    entries = h.log(partner, since)
    retry_after = {fid: ra for fid, ra in faults_before.items() if ra}
    one_s, in_window, limit, early, own_throttles = rate_figures(partner, entries, retry_after)
    if row.expect == "waiting:auth_invalid":
        first_refusal = next((e["seq"] for e in entries if e["status"] in (400, 401) or e.get("error_code") == 190), None)
        calls_after = [e for e in entries if first_refusal and e["seq"] > first_refusal and "/token" not in e["path"]]
        outcome["calls_after_refusal"] = len(calls_after)
        if calls_after:   # which calls, to tell a send from a page's or a chore's partner call
            outcome["calls_after_were"] = sorted({f"{e.get('method', '')} {e['path'].split('?')[0]} {e['status']}" for e in calls_after})
        refreshes = [e for e in entries if "/token" in e["path"] and e.get("fault_id") is not None]
        if refreshes:
            outcome["refresh_refused"] = len(refreshes)
        ok = ok and len(calls_after) == 0
    if row.alert:
        mail = wait_until(lambda: row.alert in h.outbox_text(), 30)
        outcome["alert_email"] = bool(mail)
        ok = ok and bool(mail)
    if row.repair:
        row.repair(h)
        repaired = wait_until(lambda: (lambda f: f if f["synced"] >= acked else None)(h.summary(canvas)), SYNC_WAIT) or h.summary(canvas)
        outcome["after_repair_synced"] = repaired["synced"]
        ok = ok and repaired["synced"] == USERS
        figures = repaired
        done_at = time.monotonic()
    if h.proxy is not None and row.name == "hung partner":
        outcome["hung_call_gave_up_after_s"] = round(max(h.proxy.hung), 1) if h.proxy.hung else None
        ok = ok and bool(h.proxy.hung) and max(h.proxy.hung) <= HTTP_TOTAL_TIMEOUT * 1.1
    calls = h.app_calls(canvas)
    failed = [c for c in calls if c[0] != "ok"]
    outcome["app_failed_calls"] = len(failed)
    if failed:
        outcome["app_saw"] = f"{failed[0][0]}: {failed[0][1][:90]} ({failed[0][2]} ms)"
    lost = acked - (figures["synced"] + figures["errored"] + figures["pending"] + figures["not_synced"])
    ok = ok and lost == 0 and acked == USERS and in_window <= limit and early == 0 and own_throttles == 0
    result = {
        "row": row.name, "partner": partner, "users": acked, "synced": figures["synced"], "errored": figures["errored"],
        "pending": figures["pending"], "lost": lost, "expected": row.expect,
        "time_to_100_s": round(done_at - (lifted_at or started), 1) if row.expect == "synced" or row.repair else None,
        "max_calls_1s": one_s, "max_calls_in_budget_window": in_window, "budget": f"{limit}/{BUDGETS[partner][1]}s",
        "calls_before_retry_after_end": early, "partner_throttled_on_its_own": own_throttles, "calls_logged": len(entries),
        "errored_by_reason": {k: v for k, v in figures.get("errored_by_reason", {}).items() if v}, **outcome,
        "note": row.note, "result": "pass" if ok else "FAIL",
    }
    say(f"  {result['result']:4} {row.name}: users {acked}, synced {result['synced']}, errored {result['errored']}, "
        f"pending {result['pending']}, lost {lost}, time to 100 % {result['time_to_100_s']} s, max calls/1 s {one_s} "
        f"(budget {result['budget']}, max in window {in_window}), calls before Retry-After {early}"
        + "".join(f", {k} {v}" for k, v in outcome.items()))
    return result


def facebook_stack():
    stack = benchstack.Stack("facebook")
    proxy = FaultProxy(stack.sandbox)
    stack.env["AUDIENCESYNC_FACEBOOK_API_URL"] = f"http://127.0.0.1:{proxy.port}/facebook/graph/v25.0"
    stack.start()
    stack.setup()
    stack.connect_facebook()
    return Harness(stack, proxy)


def partners_stack():
    stack = benchstack.Stack("partners", env={"AUDIENCESYNC_PRO_PURCHASES": "2"})
    stack.start()
    stack.setup()
    stack.enable_pro(PRO)
    h = Harness(stack)
    for partner in ["google"] + PRO:
        h.accounts[partner] = stack.connect_oauth(partner)
    return h


def outage_rows():
    """Runs the Swift compressed-time outage suite and turns its printed figures into rows."""
    say("\n14-hour partner outage in compressed time (swift test --filter OutageTests)")
    started = time.monotonic()
    run = subprocess.run(["swift", "test", "--skip-build", "--filter", "OutageTests"], cwd=ROOT, capture_output=True, text=True)
    text = run.stdout + run.stderr
    passed = run.returncode == 0
    rows = []
    m = re.search(r"14-h outage: (\d+) users, (\d+) calls to the partner \(largest gap (\d+) s\), errored (\d+), alert emails (\d+)", text)
    r = re.search(r"re-drive after recovery: synced (\d+), rows the partner received (\d+)", text)
    if m:
        users, calls, gap, errored, mails = map(int, m.groups())
        rows.append({"row": "14-hour outage (503), compressed time", "partner": "facebook", "users": users, "synced": 0, "errored": errored,
                     "pending": 0, "lost": users - errored, "expected": "errored:deadline", "time_to_100_s": None,
                     "max_calls_1s": None, "calls_over_14_h": calls, "largest_gap_s": gap, "alert_email": mails == 1,
                     "redrive_synced": int(r.group(1)) if r else None, "redrive_rows_received": int(r.group(2)) if r else None,
                     "note": "Swift OutageTests, clock moved a minute per pass", "result": "pass" if passed else "FAIL"})
    m = re.search(r"12 h 50 min outage, then recovery: synced (\d+) of (\d+), errored (\d+)", text)
    if m:
        synced, users, errored = map(int, m.groups())
        rows.append({"row": "12 h 50 min outage, then recovery", "partner": "facebook", "users": users, "synced": synced, "errored": errored,
                     "pending": users - synced - errored, "lost": 0, "expected": "synced", "time_to_100_s": None, "max_calls_1s": None,
                     "note": "Swift OutageTests", "result": "pass" if passed else "FAIL"})
    if not rows or not passed:
        say(text[-4000:])
        rows.append({"row": "Swift OutageTests", "result": "pass" if passed else "FAIL", "note": "see output above"} if not rows else {})
        rows = [r for r in rows if r]
    for row in rows:
        say(f"  {row['result']:4} {row['row']}: " + ", ".join(f"{k} {v}" for k, v in row.items() if k not in ("row", "result")))
    say(f"  ({time.monotonic() - started:.0f} s)")
    return rows


def markdown(results, seconds):
    lines = [f"Fault matrix: {USERS:,} users per row, {seconds / 60:.1f} min in all ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}).", "",
             "| Fault | Partner | Users | Synced | Errored | Pending | Lost | Time to 100 % | Max calls in 1 s (budget) | Calls before Retry-After | Result |",
             "|---|---|---:|---:|---:|---:|---:|---:|---|---:|---|"]
    for r in results:
        extra = []
        for key in ("canvas_reason", "alert_email", "calls_after_refusal", "hung_call_gave_up_after_s", "after_repair_synced",
                    "calls_over_14_h", "largest_gap_s", "redrive_synced", "redrive_rows_received", "note"):
            if r.get(key) not in (None, ""):
                extra.append(f"{key.replace('_', ' ')}: {r[key]}")
        budget = f"{r.get('max_calls_1s')} ({r.get('budget')}; max {r.get('max_calls_in_budget_window')} in window)" if r.get("budget") else "–"
        ttl = f"{r['time_to_100_s']} s" if r.get("time_to_100_s") is not None else "–"
        lines.append(f"| {r['row']} | {r.get('partner', '')} | {r.get('users', '')} | {r.get('synced', '')} | {r.get('errored', '')} | "
                     f"{r.get('pending', '')} | {r.get('lost', '')} | {ttl} | {budget} | {r.get('calls_before_retry_after_end', '–')} | "
                     f"{r['result']}{' — ' + '; '.join(extra) if extra else ''} |")
    return "\n".join(lines) + "\n"


def chosen(row):
    """FAULT_ONLY=word,word runs only the rows whose name holds one of the words (for debugging one row)."""
    words = [w.strip().lower() for w in os.environ.get("FAULT_ONLY", "").split(",") if w.strip()]
    return not words or any(w in row.name.lower() for w in words)


def main():
    only = os.environ.get("FAULT_ROWS", "")   # e.g. FAULT_ROWS=facebook,partners,outage
    parts = [p for p in (only or "facebook,partners,outage").split(",") if p]
    started = time.monotonic()
    results = []
    if "facebook" in parts:
        say(f"Facebook stack (Graph API through the fault proxy), {USERS:,} users per row")
        h = facebook_stack()
        try:
            for i, row in enumerate(facebook_rows(), 1):
                if chosen(row):
                    results.append(run_row(h, row, i))
        finally:
            h.proxy.close()
            h.stack.stop(keep=os.environ.get("FAULT_KEEP") == "1")
    if "partners" in parts:
        say(f"\nPartners stack (Google, TikTok, Pinterest, Snapchat, Criteo, LinkedIn), {USERS:,} users per row")
        h = partners_stack()
        try:
            for i, row in enumerate(partner_rows(), 100):
                if chosen(row):
                    results.append(run_row(h, row, i))
        finally:
            h.stack.stop(keep=os.environ.get("FAULT_KEEP") == "1")
    if "outage" in parts:
        results += outage_rows()
    seconds = time.monotonic() - started
    OUT.mkdir(exist_ok=True)
    (OUT / "faults.json").write_text(json.dumps({"users_per_row": USERS, "seconds": round(seconds), "rows": results}, indent=2))
    table = markdown(results, seconds)
    (OUT / "faults.md").write_text(table)
    say("\n" + table)
    failed = [r["row"] for r in results if r["result"] != "pass"]
    say(f"{len(results) - len(failed)} of {len(results)} rows pass" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
