"""Every partner besides Facebook, end to end: an admin enables the Pro partners, connects each partner through its
sandbox consent page in a real browser, picks an ad account, launches a canvas with an Add step, pushes users through
the REST API and sees them synced at the sandbox; a later canvas's Remove step removes them again.

What reached the partner is read from the sandbox's own request log: every user's SHA-256 email must be in a
request the partner accepted, and in a removal request after the Remove step."""
import hashlib
import html
import re
import time

import pytest
import requests
from selenium.webdriver.common.by import By

from conftest import Stack, confirmed_post, csrf_of, new_canvas_with_sync_step, sign_in_with_pro_partners, wait_for_text

EMAIL = "partners@e2e.test"
PARTNERS = [("google", "Google"), ("tiktok", "TikTok"), ("pinterest", "Pinterest"), ("snapchat", "Snapchat"),
            ("criteo", "Criteo"), ("linkedin", "LinkedIn")]
USERS = 20


@pytest.fixture(scope="module")
def stack():
    # Two Pro purchases: six allotments, enough for all five Pro partners at once.
    s = Stack("partners", env={"AUDIENCESYNC_PRO_PURCHASES": "2"}).start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def admin(stack, browser):
    """The admin signed in both in the browser and in a requests session; the Pro partners enabled; an API key."""
    s = sign_in_with_pro_partners(stack, browser, EMAIL)
    keys = s.post(stack.url + "/settings/api-keys", data={"_csrf": csrf_of(s, stack.url + "/settings/api-keys"), "name": "e2e"},
                  timeout=10).text
    key = re.search(r'id="new-key-value">([^<]+)<', keys).group(1)
    return s, key


def sha(email):
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def partner_log(stack, partner, since=0):
    """Every logged request to `partner` after `since`, page after page."""
    entries = []
    while True:
        r = requests.get(stack.sandbox_url + "/_sandbox/requests", params={"partner": partner, "since": since}, timeout=10)
        r.raise_for_status()
        page = r.json()
        if not page["requests"]:
            return entries
        entries += page["requests"]
        since = page["last_seq"]


def last_seq(stack, partner):
    entries = partner_log(stack, partner)
    return entries[-1]["seq"] if entries else 0


def accepted_bodies(stack, partner, since):
    """Bodies of the partner calls the sandbox answered with success (TikTok answers errors with HTTP 200 and a
    non-zero code, so those count as refused too)."""
    bodies = []
    for entry in partner_log(stack, partner, since):
        if 200 <= entry["status"] < 300 and entry.get("error_code") in (None, 0):
            bodies.append(entry["method"] + " " + entry["path"] + " " + entry["body"])
    return bodies


def connect_in_browser(stack, browser, shots, partner, name):
    browser.get(f"{stack.url}/partners/{partner}")
    browser.find_element(By.XPATH, f"//button[normalize-space()='Connect {name}']").click()
    allow = browser.find_element(By.ID, "allow")      # the partner's consent page, served by the sandbox
    assert browser.current_url.startswith(stack.sandbox_url)
    shots(browser, f"{partner}-consent")
    allow.click()
    wait_for_text(browser, "Save ad accounts")
    boxes = browser.find_elements(By.CSS_SELECTOR, "input[name='account']")
    assert boxes, f"{name} offered no ad account"
    account = boxes[0].get_attribute("value")
    boxes[0].click()
    browser.find_element(By.XPATH, "//button[normalize-space()='Save ad accounts']").click()
    wait_for_text(browser, "Ad accounts saved.")
    browser.get(f"{stack.url}/partners/{partner}")
    assert browser.find_element(By.ID, "connection-status").text == "Token valid"
    shots(browser, f"{partner}-connected")
    return account



def save_step(s, url, canvas, step, form):
    form = {"_csrf": csrf_of(s, f"{url}/canvases/{canvas}/steps/{step}"), **form}
    return s.post(f"{url}/canvases/{canvas}/steps/{step}/save", data=form, allow_redirects=False, timeout=30)


def launch(s, url, canvas):
    r = confirmed_post(s, f"{url}/canvases/{canvas}/launch", {"_csrf": csrf_of(s, f"{url}/canvases/{canvas}")}, timeout=60)
    assert "launched" in r.headers.get("Location", ""), r.text[:2000]


def enter_and_wait(stack, key, canvas, users):
    r = requests.post(stack.url + "/api/v1/canvas/trigger/send", json={"canvas_id": canvas, "recipients": users},
                      headers={"Authorization": "Bearer " + key}, timeout=30)
    assert r.status_code == 201, r.text
    deadline = time.monotonic() + 60
    while True:
        step = requests.get(stack.url + "/api/v1/canvas/data_summary", params={"canvas_id": canvas},
                            headers={"Authorization": "Bearer " + key}, timeout=10).json()["steps"][0]
        # Every user is placed once nothing waits: synced, or not synced (opted out, no field), or errored.
        if (step["entered"] >= len(users) and step["pending"] == 0) or time.monotonic() > deadline:
            return step
        time.sleep(0.5)


