"""Events and purchases in criteria and action-based entry (issue 16), in Chromium through nginx: an admin sets a
launched canvas to enter users when they perform viewed_pricing (confirmed first); tracking the event sends that
user to the Facebook sandbox, while an opted-out user who performs it and a user who did something else are never
sent. A segment "performed viewed_pricing in the last 7 days" counts the right users."""
import hashlib
import time
from datetime import datetime, timedelta, timezone

import requests
from selenium.webdriver.common.by import By

from conftest import PASSWORD, csrf_of, launched_canvas, wait_for_text

EMAIL = "activity@e2e.test"


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


def ago(days):
    return (datetime.now(timezone.utc) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def members(stack, name):
    state = requests.get(stack.sandbox_url + "/_sandbox/facebook/state", timeout=10).json()
    audience = next((a for a in state["audiences"] if a["name"] == name), None)
    if audience is None:
        return set()
    return set(requests.get(f"{stack.sandbox_url}/_sandbox/facebook/audiences/{audience['id']}", timeout=30).json()["members"])


def test_performing_the_event_sends_the_user_and_an_opted_out_user_is_never_sent(stack, browser, shots):
    key, canvas = launched_canvas(stack, EMAIL, "Pricing viewers")
    url = stack.url
    browser.delete_all_cookies()
    browser.get(url + "/signin")
    browser.find_element(By.ID, "email").send_keys(EMAIL)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.XPATH, "//button[normalize-space()='Sign in']").click()
    wait_for_text(browser, "Technology Partners")

    browser.get(f"{url}/canvases/{canvas}")
    browser.find_element(By.ID, "edit-criteria").click()   # the entry settings are behind Edit entry criteria
    form = browser.find_element(By.ID, "entry-action")
    form.find_element(By.CSS_SELECTOR, "input[name='entry_action'][value='event']").click()
    form.find_element(By.ID, "entry-action-name").send_keys("viewed_pricing")
    form.find_element(By.XPATH, ".//button[normalize-space()='Save']").click()
    wait_for_text(browser, "Enter users of “Pricing viewers” when they perform viewed_pricing?")
    shots(browser, "entry-action-confirm")
    browser.find_element(By.ID, "confirm-submit").click()
    wait_for_text(browser, "Users enter when they perform viewed_pricing, if they match the entry criteria.")
    shots(browser, "entry-action-on")

    body = {"attributes": [{"external_id": "a", "email": "a@example.com"},
                           {"external_id": "b", "email": "b@example.com", "ads_tracking_enabled": False},
                           {"external_id": "c", "email": "c@example.com"}],
            "events": [{"external_id": "a", "name": "viewed_pricing", "time": ago(0)},
                       {"external_id": "b", "name": "viewed_pricing", "time": ago(0)},
                       {"external_id": "c", "name": "signed_up", "time": ago(0)}]}
    r = requests.post(url + "/api/v1/users/track", json=body, headers={"Authorization": "Bearer " + key}, timeout=30)
    assert r.status_code == 201, r.text[:300]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and sha("a@example.com") not in members(stack, "Pricing viewers"):
        time.sleep(0.5)
    assert members(stack, "Pricing viewers") == {sha("a@example.com")}
    summary = requests.get(url + "/api/v1/canvas/data_summary", params={"canvas_id": canvas}, headers={"Authorization": "Bearer " + key},
                           timeout=10).json()
    step = summary["steps"][0]
    assert step["entered"] == 2 and step["synced"] == 1 and step["not_synced_by_reason"].get("no_consent") == 1, step


def test_a_segment_of_recent_pricing_viewers_counts_the_right_users(stack):
    stack.create_user("segments-activity@e2e.test", workspace="Activity segments")
    s = stack.signed_in_session("segments-activity@e2e.test")
    url = stack.url
    keys = s.post(url + "/settings/api-keys", data={"_csrf": csrf_of(s, url + "/settings/api-keys"), "name": "t"}, timeout=10).text
    key = keys.split('id="new-key-value">')[1].split("<")[0]
    body = {"attributes": [{"external_id": u} for u in ("recent", "old", "other")],
            "events": [{"external_id": "recent", "name": "viewed_pricing", "time": ago(2)},
                       {"external_id": "old", "name": "viewed_pricing", "time": ago(9)},
                       {"external_id": "other", "name": "signed_up", "time": ago(1)}]}
    assert requests.post(url + "/api/v1/users/track", json=body, headers={"Authorization": "Bearer " + key}, timeout=30).status_code == 201
    r = s.post(url + "/segments", data={"_csrf": csrf_of(s, url + "/segments"), "name": "Pricing"}, allow_redirects=False, timeout=10)
    page = url + r.headers["Location"]
    r = s.post(page + "/add-filter", data={"_csrf": csrf_of(s, page), "op": "performed_event", "attribute": "viewed_pricing", "value": "7",
                                           "group": "new"}, allow_redirects=False, timeout=10)
    assert r.status_code == 303, r.text[:300]
    text = s.get(page, timeout=10).text
    assert "performed viewed_pricing in the last 7 days" in text
    assert "<td>recent</td>" in text and "<td>old</td>" not in text and "<td>other</td>" not in text
