"""End-to-end fixtures: the whole stack (sandbox, app, nginx) on free ports, and a headless Chromium."""
import fcntl
import html
import json
import os
import pathlib
import re
import socket
import subprocess
import time

import pytest
import requests

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "test-output"


def record_figures(filename, section, figures):
    """Prints `figures` and merges them into test-output/`filename` under `section`, under a lock and by an atomic
    rename, so suites running side by side never erase or tear each other's figures."""
    print(f"\n[{filename}] {section}: {json.dumps(figures, sort_keys=True)}")
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / filename
    with open(OUT / f".{filename}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            data = json.loads(path.read_text()) if path.exists() else {}
        except ValueError:
            data = {}
        data.setdefault(section, {}).update(figures)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
        tmp.replace(path)
BIN = ROOT / ".build" / "debug" / "audiencesync"
PASSWORD = "e2e correct horse battery"


def alive(pid):
    """Whether `pid` runs: a killed process not yet reaped (a zombie) counts as gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return pathlib.Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        # The process can vanish between the two looks: reading its /proc file then fails with ENOENT or ESRCH
        # (ProcessLookupError), both OSErrors. Either way it is gone.
        return False


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    """One running stack with its own data folder and ports."""

    def __init__(self, name, env=None):
        self.data = OUT / f"e2e-{name}-{int(time.time() * 1000)}"
        self.http, self.sandbox = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.http}"
        self.sandbox_url = f"http://127.0.0.1:{self.sandbox}"
        self.env = dict(os.environ, AUDIENCESYNC_DATA_DIR=str(self.data), **(env or {}))

    def start(self):
        self.data.mkdir(parents=True, exist_ok=True)
        subprocess.run([str(ROOT / "scripts/stack.sh"), "start", str(self.data), str(self.http), str(self.sandbox)],
                       check=True, env=self.env, cwd=ROOT)
        return self

    def stop(self):
        subprocess.run([str(ROOT / "scripts/stack.sh"), "stop", str(self.data)], env=self.env, cwd=ROOT)

    def create_user(self, email, workspace="E2E workspace", role="admin"):
        subprocess.run([str(BIN), "admin", "create-user", "--workspace", workspace, "--email", email, "--password-stdin",
                        "--role", role, "--replace-existing"], input=PASSWORD + "\n", text=True, check=True, env=self.env,
                       cwd=ROOT, stdout=subprocess.DEVNULL)

    def pid(self, name):
        return int((self.data / f"{name}.pid").read_text())

    def ensure_app(self):
        """Restarts the app if an earlier test stopped or killed it."""
        try:
            running = alive(self.pid("app"))
        except FileNotFoundError:
            running = False
        if not running:
            subprocess.run([str(ROOT / "scripts/stack.sh"), "app", str(self.data), str(self.http), str(self.sandbox)],
                           check=True, env=self.env, cwd=ROOT)

    def sandbox_tokens(self):
        state = requests.get(self.sandbox_url + "/_sandbox/facebook/state", timeout=5).json()
        return [t["value"] for t in state["tokens"]]

    def signed_in_session(self, email):
        """A requests.Session signed in through the real sign-in form."""
        s = requests.Session()
        page = s.get(self.url + "/signin", timeout=5).text
        token = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
        r = s.post(self.url + "/signin", data={"_csrf": token, "email": email, "password": PASSWORD, "next": "/partners"},
                   allow_redirects=False, timeout=5)
        assert r.status_code == 303, r.text
        return s


@pytest.fixture(scope="module")
def stack(request):
    s = Stack(request.module.__name__.split(".")[-1]).start()
    yield s
    s.stop()


def chromium(network_log=False):
    """Debian's headless Chromium through its own chromedriver (nothing is downloaded); with `network_log`, the
    DevTools performance log records every request the browser sends."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(arg)
    options.binary_location = "/usr/bin/chromium"
    if network_log:
        options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.implicitly_wait(5)
    return driver


@pytest.fixture(scope="module")
def browser():
    driver = chromium()
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def shots(request):
    folder = OUT / "screenshots" / request.module.__name__.split(".")[-1]
    folder.mkdir(parents=True, exist_ok=True)
    counter = {"n": 0}

    def take(driver, name):
        counter["n"] += 1
        path = folder / f"{counter['n']:02d}-{name}.png"
        driver.save_screenshot(str(path))
        return path

    return take


def wait_for_text(driver, text, timeout=10):
    """Waits until `text` is on the page: a click that submits a form returns before the next page loads."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    # While the next page loads, the old body goes stale or leaves the document (Chromium then reports a generic
    # inspector error): keep polling through any of those until the text shows or the time is up.
    WebDriverWait(driver, timeout, ignored_exceptions=(WebDriverException,)).until(
        lambda d: text in d.find_element("tag name", "body").text)


PRO_PARTNERS = ["tiktok", "pinterest", "snapchat", "criteo", "linkedin"]


def sign_in_with_pro_partners(stack, browser, email):
    """Creates `email` as an admin, signs in with it both in the browser and in a requests session, and enables the five
    Pro partners (the stack needs AUDIENCESYNC_PRO_PURCHASES=2). Returns the session."""
    from selenium.webdriver.common.by import By
    stack.create_user(email)
    browser.get(stack.url + "/signin")
    browser.find_element(By.ID, "email").send_keys(email)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button.primary").click()
    wait_for_text(browser, "Technology Partners")
    session = stack.signed_in_session(email)
    r = session.post(stack.url + "/partners/pro", data={"_csrf": csrf_of(session, stack.url + "/partners"), "partner": PRO_PARTNERS},
                     allow_redirects=False, timeout=10)
    assert r.status_code == 303, r.text[:500]
    return session


def new_canvas_with_sync_step(session, url, name):
    """Creates a canvas named `name` with one Audience Sync step through the dashboard's forms; returns (canvas, step) ids."""
    r = session.post(url + "/canvases", data={"_csrf": csrf_of(session, url + "/canvases"), "name": name}, allow_redirects=False, timeout=10)
    canvas = r.headers["Location"].rsplit("/", 1)[-1]
    r = session.post(f"{url}/canvases/{canvas}/add-step", data={"_csrf": csrf_of(session, f"{url}/canvases/{canvas}"), "kind": "audience_sync"},
                     allow_redirects=False, timeout=10)
    return canvas, r.headers["Location"].rsplit("/", 1)[-1]


def csrf_of(session, url):
    """The CSRF token of the form on the page at `url`."""
    return re.search(r'name="_csrf" value="([^"]+)"', session.get(url, timeout=10).text).group(1)


def confirm_fields(page):
    """The fields a confirmation page's form re-posts (`id="confirm-form"`: the action's own, `confirmed=1`, the CSRF
    token), or None when `page` is not a confirmation page."""
    form = re.search(r'id="confirm-form">(.*?)</form>', page, re.S)
    if not form:
        return None
    return [(html.unescape(n), html.unescape(v)) for n, v in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', form.group(1))]


def confirmed_post(session, url, data, **kwargs):
    """POSTs a destructive or costly action as a user does: the form, then, when the app answers with its confirmation
    page, that page's own form as its Confirm button submits it. Any other answer is returned as it is."""
    kwargs.setdefault("allow_redirects", False)
    kwargs.setdefault("timeout", 30)
    r = session.post(url, data=data, **kwargs)
    fields = confirm_fields(r.text) if r.status_code == 200 else None
    return r if fields is None else session.post(url, data=fields, **kwargs)


def launched_canvas(stack, email, audience_name, fields=("email",)):
    """Through the dashboard's own forms: a system-user token connection, an API key, and a launched canvas
    with one Add step to a new audience. Returns (api_key, canvas_id)."""
    stack.create_user(email)
    s = stack.signed_in_session(email)
    url = stack.url
    page = requests.post(stack.sandbox_url + "/facebook/www/business/settings/system-users", timeout=10).text
    token = page.split('<code class="fb-token">')[1].split("</code>")[0]
    s.post(url + "/partners/facebook/token", data={"_csrf": csrf_of(s, url + "/partners/facebook"), "token": token}, timeout=10)
    s.post(url + "/partners/facebook/accounts", data={"_csrf": csrf_of(s, url + "/partners/facebook/accounts"), "account": "act_1001"}, timeout=10)
    keys = s.post(url + "/settings/api-keys", data={"_csrf": csrf_of(s, url + "/settings/api-keys"), "name": "tests"}, timeout=10).text
    key = re.search(r'id="new-key-value">([^<]+)<', keys).group(1)
    r = s.post(url + "/canvases", data={"_csrf": csrf_of(s, url + "/canvases"), "name": audience_name}, allow_redirects=False, timeout=10)
    canvas = r.headers["Location"].rsplit("/", 1)[-1]
    r = s.post(f"{url}/canvases/{canvas}/add-step", data={"_csrf": csrf_of(s, f"{url}/canvases/{canvas}"), "kind": "audience_sync"},
               allow_redirects=False, timeout=10)
    step = r.headers["Location"].rsplit("/", 1)[-1]
    form = {"_csrf": csrf_of(s, f"{url}/canvases/{canvas}/steps/{step}"), "destination": "facebook|act_1001", "audience_mode": "new",
            "audience_name": audience_name, "action": "add", "field": list(fields)}
    assert s.post(f"{url}/canvases/{canvas}/steps/{step}/save", data=form, allow_redirects=False, timeout=10).status_code == 303
    r = confirmed_post(s, f"{url}/canvases/{canvas}/launch", {"_csrf": csrf_of(s, f"{url}/canvases/{canvas}")})
    assert "launched" in r.headers.get("Location", ""), r.text[:500]
    return key, canvas
