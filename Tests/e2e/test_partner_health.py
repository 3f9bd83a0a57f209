"""Partner pages in each partner's own terms (issue 18), for all seven partners in a real Chromium: an admin connects
the partner through its sandbox consent page and chooses a usable account and the account the sandbox seeds unusable
(Facebook: DISABLED; TikTok: STATUS_DISABLE; Google: a cancelled customer; Snapchat: PAUSED;
Pinterest: ANALYST permissions only; Criteo: an inactive advertiser; LinkedIn: the VIEWER role). The partner page shows
each account's facts in the partner's words and marks the unusable one with its reason; the step editor does not
offer it; and a canvas whose step uses it (chosen while the sandbox had it usable, then turned back) is refused at
launch with the reason. Screenshots of every partner page at 1366 and 375 px go to
test-output/screenshots/test_partner_health/."""
import html
import re

import pytest
import requests
from selenium.webdriver.common.by import By

from conftest import Stack, confirmed_post, csrf_of, new_canvas_with_sync_step, sign_in_with_pro_partners, wait_for_text

EMAIL = "health@e2e.test"
WIDTHS = (1366, 375)


class Case:
    """One partner: its usable and unusable accounts, the partner's own word for what is wrong, and how the sandbox
    makes the account usable and unusable again (a function of the sandbox URL and a flag)."""

    def __init__(self, partner, name, usable, unusable, word, set_usable, launch_reason):
        self.partner, self.name, self.usable, self.unusable, self.word = partner, name, usable, unusable, word
        self.set_usable = set_usable
        self.launch_reason = launch_reason


def health_knob(partner, account, usable_value, unusable_value):
    def change(sandbox_url, usable):
        r = requests.post(sandbox_url + "/_sandbox/accounts/health", timeout=10,
                          json={"partner": partner, "account": account, "value": usable_value if usable else unusable_value})
        assert r.status_code == 200, r.text
    return change


CASES = [
    Case("facebook", "Facebook", "act_1001", "act_1004", "DISABLED", health_knob("facebook", "act_1004", "1", "2"),
         "Facebook reports account status DISABLED"),
    Case("google", "Google", "1234567890", "3456789012", "CUSTOMER_NOT_ENABLED", health_knob("google", "3456789012", "ENABLED", "CANCELED"),
         "Google reports customer status CUSTOMER_NOT_ENABLED"),
    Case("tiktok", "TikTok", "7000000000001", "7000000000003", "STATUS_DISABLE",
         health_knob("tiktok", "7000000000003", "STATUS_ENABLE", "STATUS_DISABLE"), "TikTok reports advertiser status STATUS_DISABLE"),
    Case("pinterest", "Pinterest", "549755885001", "549755885003", "ANALYST",
         health_knob("pinterest", "549755885003", "ADMINISTRATOR", "ANALYST"), "Pinterest reports your permissions ANALYST"),
    Case("snapchat", "Snapchat", "8adc3db7-8148-4a2c-9c8f-000000000001", "8adc3db7-8148-4a2c-9c8f-000000000003", "PAUSED",
         health_knob("snapchat", "8adc3db7-8148-4a2c-9c8f-000000000003", "ACTIVE", "PAUSED"), "Snapchat reports ad account status PAUSED"),
    Case("criteo", "Criteo", "4455001", "4455003", "Inactive", health_knob("criteo", "4455003", "Active", "Inactive"),
         "Criteo reports advertiser status Inactive"),
    Case("linkedin", "LinkedIn", "508000001", "508000003", "VIEWER", health_knob("linkedin", "508000003", "CAMPAIGN_MANAGER", "VIEWER"),
         "LinkedIn reports your role VIEWER"),
]


@pytest.fixture(scope="module")
def stack():
    # Two Pro purchases: six allotments, enough for all five Pro partners at once.
    s = Stack("partner_health", env={"AUDIENCESYNC_PRO_PURCHASES": "2"}).start()
    # The test clicks faster than a person: room above LinkedIn's 10 calls a second.
    requests.post(s.sandbox_url + "/_sandbox/linkedin/config", json={"rate_limit_per_second": 1000}, timeout=10).raise_for_status()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def admin(stack, browser):
    """The admin signed in both in the browser and in a requests session, with the Pro partners enabled."""
    s = sign_in_with_pro_partners(stack, browser, EMAIL)
    yield s
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def viewport(browser, width):
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False})


