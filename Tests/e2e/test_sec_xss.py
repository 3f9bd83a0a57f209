"""XSS corpus (reliability.md A-9): every payload of Tests/Fixtures/xss_payloads.txt (and its encoded variants) is
stored in every field a user or a partner controls — canvas names, entry-filter values, step audience names, segment
names and filters, API key names, profile ids (REST API), CSV file names, column names and rows, partner error
messages (sandbox faults), export audience names, the step page's audience search — and then every page that shows
them is opened in headless Chromium.

Each payload calls `__xss(<n>)` (or `alert(<n>)`), n = field × 1000 + payload, so a hit names its field. A script
injected before any page script (CDP `Page.addScriptToEvaluateOnNewDocument`, which the page's CSP does not govern)
records those calls, `alert`/`confirm`/`prompt`, and every `securitypolicyviolation` event; the browser log is read
too. A DOM audit counts what an escaped page can never contain: event-handler attributes, `javascript:`/`data:` URLs
in link and source attributes, inline scripts. Pass: 0 executions, 0 CSP violations, 0 injected elements, and
every field's payloads visibly on its pages (text or form value), which proves they were stored and shown, not
dropped."""
import concurrent.futures
import hashlib
import json
import pathlib
import re
import time
import urllib.parse

import requests
from selenium.webdriver.common.by import By

from conftest import PASSWORD, confirm_fields, csrf_of, wait_for_text
from secsupport import record

EMAIL = "xss@e2e.test"
CORPUS = pathlib.Path(__file__).resolve().parents[1] / "Fixtures" / "xss_payloads.txt"
MAX_LENGTH = 78          # API key names take 80 characters; every payload fits every name field
ERROR_CANVASES = 8        # launched canvases whose sync errors carry the payloads (a chunk each)

# Fields: n = FIELD × 1000 + index.
CANVAS, FILTER_VALUE, STEP_AUDIENCE, SEGMENT, SEGMENT_FILTER, API_KEY, PROFILE_ID, IMPORT_FILE, IMPORT_COLUMN, \
    IMPORT_ROW, PARTNER_ERROR, EXPORT_AUDIENCE, SEARCH = range(1, 14)
FIELD_NAMES = {CANVAS: "canvas name", FILTER_VALUE: "canvas entry-filter value", STEP_AUDIENCE: "step audience name",
               SEGMENT: "segment name", SEGMENT_FILTER: "segment filter attribute", API_KEY: "API key name",
               PROFILE_ID: "profile external_id (REST)", IMPORT_FILE: "CSV file name", IMPORT_COLUMN: "CSV column name",
               IMPORT_ROW: "CSV row (rejected-rows report)", PARTNER_ERROR: "partner error message",
               EXPORT_AUDIENCE: "export audience name", SEARCH: "step audience search (reflected)"}

HOOK = r"""
(function () {
  var hits = window.__xssHits = [], csp = window.__csp = [];
  window.__xss = function (n) { hits.push(String(n)); };
  ['alert', 'confirm', 'prompt', 'print'].forEach(function (name) {
    window[name] = function (n) { hits.push(name + ':' + n); };
  });
  document.addEventListener('securitypolicyviolation', function (e) {
    csp.push({directive: e.violatedDirective, blocked: e.blockedURI, line: e.lineNumber, source: e.sourceFile});
  }, true);
})();
"""

AUDIT = r"""
var done = arguments[arguments.length - 1];
setTimeout(function () {
  var bad = [];
  document.querySelectorAll('*').forEach(function (el) {
    for (var i = 0; i < el.attributes.length; i++) {
      var a = el.attributes[i], v = (a.value || '').replace(/[\s\u0000-\u001f]/g, '').toLowerCase();
      if (/^on/i.test(a.name)) bad.push(el.tagName + '[' + a.name + ']');
      if (/^(href|src|action|formaction|data|xlink:href|srcdoc|background|poster)$/i.test(a.name)
          && /^(javascript|vbscript|data:text\/html)/.test(v)) bad.push(el.tagName + '[' + a.name + '=' + v.slice(0, 40) + ']');
    }
    var tag = el.tagName.toLowerCase();
    if (tag === 'script' && !/^\/static\//.test(el.getAttribute('src') || '')) bad.push('inline script');
    if (['iframe', 'object', 'embed', 'base', 'frame', 'frameset', 'math', 'marquee', 'xss', 'x', 'isindex'].indexOf(tag) >= 0) bad.push(tag);
  });
  var values = [];
  document.querySelectorAll('input, textarea').forEach(function (el) { values.push(el.value); });
  done({hits: window.__xssHits || ['hook missing'], csp: window.__csp || [], bad: bad,
        text: document.documentElement.textContent + '\n' + values.join('\n')});
}, 0);
"""


