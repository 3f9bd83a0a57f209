"""Segments end to end, through nginx, the FastCGI responder and the sandbox: an admin imports a CSV in a real
browser (a multipart upload the server spools to disk), builds a segment, exports it to two new Facebook audiences
and watches the progress bars complete; and an export killed with kill -9 part-way resumes after a restart and
ends with every user in the audience, none sent twice beyond the batch in flight."""
import datetime
import hashlib
import os
import re
import signal
import time

import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from conftest import OUT, PASSWORD, alive, confirmed_post, csrf_of, wait_for_text

EMAIL = "segments@e2e.test"
ROWS = 3000


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


def csv_file():
    """ROWS valid rows (every tenth without an email, every third with a US phone, even rows gold) and 7 with a bad email,
    which are stored without it (lenient ingest) on a plan of their own, so the gold segment is the valid rows'."""
    lines = ["external_id,email,phone,country,plan,ads_tracking_enabled"]
    for i in range(ROWS):
        email = "" if i % 10 == 0 else f"S{i}@Example.com"
        phone = f"(650) 555-{i % 10000:04d}" if i % 3 == 0 else ""
        lines.append(f"s{i},{email},{phone},US,{'gold' if i % 2 == 0 else 'free'},true")
    lines += [f"bad{i},not-an-email-{i},,US,other,true" for i in range(7)]
    path = OUT / "e2e-segments-users.csv"
    path.write_text("\r\n".join(lines) + "\r\n")
    return path


def connect_facebook(stack, session):
    page = requests.post(stack.sandbox_url + "/facebook/www/business/settings/system-users", timeout=10).text
    token = page.split('<code class="fb-token">')[1].split("</code>")[0]
    session.post(stack.url + "/partners/facebook/token", data={"_csrf": csrf_of(session, stack.url + "/partners/facebook"), "token": token},
                 timeout=10)
    session.post(stack.url + "/partners/facebook/accounts",
                 data={"_csrf": csrf_of(session, stack.url + "/partners/facebook/accounts"), "account": "act_1001"}, timeout=10)


def sandbox_audience(stack, name):
    state = requests.get(stack.sandbox_url + "/_sandbox/facebook/state", timeout=10).json()
    audience = next(a for a in state["audiences"] if a["name"] == name)
    return requests.get(f"{stack.sandbox_url}/_sandbox/facebook/audiences/{audience['id']}", timeout=30).json()


