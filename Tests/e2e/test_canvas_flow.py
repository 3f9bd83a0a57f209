"""A marketer builds and launches a canvas in a real browser; 100 users enter through the REST API."""
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from conftest import PASSWORD, wait_for_text

EMAIL = "builder@e2e.test"


def click(browser, text):
    browser.find_element(By.XPATH, f"//button[normalize-space()='{text}']").click()


def test_build_launch_and_enter_100_users(stack, browser, shots):
    stack.create_user(EMAIL)
    browser.get(stack.url + "/signin")
    browser.find_element(By.ID, "email").send_keys(EMAIL)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    click(browser, "Sign in")
    wait_for_text(browser, "Technology Partners")

    # Connect Facebook and pick an ad account.
    browser.get(stack.url + "/partners/facebook")
    click(browser, "Connect Facebook")
    wait_for_text(browser, "Manage your ads")
    browser.find_element(By.XPATH, "//button[starts-with(normalize-space(), 'Continue as')]").click()
    wait_for_text(browser, "Choose Facebook ad accounts")
    browser.find_element(By.CSS_SELECTOR, "input[value='act_1001']").click()
    click(browser, "Save ad accounts")
    wait_for_text(browser, "Ad accounts saved.")

    # An API key, shown once.
    browser.find_element(By.LINK_TEXT, "Settings").click()
    wait_for_text(browser, "API keys")
    browser.find_element(By.ID, "name").send_keys("Backend")
    click(browser, "Create key")
    wait_for_text(browser, "Copy your new key now")
    key = browser.find_element(By.ID, "new-key-value").text
    assert key.startswith("as_")
    shots(browser, "api-key-created")
    browser.refresh()
    assert key not in browser.page_source

    # A canvas that only takes users who allowed ad tracking.
    browser.find_element(By.LINK_TEXT, "Canvases").click()
    wait_for_text(browser, "New canvas")
    browser.find_element(By.ID, "name").send_keys("E2E consenting buyers")
    click(browser, "Create canvas")
    wait_for_text(browser, "Entry criteria")
    browser.find_element(By.ID, "edit-criteria").click()   # editing is behind the Edit controls
    click(browser, "Require: ads_tracking_enabled is true")
    wait_for_text(browser, "Who may enter: ads_tracking_enabled is true")
    canvas_id = browser.current_url.rstrip("/").split("/")[-1]

    # Step 1: add users to a new audience.
    browser.find_element(By.ID, "edit-steps").click()
    click(browser, "Add Audience Sync step")
    wait_for_text(browser, "Fields to match")
    Select(browser.find_element(By.ID, "destination")).select_by_value("facebook|act_1001")
    browser.find_element(By.CSS_SELECTOR, "input[name='audience_mode'][value='new']").click()
    browser.find_element(By.ID, "audience_name").send_keys("E2E buyers")
    browser.find_element(By.CSS_SELECTOR, "input[name='action'][value='add']").click()
    for field in ("email", "phone"):
        browser.find_element(By.CSS_SELECTOR, f"input[name='field'][value='{field}']").click()
    shots(browser, "step-editor")
    click(browser, "Save step")
    wait_for_text(browser, "Add to E2E buyers on Facebook")

    # Step 2: wait; step 3: remove them again from that same new audience.
    browser.find_element(By.ID, "edit-steps").click()
    click(browser, "Add Delay step")
    wait_for_text(browser, "Wait")
    click(browser, "Save step")
    wait_for_text(browser, "Wait 1 hour")
    browser.find_element(By.ID, "edit-steps").click()
    click(browser, "Add Audience Sync step")
    wait_for_text(browser, "Fields to match")
    Select(browser.find_element(By.ID, "destination")).select_by_value("facebook|act_1001")
    browser.find_element(By.CSS_SELECTOR, "input[name='audience_mode'][value='from_step']").click()
    browser.find_element(By.CSS_SELECTOR, "input[name='action'][value='remove']").click()
    browser.find_element(By.CSS_SELECTOR, "input[name='field'][value='email']").click()
    click(browser, "Save step")
    wait_for_text(browser, "Remove from E2E buyers on Facebook")
    shots(browser, "canvas-draft")

    click(browser, "Launch canvas")
    wait_for_text(browser, "Launch creates 1 audience at Facebook")
    shots(browser, "launch-confirm")
    click(browser, "Launch canvas")
    wait_for_text(browser, "Launched.")
    assert "Active" in browser.find_element(By.ID, "canvas-status").text
    state = requests.get(stack.sandbox_url + "/_sandbox/facebook/state", timeout=5).json()
    assert [a["name"] for a in state["audiences"]].count("E2E buyers") == 1

    # 100 consenting users and 5 who did not consent, through the API.
    recipients = [{"external_user_id": f"e2e-{i}", "attributes": {"email": f"user{i}@example.com", "ads_tracking_enabled": True}}
                  for i in range(100)]
    recipients += [{"external_user_id": f"no-{i}", "attributes": {"email": f"no{i}@example.com", "ads_tracking_enabled": False}}
                   for i in range(5)]
    r = requests.post(stack.url + "/api/v1/canvas/trigger/send", json={"canvas_id": canvas_id, "recipients": recipients},
                      headers={"Authorization": "Bearer " + key}, timeout=30)
    assert r.status_code == 201, r.text
    assert r.json()["entered"] == 100 and len(r.json()["not_entered"]) == 5

    # The sync engine in `serve` sends them to the sandbox's audience within seconds.
    import time
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        summary = requests.get(stack.url + "/api/v1/canvas/data_summary", params={"canvas_id": canvas_id},
                               headers={"Authorization": "Bearer " + key}, timeout=5).json()
        if summary["steps"][0]["synced"] == 100:
            break
        time.sleep(0.5)
    assert summary["steps"][0]["synced"] == 100 and summary["steps"][0]["pending"] == 0
    audience = next(a for a in requests.get(stack.sandbox_url + "/_sandbox/facebook/state", timeout=5).json()["audiences"]
                    if a["name"] == "E2E buyers")
    members = requests.get(f"{stack.sandbox_url}/_sandbox/facebook/audiences/{audience['id']}", timeout=5).json()
    assert members["member_count"] == 100

    browser.refresh()
    entered = browser.find_elements(By.CSS_SELECTOR, "#steps dd.entered")
    assert [e.text for e in entered] == ["100", "100", "0"]
    summary = requests.get(stack.url + "/api/v1/canvas/data_summary", params={"canvas_id": canvas_id},
                           headers={"Authorization": "Bearer " + key}, timeout=5).json()
    assert summary["steps"][0]["entered"] == 100 and summary["steps"][0]["synced"] == 100
    browser.execute_script("document.getElementById('steps').scrollIntoView()")
    shots(browser, "canvas-entered-100")

    # The step page: its chart and the partner's answers.
    browser.find_element(By.LINK_TEXT, "Add to E2E buyers on Facebook").click()
    wait_for_text(browser, "Recent requests to the partner")
    assert browser.find_elements(By.CSS_SELECTOR, "#chart svg polyline")
    assert "received" in browser.find_element(By.ID, "activity").text
    assert browser.find_element(By.ID, "partner-received").text == "100"
    assert browser.find_element(By.ID, "partner-invalid").text == "0"
    shots(browser, "step-chart-and-activity")

    # The ledger: search one user and see each attempt, with field names but never values.
    browser.find_element(By.LINK_TEXT, "Sync ledger").click()
    wait_for_text(browser, "External ID")
    browser.find_element(By.ID, "external_id").send_keys("e2e-7")
    click(browser, "Search")
    wait_for_text(browser, "Fields sent")
    ledger = browser.find_element(By.ID, "ledger").text
    assert "E2E consenting buyers" in ledger and "Add to E2E buyers on Facebook" in ledger and "act_1001" in ledger
    assert "EMAIL" in ledger and "Synced" in ledger
    assert "user7@example.com" not in browser.page_source
    shots(browser, "ledger-search")
    browser.find_element(By.ID, "external_id").clear()
    browser.find_element(By.ID, "external_id").send_keys("no-1")
    click(browser, "Search")
    wait_for_text(browser, "No sync attempt for")