def corpus():
    """The payloads, deterministic: each template as written, with HTML-entity and percent-encoded variants and
    some upper-cased, each with a call placeholder `§`; at most MAX_LENGTH characters once the call is filled."""
    templates = [line for line in CORPUS.read_text().splitlines() if line and not line.startswith("# ")]
    entities = [t.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;").replace("'", "&#39;")
                for t in templates if re.search(r"[<>\"']", t)]
    percent = ["§".join(urllib.parse.quote(part, safe="=:/ ") for part in t.split("§")) for t in templates if "<" in t][:12]
    upper = [t.upper() for t in templates if "<" in t][:12]
    payloads, seen = [], set()
    for payload in templates + entities + percent + upper:
        if payload not in seen and len(payload) + 11 <= MAX_LENGTH:
            seen.add(payload)
            payloads.append(payload)
    return payloads


PAYLOADS = corpus()


def fill(field, index):
    """Payload `index` for `field`, its call numbered field × 1000 + index (every ninth an `alert`)."""
    n = field * 1000 + index
    call = f"alert({n})" if index % 9 == 4 else f"__xss({n})"
    return PAYLOADS[index].replace("§", call)


def marker(n):
    return (f"alert({n})" if (n % 1000) % 9 == 4 else f"__xss({n})")


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


def parallel(function, items, workers=4):
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        return list(pool.map(function, items))