def test_import_build_a_segment_and_export_it_in_the_browser(stack, browser, shots):
    stack.create_user(EMAIL)
    session = stack.signed_in_session(EMAIL)
    connect_facebook(stack, session)
    browser.get(stack.url + "/signin")
    browser.find_element(By.ID, "email").send_keys(EMAIL)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button.primary").click()
    wait_for_text(browser, "Technology Partners")

    # Import: the browser's own multipart upload of a real file.
    browser.get(stack.url + "/settings/imports")
    browser.find_element(By.ID, "file").send_keys(str(csv_file()))
    shots(browser, "import-form")
    browser.find_element(By.ID, "import-submit").click()
    wait_for_text(browser, "Finished", timeout=90)
    shots(browser, "import-finished")
    # One bad cell never drops a row: the 7 users are stored without their email, and the cells are in the report.
    assert f"{ROWS + 7:,} rows read · {ROWS + 7:,} imported · 0 rejected" in browser.find_element(By.ID, "import-counts").text
    report = session.get(browser.find_element(By.CSS_SELECTOR, "#import-rejects a").get_attribute("href"), timeout=10)
    lines = [line for line in report.text.split("\r\n") if line]
    assert lines[0] == "line,external_id,reason" and len(lines) == 8
    assert lines[1].startswith(f'{ROWS + 2},bad0,"Stored without this cell: email:')

    # A segment of the gold users, sized and sampled.
    browser.get(stack.url + "/segments")
    browser.find_element(By.ID, "name").send_keys("Gold")
    browser.find_element(By.XPATH, "//button[normalize-space()='Create segment']").click()
    wait_for_text(browser, "Who is in it:")
    browser.find_element(By.ID, "attribute").send_keys("plan")
    browser.find_element(By.ID, "value").send_keys("gold")
    browser.find_element(By.XPATH, "//button[normalize-space()='Add filter']").click()
    wait_for_text(browser, "plan equals gold")
    assert browser.find_element(By.ID, "size").text == f"{ROWS // 2:,} users"
    shots(browser, "segment")

    # User Data → Export as Facebook Audience: Email and Phone number, two new audiences.
    browser.find_element(By.CSS_SELECTOR, "#user-data summary").click()
    browser.find_element(By.ID, "export-facebook").click()
    wait_for_text(browser, "Fields to export")
    # Nothing is chosen in advance: the ad account and both fields are picked by hand.
    Select(browser.find_element(By.ID, "ad_account")).select_by_value("act_1001")
    browser.find_element(By.ID, "field-email").click()
    browser.find_element(By.ID, "field-phone").click()
    shots(browser, "export-form")
    browser.find_element(By.ID, "export-submit").click()
    wait_for_text(browser, "to the Facebook ad account")
    shots(browser, "export-confirm")
    browser.find_element(By.ID, "confirm-submit").click()
    wait_for_text(browser, "Export of Gold")
    shots(browser, "export-running")
    wait_for_text(browser, "Finished", timeout=90)      # the page's script updates the status without a reload
    bars = {bar.get_attribute("id"): (int(bar.get_attribute("value")), int(bar.get_attribute("max")))
            for bar in browser.find_elements(By.CSS_SELECTOR, "progress")}
    assert bars == {"progress-email": (ROWS // 2, ROWS // 2), "progress-phone": (ROWS // 2, ROWS // 2)}
    shots(browser, "export-finished")

    now = datetime.datetime.now(datetime.timezone.utc)
    day = f"{now.day} {now.strftime('%b %Y')}"      # as the dashboard writes dates: 22 Nov 2026
    gold = [i for i in range(0, ROWS, 2)]
    emails = sandbox_audience(stack, f"Gold — Email — {day}")
    assert emails["members"] == sorted(sha(f"s{i}@example.com") for i in gold if i % 10 != 0)
    phones = sandbox_audience(stack, f"Gold — Phone number — {day}")
    assert phones["members"] == sorted(sha(f"1650555{i % 10000:04d}") for i in gold if i % 3 == 0)
    page = browser.find_element(By.ID, "figures-email").text
    assert page == f"{len(gold) - len(gold) // 5:,} sent of {len(gold):,} · {len(gold) // 5:,} skipped (no email) · 0 failed"

    outbox = session.get(stack.url + "/settings/outbox", timeout=10).text
    assert "Segment export finished: Gold" in outbox
    # The email's Ads Manager link opens the sandbox's Ads Manager, which lists the new audiences.
    link = stack.sandbox_url + "/facebook/www/adsmanager/audiences?act=1001"
    assert link in outbox.replace("&amp;", "&")
    ads_manager = requests.get(link, timeout=10).text
    assert f"Gold — Email — {day}" in ads_manager and f"Gold — Phone number — {day}" in ads_manager


def test_an_export_killed_part_way_resumes_and_sends_no_batch_twice(stack):
    users = 40_000
    session = stack.signed_in_session(EMAIL)
    keys = session.post(stack.url + "/settings/api-keys", data={"_csrf": csrf_of(session, stack.url + "/settings/api-keys"), "name": "bulk"},
                        timeout=10).text
    key = re.search(r'id="new-key-value">([^<]+)<', keys).group(1)
    for start in range(0, users, 10_000):
        body = {"attributes": [{"external_id": f"k{i}", "email": f"k{i}@example.com", "plan": "bulk"} for i in range(start, start + 10_000)]}
        r = requests.post(stack.url + "/api/v1/users/track", json=body, headers={"Authorization": "Bearer " + key}, timeout=120)
        assert r.status_code == 201, r.text[:300]
    r = session.post(stack.url + "/segments", data={"_csrf": csrf_of(session, stack.url + "/segments"), "name": "Bulk"},
                     allow_redirects=False, timeout=10)
    segment = r.headers["Location"].rsplit("/", 1)[-1]
    page = f"{stack.url}/segments/{segment}"
    session.post(page + "/add-filter", data={"_csrf": csrf_of(session, page), "attribute": "plan", "op": "equals", "value": "bulk",
                                             "group": "new"}, timeout=10)
    # Each upload is held 1.5 s at the sandbox, so the kill lands between (or during) batches.
    requests.post(stack.sandbox_url + "/_sandbox/faults",
                  json={"partner": "facebook", "path_contains": "/users", "share": 1.0, "latency_ms": 1500}, timeout=5).raise_for_status()
    try:
        r = confirmed_post(session, page + "/export", {"_csrf": csrf_of(session, page + "/export"), "ad_account": "act_1001", "field": "email",
                                                       "name_email": "Bulk once"}, timeout=10)
        progress = stack.url + r.headers["Location"] + "/progress"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            figures = session.get(progress, timeout=10).json()
            if figures["audiences"][0]["handled"] >= 10_000:
                break
            time.sleep(0.2)
        assert figures["status"] == "running" and figures["audiences"][0]["handled"] < users, figures
        pid = stack.pid("app")
        os.kill(pid, signal.SIGKILL)
        for _ in range(100):
            if not alive(pid):
                break
            time.sleep(0.05)
        stack.ensure_app()
        session = stack.signed_in_session(EMAIL)
        while time.monotonic() < deadline + 120:
            figures = session.get(progress, timeout=10).json()
            if figures["status"] != "running":
                break
            time.sleep(0.5)
    finally:
        requests.delete(stack.sandbox_url + "/_sandbox/faults", timeout=5)
    assert figures["status"] == "done" and figures["audiences"][0]["sent"] == users, figures
    audience = sandbox_audience(stack, "Bulk once")
    assert audience["member_count"] == users
    # Only the batch in flight at the kill may have been sent twice.
    assert users <= audience["adds"] <= users + 10_000, audience


def test_only_a_signed_in_admin_can_put_an_upload_on_disk(stack):
    stack.create_user("member@e2e.test", role="member")
    member = stack.signed_in_session("member@e2e.test")
    before = sorted(p.name for p in (stack.data / "imports").glob("*")) if (stack.data / "imports").exists() else []
    body = b"external_id,email\r\n" + b"x,y@example.com\r\n" * 50_000
    for session in (requests.Session(), member):
        r = session.post(stack.url + "/settings/imports", files={"file": ("big.csv", body, "text/csv")}, allow_redirects=False, timeout=60)
        assert r.status_code == 403, r.status_code
    after = sorted(p.name for p in (stack.data / "imports").glob("*")) if (stack.data / "imports").exists() else []
    assert after == before
