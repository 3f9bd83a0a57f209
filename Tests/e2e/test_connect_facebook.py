"""A marketer connects Facebook in a real browser, through nginx, against the partner sandbox."""
from selenium.webdriver.common.by import By

from conftest import PASSWORD, wait_for_text

EMAIL = "marketer@e2e.test"


def test_sign_in_connect_choose_accounts_and_disconnect(stack, browser, shots):
    stack.create_user(EMAIL)
    pages = []

    browser.get(stack.url + "/")
    assert "/signin" in browser.current_url
    shots(browser, "sign-in")
    browser.find_element(By.ID, "email").send_keys(EMAIL)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button.primary").click()
    # Sign-in lands on the overview; Technology Partners is one click away in the nav.
    wait_for_text(browser, "Overview")
    assert browser.current_url.endswith("/overview")
    browser.find_element(By.LINK_TEXT, "Technology Partners").click()
    wait_for_text(browser, "Technology Partners")
    assert browser.current_url.endswith("/partners")
    cards = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".cards h2")]
    for name in ("Facebook", "Google", "TikTok", "Pinterest", "Snapchat", "Criteo", "LinkedIn"):
        assert any(name in c for c in cards), cards
    # Every partner can be connected; the five Pro partners wait for an admin to enable them (one purchase: 3 left).
    assert browser.page_source.count("Coming soon") == 0
    assert browser.page_source.count("Pro partner not enabled") == 5
    assert browser.find_element(By.ID, "pro-left").text == "3 left"
    shots(browser, "technology-partners")
    pages.append(browser.page_source)

    browser.find_element(By.LINK_TEXT, "Facebook").click()
    wait_for_text(browser, "Connect Facebook")
    shots(browser, "facebook-not-connected")
    browser.find_element(By.XPATH, "//button[normalize-space()='Connect Facebook']").click()
    wait_for_text(browser, "Manage your ads")
    # The sandbox's consent page, on the sandbox's own port.
    assert browser.current_url.startswith(stack.sandbox_url + "/facebook/www/")
    assert "Manage your ads" in browser.page_source
    shots(browser, "facebook-consent")
    browser.find_element(By.XPATH, "//button[starts-with(normalize-space(), 'Continue as Demo User')]").click()
    wait_for_text(browser, "Choose Facebook ad accounts")

    # Back at AudienceSync on a clean URL: no code, no state.
    assert browser.current_url.startswith(stack.url + "/partners/facebook/accounts")
    assert "code=" not in browser.current_url and "state=" not in browser.current_url
    assert "Connected. Now choose the ad accounts" in browser.page_source
    shots(browser, "choose-ad-accounts")
    pages.append(browser.page_source)
    for value in ("act_1001", "act_1003"):
        browser.find_element(By.CSS_SELECTOR, f"input[value='{value}']").click()
    browser.find_element(By.XPATH, "//button[normalize-space()='Save ad accounts']").click()
    wait_for_text(browser, "Ad accounts saved.")
    assert browser.current_url.endswith("/partners/facebook?notice=accounts-saved")
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "Token valid" in body and "Demo User" in body
    assert "Demo Retail — US" in body and "Demo Brand — Terms pending" in body and "Demo Retail — EU" not in body
    assert "Not accepted" in body
    assert browser.find_element(By.LINK_TEXT, "accept the terms").get_attribute("href").startswith(stack.sandbox_url)
    shots(browser, "facebook-connected")
    pages.append(browser.page_source)

    # No partner token anywhere a person or a log could see it.
    tokens = stack.sandbox_tokens()
    assert tokens
    exposed = pages + [p.read_text(errors="replace") for p in (stack.data / "logs").glob("*.log") if p.name != "sandbox.log"]
    exposed += [p.read_text(errors="replace") for p in (stack.data / "nginx" / "logs").glob("*.log")]
    exposed += [p.read_bytes().decode("latin-1") for p in stack.data.glob("audiencesync.sqlite*")]
    for token in tokens:
        assert not any(token in text for text in exposed)

    # Remove one ad account, then disconnect everything.
    browser.find_element(By.XPATH, "//tr[td[contains(., 'Terms pending')]]//button[normalize-space()='Remove']").click()
    wait_for_text(browser, "stops this workspace syncing to it")
    browser.find_element(By.ID, "confirm-submit").click()
    wait_for_text(browser, "removed from this workspace")
    assert "Terms pending" not in browser.find_element(By.ID, "ad-accounts").text
    browser.find_element(By.CSS_SELECTOR, ".danger-zone summary").click()
    shots(browser, "disconnect-confirm")
    browser.find_element(By.XPATH, "//button[normalize-space()='Disconnect Facebook']").click()
    wait_for_text(browser, "deletes its token")
    browser.find_element(By.ID, "confirm-submit").click()
    wait_for_text(browser, "Disconnected.")
    assert browser.find_element(By.XPATH, "//button[normalize-space()='Connect Facebook']")
    shots(browser, "facebook-disconnected")


def test_pasted_system_user_token(stack, browser, shots):
    """The Business settings page of the sandbox issues a token; pasting it connects Facebook."""
    browser.get(stack.sandbox_url + "/facebook/www/business/settings/system-users")
    browser.find_element(By.XPATH, "//button[normalize-space()='Generate new token']").click()
    wait_for_text(browser, "Copy this access token now")
    token = browser.find_element(By.CSS_SELECTOR, "code.fb-token").text
    assert token.startswith("EAA")

    browser.get(stack.url + "/partners/facebook")
    browser.find_element(By.ID, "token").send_keys("EAA-this-is-not-valid")
    browser.find_element(By.XPATH, "//button[normalize-space()='Save token']").click()
    wait_for_text(browser, "did not accept this token")
    assert "did not accept this token" in browser.find_element(By.ID, "token-error").text
    shots(browser, "system-token-refused")

    browser.find_element(By.ID, "token").send_keys(token)
    browser.find_element(By.XPATH, "//button[normalize-space()='Save token']").click()
    wait_for_text(browser, "Token verified and saved")
    assert "/partners/facebook/accounts" in browser.current_url
    browser.find_element(By.CSS_SELECTOR, "input[value='act_1002']").click()
    browser.find_element(By.XPATH, "//button[normalize-space()='Save ad accounts']").click()
    wait_for_text(browser, "Ad accounts saved.")
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "System user token" in body and "Never expires" in body and "Demo Retail — EU" in body
    assert token not in browser.page_source
    shots(browser, "system-token-connected")