class Setup:
    """Stores every payload in every field through the app's own forms, REST API, CSV import and the sandbox."""

    def __init__(self, stack):
        self.stack, self.url = stack, stack.url
        stack.create_user(EMAIL)
        self.session = stack.signed_in_session(EMAIL)
        self.csrf = csrf_of(self.session, self.url + "/canvases")      # the session's synchronizer token
        self.pages = []          # (url, fields expected on it)
        self.stored = {}

    def post(self, path, data, files=None, expect=(200, 303)):
        r = self.session.post(self.url + path, data=dict(data, _csrf=self.csrf), files=files, allow_redirects=False, timeout=60)
        assert r.status_code in expect, (path, r.status_code, r.text[:300])
        return r

    def post_confirmed(self, path, data, expect=(303,)):
        """A destructive or costly action: the form, then its confirmation page's own form."""
        asked = self.post(path, data, expect=(200,))
        fields = confirm_fields(asked.text)
        assert fields is not None, (path, asked.text[:300])
        r = self.session.post(self.url + path, data=fields, allow_redirects=False, timeout=60)
        assert r.status_code in expect, (path, r.status_code, r.text[:300])
        return r

    def connect_facebook(self):
        page = requests.post(self.stack.sandbox_url + "/facebook/www/business/settings/system-users", timeout=10).text
        token = page.split('<code class="fb-token">')[1].split("</code>")[0]
        self.post("/partners/facebook/token", {"token": token})
        self.post("/partners/facebook/accounts", {"account": "act_1001"})

    def api_key(self):
        page = self.post("/settings/api-keys", {"name": "xss setup"}).headers["Location"]
        text = self.session.get(self.url + page, timeout=10).text
        return re.search(r'id="new-key-value">([^<]+)<', text).group(1)

    def canvas(self, name, audience, filter_value=None):
        """A draft canvas with one Facebook Add step to a new audience; returns (canvas path, step path)."""
        canvas = self.post("/canvases", {"name": name}).headers["Location"]
        if filter_value is not None:
            self.post(canvas + "/add-filter", {"attribute": "plan", "op": "equals", "value": filter_value, "group": "new"})
        step = self.post(canvas + "/add-step", {"kind": "audience_sync"}).headers["Location"]
        form = {"destination": "facebook|act_1001", "audience_mode": "new", "audience_name": audience, "action": "add", "field": "email"}
        self.post(step + "/save", form, expect=(303,))
        return canvas, step

    def canvases(self):
        def make(i):
            return self.canvas(fill(CANVAS, i), fill(STEP_AUDIENCE, i), fill(FILTER_VALUE, i))
        made = parallel(make, range(len(PAYLOADS)))
        self.pages.append(("/canvases", {CANVAS}))
        for canvas, step in made:
            self.pages.append((canvas, {CANVAS, FILTER_VALUE, STEP_AUDIENCE}))
            self.pages.append((step, {CANVAS, STEP_AUDIENCE}))
        self.drafts = made

    def profiles(self, key):
        """Profiles whose external ids are the payloads, in chunks of 20 (a segment sample's size)."""
        users = [{"external_id": fill(PROFILE_ID, i), "email": f"p{i}@example.com", "chunk": f"c{i // 20}",
                  "ads_tracking_enabled": True} for i in range(len(PAYLOADS))]
        r = requests.post(self.url + "/api/v1/users/track", json={"attributes": users}, headers={"Authorization": "Bearer " + key}, timeout=60)
        assert r.status_code == 201, r.text[:500]
        return (len(PAYLOADS) + 19) // 20

    def segments(self, chunks):
        def make(i):
            segment = self.post("/segments", {"name": fill(SEGMENT, i)}).headers["Location"]
            if i < chunks:      # shows the profiles of chunk i in its sample
                self.post(segment + "/add-filter", {"attribute": "chunk", "op": "equals", "value": f"c{i}", "group": "new"})
            else:
                self.post(segment + "/add-filter", {"attribute": "a" + fill(SEGMENT_FILTER, i), "op": "exists", "value": "", "group": "new"})
            return segment
        made = parallel(make, range(len(PAYLOADS)))
        self.pages.append(("/segments", {SEGMENT}))
        for i, segment in enumerate(made):
            self.pages.append((segment, {SEGMENT, PROFILE_ID} if i < chunks else {SEGMENT, SEGMENT_FILTER}))
        self.segment_pages = made

    def api_keys(self):
        parallel(lambda i: self.post("/settings/api-keys", {"name": fill(API_KEY, i)}), range(len(PAYLOADS)))
        self.pages.append(("/settings/api-keys", {API_KEY}))

    def imports(self):
        """CSV imports: file names and column names are payloads (a chunk per file); every row's external id is a
        payload, and rows with a bad email land in the rejected-rows report."""
        chunk = 30
        for start in range(0, len(PAYLOADS), chunk):
            indexes = range(start, min(start + chunk, len(PAYLOADS)))
            filename = fill(IMPORT_FILE, start).replace("/", "∕") + ".csv"
            columns = [fill(IMPORT_COLUMN, i).replace(",", ";").replace('"', "'") for i in indexes[:8]]
            lines = [",".join(["external_id", "email"] + ['"' + c + '"' for c in columns])]
            for i in indexes:
                row_id = fill(IMPORT_ROW, i).replace('"', '""')
                email = f"r{i}@example.com" if i % 2 else f"not-an-email-{i}"
                lines.append(",".join([f'"{row_id}"', email] + ["x"] * len(columns)))
            body = ("\r\n".join(lines) + "\r\n").encode()
            r = self.post("/settings/imports", {}, files={"file": (filename, body, "text/csv")})
            self.pages.append((r.headers["Location"], {IMPORT_FILE, IMPORT_COLUMN}))
            self.stored.setdefault("imports", []).append(r.headers["Location"])
        self.pages.append(("/settings/imports", {IMPORT_FILE}))

    def wait_imports(self):
        deadline = time.monotonic() + 60
        for path in self.stored["imports"]:
            while time.monotonic() < deadline:
                status = self.session.get(self.url + path + "/progress", timeout=10).json().get("status")
                if status != "running":
                    break
                time.sleep(0.3)

    def partner_errors(self, key):
        """Launched canvases whose first batch the sandbox refuses with a permanent Graph error whose message and
        user title carry a chunk of the payloads, so they reach the step's reasons, its partner activity, the
        alerts and the alert emails in the outbox."""
        size = -(-len(PAYLOADS) // ERROR_CANVASES)
        launched = []
        for k in range(ERROR_CANVASES):
            indexes = range(k * size, min((k + 1) * size, len(PAYLOADS)))
            message = " | ".join(fill(PARTNER_ERROR, i) for i in indexes)
            email = f"err{k}@example.com"
            requests.post(self.stack.sandbox_url + "/_sandbox/faults", timeout=10, json={
                "partner": "facebook", "path_contains": "/users", "body_contains": sha(email), "status": 400,
                "error": {"message": message, "type": "OAuthException", "code": 100, "error_subcode": 1713230,
                          "error_user_title": fill(PARTNER_ERROR, indexes[0]), "error_user_msg": message}}).raise_for_status()
            canvas, step = self.canvas(f"Errors {k} " + fill(CANVAS, k), f"Errors {k} " + fill(EXPORT_AUDIENCE, k))
            r = self.post_confirmed(canvas + "/launch", {})
            assert "launched" in r.headers["Location"], r.headers["Location"]
            r = requests.post(self.url + "/api/v1/canvas/trigger/send", headers={"Authorization": "Bearer " + key}, timeout=30, json={
                "canvas_id": canvas.rsplit("/", 1)[-1],
                "recipients": [{"external_user_id": f"err{k}", "attributes": {"email": email, "ads_tracking_enabled": True}}]})
            assert r.status_code == 201 and r.json()["entered"] == 1, r.text
            launched.append((canvas, step))
            self.pages.append((canvas, {PARTNER_ERROR}))
            self.pages.append((step, {PARTNER_ERROR}))
        self.pages += [("/settings/notifications", {PARTNER_ERROR}), ("/settings/outbox", {PARTNER_ERROR}), ("/ledger", set())]
        self.launched = launched
        return launched

    def wait_errors(self, key):
        deadline = time.monotonic() + 60
        for canvas, _ in self.launched:
            while time.monotonic() < deadline:
                summary = requests.get(self.url + "/api/v1/canvas/data_summary", params={"canvas_id": canvas.rsplit("/", 1)[-1]},
                                       headers={"Authorization": "Bearer " + key}, timeout=10).json()
                if summary["steps"][0].get("errored", 0) >= 1:
                    break
                time.sleep(0.3)
        while time.monotonic() < deadline:      # the notifier raises the alerts and queues their emails
            if self.session.get(self.url + "/settings/outbox", timeout=10).text.count("__xss(11") + \
                    self.session.get(self.url + "/settings/outbox", timeout=10).text.count("alert(11") >= len(PAYLOADS):
                break
            time.sleep(0.5)

    def exports(self):
        """Exports of the chunk segments to new audiences named with payloads (the export page, the segment's export
        table; the audiences then show at the partner and in every draft step's list of existing audiences)."""
        for i, segment in enumerate(self.segment_pages[:4]):
            names = [fill(EXPORT_AUDIENCE, j) for j in range(i * 3, len(PAYLOADS), 4)][:1]
            r = self.post_confirmed(segment + "/export", {"ad_account": "act_1001", "field": "email", "name_email": names[0]})
            self.pages.append((r.headers["Location"], {EXPORT_AUDIENCE}))
        self.pages.append((self.drafts[0][1], {EXPORT_AUDIENCE}))

    def searches(self):
        for i in range(len(PAYLOADS)):
            if i % 8 == 0:
                self.pages.append((self.drafts[i][1] + "?q=" + urllib.parse.quote(fill(SEARCH, i)), {SEARCH}))


def browser_sign_in(stack, browser):
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": HOOK})
    browser.get(stack.url + "/signin")
    browser.find_element(By.ID, "email").send_keys(EMAIL)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button.primary").click()
    wait_for_text(browser, "Technology Partners")
    browser.get_log("browser")      # start the log clean


def test_xss_corpus_in_every_field_never_runs(stack, browser):
    started = time.monotonic()
    setup = Setup(stack)
    setup.connect_facebook()
    key = setup.api_key()
    setup.partner_errors(key)
    setup.canvases()
    chunks = setup.profiles(key)
    setup.segments(chunks)
    setup.api_keys()
    setup.imports()
    setup.wait_imports()
    setup.exports()
    setup.searches()
    setup.wait_errors(key)
    stored_in = time.monotonic() - started

    browser_sign_in(stack, browser)
    # Control: the same audit sees an injection when there is one — markup added to a real page under its real
    # CSP is blocked and reported, and a call to alert is recorded.
    browser.get(stack.url + "/canvases")
    browser.execute_script("document.body.insertAdjacentHTML('beforeend', '<img src=x onerror=__xss(1)>'); alert(2);")
    control = browser.execute_async_script(AUDIT)
    assert control["csp"] and control["bad"] and control["hits"] == ["alert:2"], control["csp"]
    browser.get_log("browser")
    opened = time.monotonic()
    hits, violations, injected, console = [], [], [], []
    shown = {field: set() for field in FIELD_NAMES}
    pages, kinds = 0, {}
    for path, fields in setup.pages:
        t0 = time.monotonic()
        browser.get(stack.url + path)
        t1 = time.monotonic()
        result = browser.execute_async_script(AUDIT)
        kind = re.sub(r"\d+", "N", path.split("?")[0])
        k = kinds.setdefault(kind, [0, 0.0, 0.0])
        k[0] += 1; k[1] += t1 - t0; k[2] += time.monotonic() - t1
        pages += 1
        hits += [(path, h) for h in result["hits"]]
        violations += [(path, v) for v in result["csp"]]
        injected += [(path, b) for b in result["bad"]]
        for n in re.findall(r"(?:__xss|alert)\((\d+)\)", result["text"]):
            shown[int(n) // 1000].add(int(n) % 1000)
    console = [entry["message"] for entry in browser.get_log("browser")
               if "Content Security Policy" in entry["message"] or "__xss" in entry["message"]]

    # The rejected-rows report is a download, never a page: text/csv, attachment, nosniff.
    report = setup.session.get(stack.url + setup.stored["imports"][0] + "/rejected.csv", timeout=10)
    assert report.headers["Content-Type"].startswith("text/csv") and "attachment" in report.headers.get("Content-Disposition", "")
    assert "nosniff" in report.headers.get("X-Content-Type-Options", "")
    rejected = len(re.findall(r"(?:__xss|alert)\(10\d{3}\)", report.text))

    coverage = {FIELD_NAMES[f]: len(shown[f]) for f in FIELD_NAMES}
    figures = {"payloads": len(PAYLOADS), "fields": len(FIELD_NAMES), "pages_opened": pages, "script_executions": len(hits),
               "csp_violations": len(violations), "csp_console_messages": len(console), "injected_elements": len(injected),
               "payloads_shown_per_field": coverage, "rejected_rows_in_report": rejected,
               "seconds_to_store": round(stored_in, 1), "seconds_in_browser": round(time.monotonic() - opened, 1), "seconds_total": round(time.monotonic() - started, 1)}
    figures["seconds_per_page_kind"] = {kind: round(v[1] + v[2], 1) for kind, v in kinds.items()}
    record("xss", figures)
    print("\nXSS corpus:", json.dumps(figures, indent=1, ensure_ascii=False))
    assert not hits, hits[:20]
    assert not violations, violations[:20]
    assert not console, console[:20]
    assert not injected, injected[:20]
    # Every field's payloads reached a page (as text or a form's value), so the zeros above are about them.
    everything = set(range(len(PAYLOADS)))
    for field in (CANVAS, FILTER_VALUE, STEP_AUDIENCE, SEGMENT, API_KEY, PROFILE_ID, PARTNER_ERROR):
        assert shown[field] >= everything, (FIELD_NAMES[field], sorted(everything - shown[field])[:20])
    # The first segments filter on a chunk (to show its profiles); the others on a payload attribute.
    assert shown[SEGMENT_FILTER] >= set(range(chunks, len(PAYLOADS))), sorted(set(range(chunks, len(PAYLOADS))) - shown[SEGMENT_FILTER])[:20]
    for field in (IMPORT_FILE, IMPORT_COLUMN, EXPORT_AUDIENCE, SEARCH):
        assert shown[field], FIELD_NAMES[field]
    assert rejected == 15      # the first file's 30 rows, every other one with a bad email
