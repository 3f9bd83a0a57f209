"""End-to-end fixtures: the whole stack (sandbox, app, nginx) on free ports, and a headless Chromium."""
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
BIN = ROOT / ".build" / "debug" / "audiencesync"
PASSWORD = "e2e correct horse battery"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    """One running stack with its own data folder and ports."""

    def __init__(self, name):
        self.data = OUT / f"e2e-{name}-{int(time.time() * 1000)}"
        self.http, self.sandbox = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.http}"
        self.sandbox_url = f"http://127.0.0.1:{self.sandbox}"
        self.env = dict(os.environ, AUDIENCESYNC_DATA_DIR=str(self.data))

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


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(arg)
    options.binary_location = "/usr/bin/chromium"
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.implicitly_wait(5)
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
