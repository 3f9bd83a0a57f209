"""The canvas page, results first (issue 18), in Chromium through nginx: the journey shows the entry's figures
(entered, did not match, blocked by consent) and each step's; the figures update in place, without a reload, when
more users are sent (canvas-live.js polling figures.json under the strict CSP); each figure stays on one line at
1366 and 375 px; and with JavaScript off the page shows the same figures and its Edit controls still work."""
import re
import time

import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import PASSWORD, confirmed_post, csrf_of, launched_canvas, wait_for_text

EMAIL = "canvaspage@e2e.test"


def sign_in(browser, url):
    browser.delete_all_cookies()
    browser.get(url + "/signin")
    browser.find_element(By.ID, "email").send_keys(EMAIL)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.XPATH, "//button[normalize-space()='Sign in']").click()
    wait_for_text(browser, "Technology Partners")


def figure(browser, element_id):
    return browser.find_element(By.CSS_SELECTOR, f"#{element_id} dd").text


def send(stack, key, canvas, recipients):
    r = requests.post(stack.url + "/api/v1/canvas/trigger/send", json={"canvas_id": canvas, "recipients": recipients},
                      headers={"Authorization": "Bearer " + key}, timeout=30)
    assert r.status_code in (201, 400), r.text[:300]


def user(name, **attributes):
    return {"external_user_id": name, "attributes": {"email": f"{name}@example.com", **attributes}}


def assert_figures_on_one_line(browser):
    for pair in browser.find_elements(By.CSS_SELECTOR, ".journey-figures > div"):
        dt, dd = pair.find_element(By.TAG_NAME, "dt"), pair.find_element(By.TAG_NAME, "dd")
        lines = browser.execute_script("return [arguments[0].getClientRects().length, arguments[1].getClientRects().length]", dt, dd)
        assert lines == [1, 1], (dt.text, lines)
        assert abs(dt.location["y"] - dd.location["y"]) < 12, (dt.text, dt.location, dd.location)


def test_figures_update_without_a_reload_and_the_page_works_without_javascript(stack, browser, shots):
    key, canvas = launched_canvas(stack, EMAIL, "Live figures")
    url = stack.url
    s = stack.signed_in_session(EMAIL)
    # Entry criteria: plan equals gold (a live canvas's criteria change is confirmed first).
    r = confirmed_post(s, f"{url}/canvases/{canvas}/add-filter",
                       {"_csrf": csrf_of(s, f"{url}/canvases/{canvas}?edit=criteria"), "attribute": "plan", "op": "equals",
                        "value": "gold", "group": "new"})
    assert r.status_code == 303, r.text[:300]

    sign_in(browser, url)
    browser.get(f"{url}/canvases/{canvas}")
    assert "Who may enter: plan equals gold" in browser.find_element(By.ID, "entry-node").text
    assert not browser.find_elements(By.ID, "canvas-name") and not browser.find_elements(By.ID, "entry-action")
    assert [figure(browser, i) for i in ("entry-entered", "entry-not-matched", "entry-blocked")] == ["0", "0", "0"]
    assert not browser.find_element(By.ID, "step-1-retry").is_displayed()
    browser.execute_script("window.notReloaded = true")

    # More users are sent: 2 match (one has opted out: the consent policy keeps them back), 1 does not.
    send(stack, key, canvas, [user("g1", plan="gold"), user("g2", plan="gold", ads_tracking_enabled=False), user("s1", plan="silver")])
    WebDriverWait(browser, 20).until(lambda d: figure(d, "entry-entered") == "2")
    assert browser.execute_script("return window.notReloaded === true"), "the page was reloaded"
    WebDriverWait(browser, 10).until(lambda d: [figure(d, "entry-not-matched"), figure(d, "entry-blocked"), figure(d, "step-1-entered")]
                                     == ["1", "1", "2"])
    # The sync engine sends the one who may be sent: the step's figures follow, still without a reload.
    WebDriverWait(browser, 40).until(lambda d: figure(d, "step-1-synced") == "1")
    assert figure(browser, "step-1-not-synced") == "1" and "1 not synced" in browser.find_element(By.ID, "step-1-badge").text
    assert browser.execute_script("return window.notReloaded === true"), "the page was reloaded"
    assert not browser.find_element(By.ID, "step-1-retry").is_displayed()   # nobody errored
    for width in (1366, 375):
        browser.set_window_size(width, 900)
        assert_figures_on_one_line(browser)
        # The journey fits the window (the top bar's own overflow at narrow widths is the layout's, not this page's).
        wide = browser.execute_script("""
            var limit = document.documentElement.clientWidth;
            return Array.prototype.slice.call(document.querySelectorAll('#journey, #journey *'))
                .filter(function (e) { return e.getBoundingClientRect().right > limit + 1; })
                .map(function (e) { return e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right); });
            """)
        assert not wide, (width, wide[:5])
        shots(browser, f"canvas-page-{width}")
    browser.set_window_size(1280, 900)

    # JavaScript off: the same figures from the server, and the Edit controls are plain links and forms.
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(arg)
    options.binary_location = "/usr/bin/chromium"
    options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    nojs = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    nojs.implicitly_wait(5)
    try:
        sign_in(nojs, url)
        nojs.get(f"{url}/canvases/{canvas}")
        live = s.get(f"{url}/canvases/{canvas}/figures.json", timeout=10).json()
        assert live["entry"] == {"entered": 2, "did_not_match": 1, "blocked_by_consent": 1}
        for element_id, text in live["texts"].items():
            if re.match(r"^(entry|step-\d+)-[a-z-]+$", element_id) and not element_id.endswith(("badge", "reasons")):
                assert figure(nojs, element_id) == text, element_id
        assert nojs.find_element(By.ID, "journey").get_attribute("data-updated") in (None, "")
        shots(nojs, "canvas-page-no-javascript")
        nojs.find_element(By.ID, "edit-name").click()
        field = nojs.find_element(By.ID, "canvas-name")
        field.clear()
        field.send_keys("Live figures, renamed")
        nojs.find_element(By.XPATH, "//button[normalize-space()='Rename']").click()
        wait_for_text(nojs, "Live figures, renamed")
        assert not nojs.find_elements(By.ID, "canvas-name")
        nojs.find_element(By.ID, "edit-criteria").click()
        wait_for_text(nojs, "You are editing the entry criteria of a launched canvas")
        assert nojs.find_element(By.ID, "entry-action")
    finally:
        nojs.quit()
