"""A real OAuth round trip across sites in Chromium (reliability.md O-6): the partner sandbox is served as
`http://localhost:<port>` while the app is `http://127.0.0.1:<port>` — two different sites for SameSite — and a
marketer signs in, presses Connect Facebook, allows on the consent page and lands back on the app, signed in, with
the connection made.

Why the session cookie must be SameSite=Lax, not Strict: the partner sends the browser back to
/oauth/callback/facebook from its own site (its consent form posts to itself and answers with a redirect), so the
callback is a cross-site top-level GET navigation. Lax cookies are sent on such a navigation; Strict ones are not.
With a Strict session cookie the callback would arrive without the session: the app could not tie the returned
state to the signed-in marketer, would send them to sign in, and the connection would be lost. The app has no
setting for a Strict session cookie (and must not get one), so the test shows it with a cookie of its own: a
Strict probe cookie the browser holds for the app's host is withheld by Chromium on that very callback request
(blocked reason "SchemefulSameSiteStrict" in Chromium 156), while the Lax session cookie and a Lax probe are sent.

Chromium's own view of the callback request comes from its DevTools network events (performance log): the headers
it really sent (`Sec-Fetch-Site: cross-site`) and, for every cookie it held for the host, whether it was sent or
why it was blocked. nginx's access log does not record request headers and the consent page and callback send no
Referer (Referrer-Policy no-referrer), so those are not used."""
import json

import pytest
from selenium.webdriver.common.by import By

from conftest import PASSWORD, Stack, chromium, wait_for_text
from secsupport import record

EMAIL = "cross-site@e2e.test"


@pytest.fixture(scope="module")
def stack():
    s = Stack("oauth-cross-site")
    s.sandbox_url = f"http://localhost:{s.sandbox}"
    s.env["AUDIENCESYNC_SANDBOX_URL"] = s.sandbox_url
    s.start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium like conftest's, with its network events logged."""
    driver = chromium(network_log=True)
    yield driver
    driver.quit()


def network_events(driver):
    """The DevTools Network events logged since the last call."""
    events = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"].startswith("Network."):
            events.append(message)
    return events


def sent_request(events, url_part, host):
    """What Chromium sent for the navigation hop to `host` in the request chain that reached a URL containing
    `url_part`: (headers with lower-case names, {cookie name: blocked reasons ([] when sent)})."""
    chain = {e["params"]["requestId"] for e in events
             if e["method"] == "Network.requestWillBeSent" and url_part in e["params"]["request"]["url"]}
    assert chain, f"no request to {url_part}"
    for e in events:
        if e["method"] == "Network.requestWillBeSentExtraInfo" and e["params"]["requestId"] in chain:
            headers = {k.lower(): v for k, v in e["params"]["headers"].items()}
            if headers.get("host") == host:
                cookies = {c["cookie"]["name"]: c.get("blockedReasons", []) for c in e["params"].get("associatedCookies", [])}
                return headers, cookies
    raise AssertionError(f"no request headers seen for {host} in the chain to {url_part}")


def test_connect_facebook_with_the_consent_page_on_another_site(stack, browser):
    stack.create_user(EMAIL)
    app_host = stack.url.split("://", 1)[1]
    sandbox_host = stack.sandbox_url.split("://", 1)[1]
    assert app_host.split(":")[0] == "127.0.0.1" and sandbox_host.split(":")[0] == "localhost"

    browser.get(stack.url + "/signin")
    browser.find_element(By.ID, "email").send_keys(EMAIL)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button.primary").click()
    wait_for_text(browser, "Technology Partners")
    # Two probe cookies for the app's host: they show which SameSite values Chromium sends on the callback.
    browser.add_cookie({"name": "o6_probe_strict", "value": "1", "path": "/", "sameSite": "Strict"})
    browser.add_cookie({"name": "o6_probe_lax", "value": "1", "path": "/", "sameSite": "Lax"})
    session_cookie = next(c for c in browser.get_cookies() if "as_session" in c["name"])

    browser.get(stack.url + "/partners/facebook")
    wait_for_text(browser, "Connect Facebook")
    network_events(browser)     # drop what came before the flow
    browser.find_element(By.XPATH, "//button[normalize-space()='Connect Facebook']").click()
    wait_for_text(browser, "Manage your ads")
    assert browser.current_url.startswith(stack.sandbox_url + "/facebook/www/"), browser.current_url
    to_consent = network_events(browser)
    browser.find_element(By.XPATH, "//button[starts-with(normalize-space(), 'Continue as Demo User')]").click()
    wait_for_text(browser, "Choose Facebook ad accounts")
    back = network_events(browser)

    # Back on the app, signed in, the token stored: the accounts page of a made connection.
    assert browser.current_url.startswith(stack.url + "/partners/facebook/accounts"), browser.current_url
    assert "Connected. Now choose the ad accounts" in browser.page_source
    browser.find_element(By.CSS_SELECTOR, "input[value='act_1001']").click()
    browser.find_element(By.XPATH, "//button[normalize-space()='Save ad accounts']").click()
    wait_for_text(browser, "Ad accounts saved.")
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "Token valid" in body and "Demo Retail — US" in body, body[:500]

    consent_headers, _ = sent_request(to_consent, "/facebook/www/", sandbox_host)
    callback_headers, callback_cookies = sent_request(back, "/oauth/callback/facebook", app_host)
    figures = {"app_site": "127.0.0.1", "sandbox_site": "localhost", "session_cookie_samesite": session_cookie.get("sameSite"),
               "consent_page_sec_fetch_site": consent_headers.get("sec-fetch-site"),
               "callback_sec_fetch_site": callback_headers.get("sec-fetch-site"),
               "callback_sec_fetch_mode": callback_headers.get("sec-fetch-mode"),
               "callback_cookies": {name: (reasons or "sent") for name, reasons in sorted(callback_cookies.items())},
               "landed_on": browser.current_url.replace(stack.url, "")}
    record("oauth_cross_site_browser", figures)
    # Chromium treated both hops as cross-site navigations…
    assert consent_headers.get("sec-fetch-site") == "cross-site", figures
    assert callback_headers.get("sec-fetch-site") == "cross-site" and callback_headers.get("sec-fetch-mode") == "navigate", figures
    # …sent the Lax session cookie on the callback, and withheld a Strict cookie there: a Strict session would be lost.
    assert session_cookie.get("sameSite") == "Lax", session_cookie
    assert callback_cookies.get(session_cookie["name"]) == [], figures
    assert callback_cookies.get("o6_probe_lax") == [], figures
    # Chromium 156 reports "SchemefulSameSiteStrict" here (schemeful same-site is on), older ones "SameSiteStrict".
    assert any(reason.endswith("SameSiteStrict") for reason in callback_cookies.get("o6_probe_strict", [])), figures
