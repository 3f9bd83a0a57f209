"""The main flow with the keyboard alone, in Chromium: sign in, create a canvas, add an Audience Sync step and save it,
launch through the confirmation page, and reach the overview. Every move is Tab / Shift+Tab, typing, Space, arrow
keys or Enter on the element that has the focus; nothing is clicked. Facebook is connected beforehand through the
forms (that flow goes through the partner's own consent page, which is not ours to test)."""
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from conftest import PASSWORD, csrf_of, wait_for_text

EMAIL = "keyboard@e2e.test"
MAX_TABS = 80


def focused(browser):
    return browser.switch_to.active_element


def describe(element):
    return (element.tag_name, element.get_attribute("id"), element.get_attribute("name"), element.get_attribute("value"),
            (element.text or "").strip()[:40])


def tab_to(browser, wanted, what):
    """Presses Tab until the focused element satisfies `wanted`; fails if it is never reached (not focusable)."""
    seen = []
    for _ in range(MAX_TABS):
        focused(browser).send_keys(Keys.TAB)
        element = focused(browser)
        if wanted(element):
            return element
        seen.append(describe(element))
    raise AssertionError(f"{what} was never reached with Tab; the focus went through {seen}")


def by_text(text):
    return lambda e: (e.text or "").strip() == text or e.get_attribute("value") == text


def by_id(element_id):
    return lambda e: e.get_attribute("id") == element_id


def connect_facebook(stack):
    s = stack.signed_in_session(EMAIL)
    url = stack.url
    page = requests.post(stack.sandbox_url + "/facebook/www/business/settings/system-users", timeout=10).text
    token = page.split('<code class="fb-token">')[1].split("</code>")[0]
    s.post(url + "/partners/facebook/token", data={"_csrf": csrf_of(s, url + "/partners/facebook"), "token": token}, timeout=10)
    s.post(url + "/partners/facebook/accounts", data={"_csrf": csrf_of(s, url + "/partners/facebook/accounts"), "account": "act_1001"},
           timeout=10)


def test_sign_in_build_and_launch_a_canvas_with_the_keyboard_alone(stack, browser):
    stack.create_user(EMAIL)
    connect_facebook(stack)

    browser.get(stack.url + "/signin")
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)   # the page starts with nothing focused
    email = focused(browser) if focused(browser).get_attribute("id") == "email" else tab_to(browser, by_id("email"), "the email field")
    email.send_keys(EMAIL)
    tab_to(browser, by_id("password"), "the password field").send_keys(PASSWORD + Keys.ENTER)
    wait_for_text(browser, "Overview")   # sign-in lands on the overview

    tab_to(browser, by_text("Canvases"), "the Canvases link").send_keys(Keys.ENTER)
    wait_for_text(browser, "New canvas")
    tab_to(browser, by_id("name"), "the new canvas name").send_keys("Keyboard buyers" + Keys.ENTER)
    wait_for_text(browser, "Entry criteria")

    tab_to(browser, by_id("edit-steps"), "Edit steps").send_keys(Keys.ENTER)
    wait_for_text(browser, "Add Audience Sync step")
    tab_to(browser, by_text("Add Audience Sync step"), "Add Audience Sync step").send_keys(Keys.ENTER)
    wait_for_text(browser, "Fields to match")

    destination = tab_to(browser, by_id("destination"), "the ad account")
    destination.send_keys("Facebook")   # a select takes typed text as a choice, as a person would type it
    assert destination.get_attribute("value") == "facebook|act_1001"
    tab_to(browser, lambda e: e.get_attribute("name") == "audience_mode", "the audience choice").send_keys(Keys.SPACE)
    tab_to(browser, by_id("audience_name"), "the new audience's name").send_keys("Keyboard audience")
    tab_to(browser, lambda e: e.get_attribute("name") == "action", "the action").send_keys(Keys.SPACE)
    tab_to(browser, lambda e: e.get_attribute("name") == "field" and e.get_attribute("value") == "email", "the email field box") \
        .send_keys(Keys.SPACE)
    tab_to(browser, by_text("Save step"), "Save step").send_keys(Keys.ENTER)
    wait_for_text(browser, "Add to Keyboard audience on Facebook")

    tab_to(browser, by_text("Launch canvas"), "Launch canvas").send_keys(Keys.ENTER)
    wait_for_text(browser, "Launch creates 1 audience at Facebook")
    tab_to(browser, by_text("Launch canvas"), "the confirmation's Launch canvas").send_keys(Keys.ENTER)
    wait_for_text(browser, "Launched.")
    assert "Active" in browser.find_element(By.ID, "canvas-status").text

    tab_to(browser, by_text("Overview"), "the Overview link").send_keys(Keys.ENTER)
    wait_for_text(browser, "Needs your action")   # the overview of a workspace with a live canvas
