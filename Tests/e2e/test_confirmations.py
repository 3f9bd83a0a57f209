"""Confirmed actions, in Chromium through nginx: removing the consent condition of a live canvas asks first and says
what it lets through, and a member is refused; Launch, Stop, Disconnect and Export each show their confirmation page,
and Cancel changes nothing. No JavaScript is involved: every step is a server-rendered form or link."""
import hashlib
import re
import time

import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from conftest import PASSWORD, confirmed_post, csrf_of, wait_for_text

ADMIN = "confirm-admin@e2e.test"
MEMBER = "confirm-member@e2e.test"
WORKSPACE = "Confirm workspace"


def sign_in(stack, browser, email):
    browser.delete_all_cookies()
    browser.get(stack.url + "/signin")
    browser.find_element(By.ID, "email").send_keys(email)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.XPATH, "//button[normalize-space()='Sign in']").click()
    wait_for_text(browser, "Technology Partners")


def click(browser, text):
    browser.find_element(By.XPATH, f"//button[normalize-space()='{text}']").click()


def cancel(browser):
    browser.find_element(By.ID, "confirm-cancel").click()


def build_canvas(s, url, name, launch):
    """A canvas requiring ad tracking, with one Add step to a new Facebook audience named `name`."""
    r = s.post(url + "/canvases", data={"_csrf": csrf_of(s, url + "/canvases"), "name": name}, allow_redirects=False, timeout=10)
    canvas = r.headers["Location"].rsplit("/", 1)[-1]
    page = f"{url}/canvases/{canvas}"
    s.post(page + "/add-filter", data={"_csrf": csrf_of(s, page), "attribute": "ads_tracking_enabled", "op": "is_true", "group": "new"},
           timeout=10)
    r = s.post(page + "/add-step", data={"_csrf": csrf_of(s, page), "kind": "audience_sync"}, allow_redirects=False, timeout=10)
    step = r.headers["Location"].rsplit("/", 1)[-1]
    form = {"_csrf": csrf_of(s, f"{page}/steps/{step}"), "destination": "facebook|act_1001", "audience_mode": "new",
            "audience_name": name, "action": "add", "field": ["email"]}
    assert s.post(f"{page}/steps/{step}/save", data=form, allow_redirects=False, timeout=10).status_code == 303
    if launch:
        r = confirmed_post(s, page + "/launch", {"_csrf": csrf_of(s, page)})
        assert "launched" in r.headers.get("Location", ""), r.text[:500]
    return canvas


def audiences(stack):
    state = requests.get(stack.sandbox_url + "/_sandbox/facebook/state", timeout=5).json()
    return [a["name"] for a in state["audiences"]]


def summary(s, url, canvas):
    page = s.get(f"{url}/canvases/{canvas}", timeout=10).text
    return page.split('id="criteria-summary">')[1].split("<")[0]


def test_live_consent_removal_is_confirmed_and_refused_to_members(stack, browser, shots):
    url = stack.url
    stack.create_user(ADMIN, workspace=WORKSPACE)
    stack.create_user(MEMBER, workspace=WORKSPACE, role="member")
    s = stack.signed_in_session(ADMIN)
    page = requests.post(stack.sandbox_url + "/facebook/www/business/settings/system-users", timeout=10).text
    token = page.split('<code class="fb-token">')[1].split("</code>")[0]
    s.post(url + "/partners/facebook/token", data={"_csrf": csrf_of(s, url + "/partners/facebook"), "token": token}, timeout=10)
    s.post(url + "/partners/facebook/accounts", data={"_csrf": csrf_of(s, url + "/partners/facebook/accounts"), "account": "act_1001"},
           timeout=10)
    live = build_canvas(s, url, "Confirm live", launch=True)
    assert summary(s, url, live) == "ads_tracking_enabled is true"

    # The admin opens the explicit edit view and presses Remove: the confirmation names the effect; Cancel keeps it.
    sign_in(stack, browser, ADMIN)
    browser.get(f"{url}/canvases/{live}")
    assert not browser.find_elements(By.CSS_SELECTOR, "button[aria-label='Remove ads_tracking_enabled is true']")
    browser.find_element(By.ID, "edit-criteria").click()
    wait_for_text(browser, "You are editing the entry criteria of a launched canvas")
    browser.find_element(By.CSS_SELECTOR, "button[aria-label='Remove ads_tracking_enabled is true']").click()
    wait_for_text(browser, "Removing the consent condition")
    effect = browser.find_element(By.ID, "confirmation-effect").text
    assert effect.startswith("Removing the consent condition “ads_tracking_enabled is true” from the live canvas “Confirm live” lets users "
                             "who did not give this consent (“Allowed ad tracking”) enter it and be sent to Facebook."), effect
    shots(browser, "remove-consent-confirm")
    cancel(browser)
    wait_for_text(browser, "You are editing the entry criteria")
    assert summary(s, url, live) == "ads_tracking_enabled is true"

    # A member is refused, with the reason, and nothing changes.
    sign_in(stack, browser, MEMBER)
    browser.get(f"{url}/canvases/{live}?edit=criteria")
    browser.find_element(By.CSS_SELECTOR, "button[aria-label='Remove ads_tracking_enabled is true']").click()
    wait_for_text(browser, "Only a workspace admin can remove the consent condition")
    shots(browser, "remove-consent-member-refused")
    assert summary(s, url, live) == "ads_tracking_enabled is true"

    # The admin confirms: the condition is gone, and the canvas page says so.
    sign_in(stack, browser, ADMIN)
    browser.get(f"{url}/canvases/{live}?edit=criteria")
    browser.find_element(By.CSS_SELECTOR, "button[aria-label='Remove ads_tracking_enabled is true']").click()
    wait_for_text(browser, "Removing the consent condition")
    browser.find_element(By.ID, "confirm-submit").click()
    wait_for_text(browser, "You are editing the entry criteria")
    assert summary(s, url, live) == "Everyone"

    # Criteria edited live or not, the workspace consent policy still keeps an opted-out user from the partner.
    keys = s.post(url + "/settings/api-keys", data={"_csrf": csrf_of(s, url + "/settings/api-keys"), "name": "confirm"}, timeout=10).text
    headers = {"Authorization": "Bearer " + re.search(r'id="new-key-value">([^<]+)<', keys).group(1)}
    r = requests.post(url + "/api/v1/canvas/trigger/send", headers=headers, timeout=30, json={"canvas_id": live, "recipients": [
        {"external_user_id": "live-yes", "attributes": {"email": "live-yes@example.com"}},
        {"external_user_id": "live-no", "attributes": {"email": "live-no@example.com", "ads_tracking_enabled": False}}]})
    assert r.status_code == 201 and r.json()["entered"] == 2, r.text
    deadline = time.monotonic() + 30
    while (step := requests.get(url + "/api/v1/canvas/data_summary", params={"canvas_id": live}, headers=headers,
                                timeout=10).json()["steps"][0])["pending"] > 0 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert step["synced"] == 1 and step["not_synced_by_reason"]["no_consent"] == 1, step
    state = requests.get(stack.sandbox_url + "/_sandbox/facebook/state", timeout=5).json()
    audience = next(a for a in state["audiences"] if a["name"] == "Confirm live")
    members = requests.get(f"{stack.sandbox_url}/_sandbox/facebook/audiences/{audience['id']}", timeout=10).json()["members"]
    sha = lambda text: hashlib.sha256(text.encode()).hexdigest()
    assert sha("live-yes@example.com") in members and sha("live-no@example.com") not in members, members