def connect(stack, browser, case):
    """Through the consent page, then both accounts ticked on the accounts page (which marks the unusable one)."""
    browser.get(f"{stack.url}/partners/{case.partner}")
    browser.find_element(By.XPATH, f"//button[normalize-space()='Connect {case.name}']").click()
    if case.partner == "facebook":
        browser.find_element(By.XPATH, "//button[starts-with(normalize-space(), 'Continue as Demo User')]").click()
    else:
        browser.find_element(By.ID, "allow").click()
    wait_for_text(browser, "Save ad accounts")
    marked = browser.find_element(By.ID, f"health-{case.unusable}").text
    assert f"Cannot be synced to: {case.name} reports" in marked and case.word in marked, marked
    for account in (case.usable, case.unusable):
        browser.find_element(By.CSS_SELECTOR, f"input[name='account'][value='{account}']").click()
    browser.find_element(By.XPATH, "//button[normalize-space()='Save ad accounts']").click()
    wait_for_text(browser, "Ad accounts saved.")



def save_step(s, url, canvas, step, destination):
    form = {"_csrf": csrf_of(s, f"{url}/canvases/{canvas}/steps/{step}"), "destination": destination, "audience_mode": "new",
            "audience_name": "Health check buyers", "action": "add", "field": ["email"]}
    return s.post(f"{url}/canvases/{canvas}/steps/{step}/save", data=form, allow_redirects=False, timeout=30)


@pytest.mark.parametrize("case", CASES, ids=[c.partner for c in CASES])
def test_unusable_account_is_marked_not_offered_and_refused_at_launch(stack, browser, shots, admin, case):
    s, url = admin, stack.url
    connect(stack, browser, case)

    # The partner page: each account's facts in the partner's words; only the unusable one is marked, with its reason.
    browser.get(f"{url}/partners/{case.partner}")
    accounts = browser.find_element(By.ID, "ad-accounts").text
    assert "Unknown" not in accounts and "Reachable" not in accounts
    marked = browser.find_element(By.ID, f"health-{case.unusable}").text
    assert marked.startswith(f"Cannot be synced to: {case.name} reports") and case.word in marked, marked
    fine = browser.find_element(By.ID, f"health-{case.usable}").text
    assert fine.startswith("Usable") and "Cannot be synced" not in fine, fine
    for width in WIDTHS:
        viewport(browser, width)
        browser.get(f"{url}/partners/{case.partner}")
        wait_for_text(browser, "Ad accounts this workspace syncs to")
        # The whole page in one picture: as tall as its content.
        height = browser.execute_script("return document.documentElement.scrollHeight")
        browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        shots(browser, f"{case.partner}-partner-page-{width}")
        assert browser.execute_script("return document.documentElement.scrollWidth") <= width
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    # The step editor lists it but does not offer it, and refuses it when posted anyway.
    canvas, step = new_canvas_with_sync_step(s, url, f"Health {case.name}")
    browser.get(f"{url}/canvases/{canvas}/steps/{step}")
    option = browser.find_element(By.CSS_SELECTOR, f"option[value='{case.partner}|{case.unusable}']")
    assert option.get_attribute("disabled") is not None and f"not selectable: {case.name} reports" in option.text
    assert browser.find_element(By.CSS_SELECTOR, f"option[value='{case.partner}|{case.usable}']").get_attribute("disabled") is None
    assert save_step(s, url, canvas, step, f"{case.partner}|{case.unusable}").status_code != 303

    # Chosen while the partner had it usable; unusable again at launch: launch asks the partner and refuses with the reason.
    case.set_usable(stack.sandbox_url, True)
    try:
        r = s.post(f"{url}/partners/{case.partner}/check", data={"_csrf": csrf_of(s, f"{url}/partners/{case.partner}")},
                   allow_redirects=False, timeout=30)
        assert r.status_code == 303, r.text[:1000]
        r = save_step(s, url, canvas, step, f"{case.partner}|{case.unusable}")
        assert r.status_code == 303, r.text[:2000]
    finally:
        case.set_usable(stack.sandbox_url, False)
    r = confirmed_post(s, f"{url}/canvases/{canvas}/launch", {"_csrf": csrf_of(s, f"{url}/canvases/{canvas}")}, timeout=60)
    assert r.status_code == 422, (r.status_code, r.text[:2000])
    problems = re.search(r'id="launch-problems">(.*?)</section>', r.text, re.S)
    assert problems and case.launch_reason in html.unescape(problems.group(1)), r.text[:3000]
    browser.get(f"{url}/canvases/{canvas}")
    assert "Launch canvas" in browser.page_source          # still a draft
