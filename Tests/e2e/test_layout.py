"""The dashboard's layout in a real Chromium at a desktop width (1366 px), a phone's (375 px) and the narrowest we
support (360 px): no page scrolls sideways, even with 120-character unbroken names of canvases, steps' audiences,
segments and API keys; the nav collapses into a Menu that opens without script; a finished import's progress bar
is full width and reads 100 %. Screenshots of every page at every width go to test-output/screenshots/test_layout/."""
import re
import time

import pytest
import requests
from selenium.webdriver.common.by import By

from conftest import PASSWORD, ROOT, csrf_of, wait_for_text

EMAIL = "layout@e2e.test"
WIDTHS = (1366, 375, 360)
# Unbroken: no space, hyphen or other place a browser would break a line on its own.
LONG = "Spring" + "x" * 108 + "buyers"
LONG_KEY = "Backend" + "k" * 73


def long_name(prefix):
    return (prefix + LONG)[:120]


@pytest.fixture(scope="module")
def pages(stack):
    """Through the dashboard's own forms: Facebook connected, a canvas with a long name whose step adds to an audience
    with a long name, a segment and an API key with long names, and a finished import of the demo CSV. Returns the
    paths of the pages to look at."""
    stack.create_user(EMAIL)
    s = stack.signed_in_session(EMAIL)
    url = stack.url
    page = requests.post(stack.sandbox_url + "/facebook/www/business/settings/system-users", timeout=10).text
    token = page.split('<code class="fb-token">')[1].split("</code>")[0]
    s.post(url + "/partners/facebook/token", data={"_csrf": csrf_of(s, url + "/partners/facebook"), "token": token}, timeout=10)
    # act_1003 has not accepted the custom audience terms: the partner pages show an unusable account, marked.
    s.post(url + "/partners/facebook/accounts", data={"_csrf": csrf_of(s, url + "/partners/facebook/accounts"), "account": ["act_1001", "act_1003"]},
           timeout=10)
    s.post(url + "/settings/api-keys", data={"_csrf": csrf_of(s, url + "/settings/api-keys"), "name": LONG_KEY}, timeout=10)

    r = s.post(url + "/canvases", data={"_csrf": csrf_of(s, url + "/canvases"), "name": long_name("C")}, allow_redirects=False, timeout=10)
    canvas = r.headers["Location"].rsplit("/", 1)[-1]
    r = s.post(f"{url}/canvases/{canvas}/add-step", data={"_csrf": csrf_of(s, f"{url}/canvases/{canvas}"), "kind": "audience_sync"},
               allow_redirects=False, timeout=10)
    step = r.headers["Location"].rsplit("/", 1)[-1]
    form = {"_csrf": csrf_of(s, f"{url}/canvases/{canvas}/steps/{step}"), "destination": "facebook|act_1001", "audience_mode": "new",
            "audience_name": long_name("A") + "y" * 80, "action": "add", "field": ["email"]}
    assert s.post(f"{url}/canvases/{canvas}/steps/{step}/save", data=form, allow_redirects=False, timeout=10).status_code == 303

    r = s.post(url + "/segments", data={"_csrf": csrf_of(s, url + "/segments"), "name": long_name("S")}, allow_redirects=False, timeout=10)
    segment = r.headers["Location"].rsplit("/", 1)[-1]
    filters = {"_csrf": csrf_of(s, f"{url}/segments/{segment}"), "attribute": "plan", "op": "equals", "value": "gold" + "v" * 200,
               "group": "new"}
    assert s.post(f"{url}/segments/{segment}/add-filter", data=filters, allow_redirects=False, timeout=10).status_code == 303

    csv = (ROOT / "Public" / "demo-users.csv").read_bytes()
    r = s.post(url + "/settings/imports", data={"_csrf": csrf_of(s, url + "/settings/imports")},
               files={"file": ("demo-users-" + "n" * 100 + ".csv", csv, "text/csv")}, allow_redirects=False, timeout=60)
    imported = r.headers["Location"].rsplit("/", 1)[-1]
    deadline = time.time() + 60
    while s.get(f"{url}/settings/imports/{imported}/progress", timeout=10).json()["status"] == "running":
        assert time.time() < deadline, "the import did not finish"
        time.sleep(0.5)
    return {"overview": "/overview", "canvases": "/canvases", "canvas": f"/canvases/{canvas}", "step": f"/canvases/{canvas}/steps/{step}",
            "segments": "/segments", "segment": f"/segments/{segment}", "export-form": f"/segments/{segment}/export",
            "imports": "/settings/imports",
            "import": f"/settings/imports/{imported}", "api-keys": "/settings/api-keys", "partners": "/partners",
            "partner": "/partners/facebook", "partner-accounts": "/partners/facebook/accounts", "ledger": "/ledger", "notifications": "/settings/notifications",
            "outbox": "/settings/outbox", "privacy": "/settings/privacy", "api-reference": "/api-reference"}


