"""The overview in a real browser, through nginx and the `serve` process's own sync engine: an empty workspace is
shown where to start; after users sync, the figures and the partner's health are there, at desktop and phone widths."""
import time

import requests
from selenium.webdriver.common.by import By

from conftest import PASSWORD, launched_canvas, wait_for_text

EMAIL = "overview@e2e.test"


def sign_in(browser, url, email):
    browser.get(url + "/signin")
    browser.find_element(By.ID, "email").send_keys(email)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button.primary").click()


def both_widths(browser, shots, name):
    for width, label in ((1366, "1366"), (375, "375")):
        browser.set_window_size(width, 900)
        shots(browser, f"{name}-{label}")
        # Nothing scrolls the page sideways at either width (the nav collapses into its Menu on a phone).
        assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
    browser.set_window_size(1280, 900)


def test_empty_then_synced_overview(stack, browser, shots):
    stack.create_user(EMAIL, workspace="Empty workspace")
    sign_in(browser, stack.url, EMAIL)
    wait_for_text(browser, "Nothing yet")
    assert browser.current_url.endswith("/overview")
    assert browser.find_element(By.LINK_TEXT, "Connect a partner").get_attribute("href").endswith("/partners")
    both_widths(browser, shots, "overview-empty")

    key, canvas = launched_canvas(stack, "synced@e2e.test", "Overview buyers")
    recipients = [{"external_user_id": f"o{i}", "attributes": {"email": f"o{i}@example.com"}} for i in range(20)]
    r = requests.post(stack.url + "/api/v1/canvas/trigger/send", json={"canvas_id": canvas, "recipients": recipients},
                      headers={"Authorization": "Bearer " + key}, timeout=30)
    assert r.status_code == 201, r.text
    browser.delete_all_cookies()
    sign_in(browser, stack.url, "synced@e2e.test")
    wait_for_text(browser, "Last 24 hours")
    deadline = time.time() + 30
    while browser.find_element(By.CSS_SELECTOR, "#figure-synced .figure").text != "20" and time.time() < deadline:
        time.sleep(1)
        browser.refresh()
    assert browser.find_element(By.CSS_SELECTOR, "#figure-synced .figure").text == "20"
    assert browser.find_element(By.CSS_SELECTOR, "#figure-pending .figure").text == "0"
    assert "Nothing needs your action." in browser.find_element(By.ID, "problems").text
    assert "Facebook" in browser.find_element(By.ID, "connections").text
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg.sparkline title")) == 4
    both_widths(browser, shots, "overview")

    browser.find_element(By.LINK_TEXT, "Canvases").click()
    wait_for_text(browser, "Your canvases")
    row = browser.find_element(By.XPATH, "//tr[td/a[normalize-space()='Overview buyers']]")
    assert [c.text for c in row.find_elements(By.TAG_NAME, "td")][:7] == ["Overview buyers", "Active", "20", "20", "0", "0", "20"]
    both_widths(browser, shots, "canvases")
