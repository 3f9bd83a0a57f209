"""A page that calls a partner while the browser waits answers before nginx gives up on it (reliability.md N-10).

Launch creates each new audience at the partner while the marketer waits. With Facebook taking 14 s for every
audience creation and five new-audience steps, launching would take 70 s, past nginx's 60 s `fastcgi_read_timeout`:
the marketer would get a 504 while the launch went on behind it. The page stops starting partner calls after its
budget (`PageDeadline`, 15 s) and answers itself, saying nothing was launched; launching again once the partner is
quick reuses the audiences already created (no duplicates) and launches."""
import time

import requests

from conftest import confirmed_post, csrf_of

STEPS, LATENCY_MS = 5, 14_000


def test_a_slow_partner_never_turns_launch_into_a_gateway_timeout(stack):
    stack.create_user("slow@deadline.test")
    s = stack.signed_in_session("slow@deadline.test")
    url = stack.url
    page = requests.post(stack.sandbox_url + "/facebook/www/business/settings/system-users", timeout=10).text
    token = page.split('<code class="fb-token">')[1].split("</code>")[0]
    s.post(url + "/partners/facebook/token", data={"_csrf": csrf_of(s, url + "/partners/facebook"), "token": token}, timeout=10)
    s.post(url + "/partners/facebook/accounts", data={"_csrf": csrf_of(s, url + "/partners/facebook/accounts"), "account": "act_1001"}, timeout=10)
    r = s.post(url + "/canvases", data={"_csrf": csrf_of(s, url + "/canvases"), "name": "Deadline"}, allow_redirects=False, timeout=10)
    canvas = r.headers["Location"].rsplit("/", 1)[-1]
    names = [f"Deadline audience {k}" for k in range(STEPS)]
    for name in names:
        r = s.post(f"{url}/canvases/{canvas}/add-step", data={"_csrf": csrf_of(s, f"{url}/canvases/{canvas}"), "kind": "audience_sync"},
                   allow_redirects=False, timeout=10)
        step = r.headers["Location"].rsplit("/", 1)[-1]
        form = {"_csrf": csrf_of(s, f"{url}/canvases/{canvas}/steps/{step}"), "destination": "facebook|act_1001", "audience_mode": "new",
                "audience_name": name, "action": "add", "field": ["email"]}
        assert s.post(f"{url}/canvases/{canvas}/steps/{step}/save", data=form, allow_redirects=False, timeout=10).status_code == 303

    requests.post(stack.sandbox_url + "/_sandbox/faults", timeout=10, json={
        "partner": "facebook", "method": "POST", "path_contains": "customaudiences", "latency_ms": LATENCY_MS, "count": STEPS}).raise_for_status()
    started = time.monotonic()
    r = confirmed_post(s, f"{url}/canvases/{canvas}/launch", {"_csrf": csrf_of(s, f"{url}/canvases/{canvas}")}, timeout=120)
    took = time.monotonic() - started
    requests.delete(stack.sandbox_url + "/_sandbox/faults", timeout=10).raise_for_status()

    def created():
        state = requests.get(stack.sandbox_url + "/_sandbox/facebook/state", timeout=10).json()
        return sorted(a["name"] for a in state["audiences"] if a["name"].startswith("Deadline audience") and not a["deleted"])

    first = created()
    print(f"\nslow launch: {r.status_code} after {took:.1f} s, {len(first)} of {STEPS} audiences created")
    assert r.status_code == 422, (r.status_code, r.text[:300])          # the app's own answer, not nginx's 504
    assert took < 45, took
    assert "answering slowly" in r.text and "nothing was launched" in r.text
    assert 1 <= len(first) < STEPS, first

    r = confirmed_post(s, f"{url}/canvases/{canvas}/launch", {"_csrf": csrf_of(s, f"{url}/canvases/{canvas}")}, timeout=60)
    assert "launched" in r.headers.get("Location", ""), r.text[:500]
    assert created() == sorted(names)                                   # the first ones reused, none twice