@pytest.mark.parametrize("partner,name", PARTNERS, ids=[p for p, _ in PARTNERS])
def test_connect_launch_sync_and_remove(stack, browser, shots, admin, partner, name):
    s, key = admin
    url = stack.url
    account = connect_in_browser(stack, browser, shots, partner, name)

    # A canvas with one Add step to a new audience, launched: the audience is created at the partner.
    audience = f"E2E {name} buyers"
    canvas, step = new_canvas_with_sync_step(s, url, f"E2E {name} add")
    r = save_step(s, url, canvas, step, {"destination": f"{partner}|{account}", "audience_mode": "new", "audience_name": audience,
                                         "action": "add", "field": ["email"]})
    assert r.status_code == 303, r.text[:2000]
    since = last_seq(stack, partner)
    launch(s, url, canvas)

    users = [{"external_user_id": f"{partner}-{i}", "attributes": {"email": f"{partner}.user{i}@example.com"}} for i in range(USERS)]
    # The canvas has no entry criteria: only the workspace consent policy keeps these two from the partner.
    opted_out = [{"external_user_id": f"{partner}-no-ads", "attributes": {"email": f"{partner}.noads@example.com", "ads_tracking_enabled": False}},
                 {"external_user_id": f"{partner}-dns", "attributes": {"email": f"{partner}.dns@example.com", "do_not_sell": True}}]
    figures = enter_and_wait(stack, key, canvas, users + opted_out)
    assert figures["synced"] == USERS and figures["pending"] == 0 and figures["errored"] == 0, figures
    assert figures["not_synced"] == 2 and figures["not_synced_by_reason"]["no_consent"] == 2, figures
    sent = " ".join(accepted_bodies(stack, partner, since))
    missing = [u["external_user_id"] for u in users if sha(u["attributes"]["email"]) not in sent]
    assert not missing, f"{name} never accepted these users: {missing}"
    every_body = " ".join(str(e.get("body", "")) for e in partner_log(stack, partner, since))
    assert not [u for u in opted_out if sha(u["attributes"]["email"]) in every_body], f"an opted-out user reached {name}"
    assert f"{partner}.user0@example.com" not in sent          # hashed, never in clear
    browser.get(f"{url}/canvases/{canvas}")
    assert [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#steps dd.entered")] == [str(USERS + len(opted_out))]
    shots(browser, f"{partner}-synced")

    # One user withdraws consent, another is erased: the partner's own removal call takes both out of the audience.
    since = last_seq(stack, partner)
    headers = {"Authorization": "Bearer " + key}
    requests.post(url + "/api/v1/users/track", json={"attributes": [{"external_id": f"{partner}-0", "ads_tracking_enabled": False}]},
                  headers=headers, timeout=30).raise_for_status()
    r = requests.post(url + "/api/v1/users/delete", json={"external_ids": [f"{partner}-1"]}, headers=headers, timeout=30)
    assert r.status_code == 200 and r.json()["deleted"] == 1, r.text
    deadline = time.monotonic() + 60
    while (step := requests.get(url + "/api/v1/canvas/data_summary", params={"canvas_id": canvas}, headers=headers,
                                timeout=10).json()["steps"][0])["removals"]["pending"] > 0 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert step["removals"] == {"pending": 0, "removed": 2, "errored": 0}, step
    removed = " ".join(accepted_bodies(stack, partner, since))
    gone = [u for u in users[:2] if sha(u["attributes"]["email"]) not in removed]
    assert not gone, f"{name} never received the removal of {gone}"

    # A later canvas removes the same users from that audience, chosen among the account's existing audiences.
    canvas2, step2 = new_canvas_with_sync_step(s, url, f"E2E {name} remove")
    page = save_step(s, url, canvas2, step2, {"destination": f"{partner}|{account}", "audience_mode": "existing",
                                              "action": "remove", "field": ["email"]}).text
    options = re.findall(r'<option value="([^"]+)"[^>]*>([^<]*)</option>', page)
    chosen = [html.unescape(v) for v, label in options if audience in html.unescape(label) or html.unescape(v).endswith("|" + audience)]
    assert chosen, f"{name}'s audience {audience!r} is not among the existing ones: {options}"
    r = save_step(s, url, canvas2, step2, {"destination": f"{partner}|{account}", "audience_mode": "existing",
                                           "existing_audience": chosen[0], "action": "remove", "field": ["email"]})
    assert r.status_code == 303, r.text[:2000]
    launch(s, url, canvas2)
    since = last_seq(stack, partner)
    figures = enter_and_wait(stack, key, canvas2, users)
    assert figures["synced"] == USERS and figures["errored"] == 0, figures
    removed = " ".join(accepted_bodies(stack, partner, since))
    missing = [u["external_user_id"] for u in users if sha(u["attributes"]["email"]) not in removed]
    assert not missing, f"{name} never received the removal of: {missing}"