@pytest.fixture(scope="module")
def signed_in(stack, browser, pages):
    browser.get(stack.url + "/signin")
    browser.find_element(By.ID, "email").send_keys(EMAIL)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button.primary").click()
    wait_for_text(browser, "Technology Partners")
    yield browser
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def viewport(browser, width):
    """A viewport exactly `width` CSS pixels wide (a window cannot be made that narrow), as a phone's browser has."""
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": width, "height": 800, "deviceScaleFactor": 1, "mobile": False})
    assert browser.execute_script("return window.innerWidth") == width


# The elements reaching past the viewport's right edge, deepest first: what to fix when a page scrolls sideways.
OVERFLOWING = """
return Array.from(document.querySelectorAll('body *')).filter(e => {
  const r = e.getBoundingClientRect();
  return r.width > 0 && r.right > window.innerWidth + 0.5 && !e.querySelector('*:not(option)');
}).slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : '')
                        + ' right=' + Math.round(e.getBoundingClientRect().right) + ' "' + (e.textContent || '').trim().slice(0, 40) + '"');
"""


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_scrolls_sideways_even_with_long_names(stack, signed_in, pages, shots, width):
    browser = signed_in
    viewport(browser, width)
    wide = {}
    for name, path in pages.items():
        browser.get(stack.url + path)
        wait_for_text(browser, "AudienceSync")
        shots(browser, f"{name}-{width}")
        scroll, inner = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
        if scroll > inner:
            wide[name] = (scroll, browser.execute_script(OVERFLOWING))
    # The long names are on the pages (so the check means something), and none pushed a page sideways.
    browser.get(stack.url + pages["canvases"])
    assert long_name("C") in browser.find_element(By.ID, "canvas-list").text.replace("\n", "")
    assert wide == {}, f"pages wider than {width} px: {wide}"


def test_the_nav_collapses_into_a_menu_that_opens_without_script_at_360_px(stack, signed_in, pages, shots):
    browser = signed_in
    viewport(browser, 360)
    browser.get(stack.url + pages["segments"])
    wide_nav = browser.find_element(By.CSS_SELECTOR, "nav.nav-wide")
    menu = browser.find_element(By.CSS_SELECTOR, "details.nav-menu")
    assert not wide_nav.is_displayed() and menu.is_displayed()
    links = menu.find_elements(By.CSS_SELECTOR, "nav a")
    assert [a.text for a in links if a.is_displayed()] == []      # closed: only the Menu button shows
    menu.find_element(By.TAG_NAME, "summary").click()
    assert [a.text for a in links if a.is_displayed()] == ["Overview", "Canvases", "Segments", "Sync ledger", "Technology Partners", "Settings"]
    assert menu.find_element(By.XPATH, ".//button[normalize-space()='Sign out']").is_displayed()
    shots(browser, "menu-open-360")
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 360
    next(a for a in links if a.text == "Canvases").click()
    wait_for_text(browser, "Your canvases")
    # With the keyboard alone: Tab reaches the Menu button (after the brand), Enter opens it.
    summary = browser.find_element(By.CSS_SELECTOR, "details.nav-menu summary")
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys
    for _ in range(3):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        if browser.switch_to.active_element == summary:
            break
    assert browser.switch_to.active_element == summary
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    assert browser.find_element(By.CSS_SELECTOR, "details.nav-menu").get_attribute("open") is not None

    viewport(browser, 1366)
    browser.get(stack.url + pages["segments"])
    assert browser.find_element(By.CSS_SELECTOR, "nav.nav-wide").is_displayed()
    assert not browser.find_element(By.CSS_SELECTOR, "details.nav-menu").is_displayed()


@pytest.mark.parametrize("width", (1366, 360))
def test_a_finished_imports_bar_is_full_width_and_reads_100_percent(stack, signed_in, pages, width):
    browser = signed_in
    viewport(browser, width)
    browser.get(stack.url + pages["import"])
    wait_for_text(browser, "Finished")
    bar = browser.find_element(By.ID, "import-progress")
    card = browser.find_element(By.ID, "import")
    assert bar.get_attribute("value") == "100" and bar.get_attribute("max") == "100"
    # The bar takes the card's width (beside its figure on a wide screen, above it on a narrow one), not 160 px.
    assert bar.size["width"] >= 0.6 * card.size["width"], (bar.size, card.size)
    figure = browser.find_element(By.ID, "import-progress-figure").text
    assert re.fullmatch(r"100 % · [\d,]+ rows read", figure), figure