def test_launch_stop_disconnect_and_export_confirm_and_cancel_changes_nothing(stack, browser, shots):
    url = stack.url
    s = stack.signed_in_session(ADMIN)
    sign_in(stack, browser, ADMIN)

    # Launch: the page says what it creates; Cancel leaves a draft and creates nothing at Facebook.
    draft = build_canvas(s, url, "Confirm draft", launch=False)
    browser.get(f"{url}/canvases/{draft}")
    click(browser, "Launch canvas")
    wait_for_text(browser, "Launch creates 1 audience at Facebook and starts sending users to Facebook.")
    shots(browser, "launch-confirm")
    cancel(browser)
    wait_for_text(browser, "This canvas is a draft")
    assert "Draft" in browser.find_element(By.ID, "canvas-status").text
    assert "Confirm draft" not in audiences(stack)

    # Stop: Cancel keeps the canvas active.
    live = build_canvas(s, url, "Confirm stop", launch=True)
    browser.get(f"{url}/canvases/{live}")
    click(browser, "Stop canvas")
    wait_for_text(browser, "lets no new user enter it")
    shots(browser, "stop-confirm")
    cancel(browser)
    wait_for_text(browser, "Active: users who match enter")
    assert "Active" in browser.find_element(By.ID, "canvas-status").text

    # Disconnect: the page names what is deleted and which canvases stop; Cancel keeps the connection.
    browser.get(url + "/partners/facebook")
    browser.find_element(By.CSS_SELECTOR, ".danger-zone summary").click()
    click(browser, "Disconnect Facebook")
    wait_for_text(browser, "Disconnecting Facebook deletes its token")
    assert "“Confirm stop”" in browser.find_element(By.ID, "confirmation-details").text
    shots(browser, "disconnect-confirm")
    cancel(browser)
    wait_for_text(browser, "Disconnect Facebook…")
    assert not browser.find_elements(By.XPATH, "//button[normalize-space()='Connect Facebook']")

    # Export: nothing is chosen in advance; the page says what leaves for where; Cancel starts no export.
    r = s.post(url + "/segments", data={"_csrf": csrf_of(s, url + "/segments"), "name": "Confirm segment"}, allow_redirects=False, timeout=10)
    segment = r.headers["Location"]
    browser.get(url + segment + "/export")
    assert Select(browser.find_element(By.ID, "ad_account")).first_selected_option.get_attribute("value") == ""
    assert not browser.find_element(By.ID, "field-email").is_selected()
    Select(browser.find_element(By.ID, "ad_account")).select_by_value("act_1001")
    browser.find_element(By.ID, "field-email").click()
    browser.find_element(By.ID, "export-submit").click()
    wait_for_text(browser, "to the Facebook ad account")
    assert "hashed emails" in browser.find_element(By.ID, "confirmation-effect").text
    shots(browser, "export-confirm")
    cancel(browser)
    wait_for_text(browser, "Fields to export")
    assert "/exports/" not in s.get(url + segment, timeout=10).text
