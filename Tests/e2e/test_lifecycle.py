"""How the app behaves as a process: it stops on SIGTERM within 5 s, answering requests in flight."""
import os
import signal
import threading
import time

import requests

from conftest import alive

EMAIL = "ops@e2e.test"


def test_sigterm_answers_requests_in_flight_then_exits(stack):
    stack.create_user(EMAIL)
    s = stack.signed_in_session(EMAIL)
    # Connect with a system-user token, so the "check connection" action calls the sandbox.
    token = requests.post(stack.sandbox_url + "/facebook/www/business/settings/system-users", timeout=5).text
    token = token.split('<code class="fb-token">')[1].split("</code>")[0]
    page = s.get(stack.url + "/partners/facebook", timeout=5).text
    csrf = page.split('name="_csrf" value="')[1].split('"')[0]
    r = s.post(stack.url + "/partners/facebook/token", data={"_csrf": csrf, "token": token}, allow_redirects=False, timeout=10)
    assert r.status_code == 303

    # The token check now takes 2 s at the partner: the check request is in flight when SIGTERM arrives.
    requests.post(stack.sandbox_url + "/_sandbox/faults",
                  json={"partner": "facebook", "path_contains": "debug_token", "share": 1.0, "latency_ms": 2000}, timeout=5).raise_for_status()
    result = {}

    def check():
        result["response"] = s.post(stack.url + "/partners/facebook/check", data={"_csrf": csrf}, allow_redirects=False, timeout=30)

    worker = threading.Thread(target=check)
    worker.start()
    time.sleep(0.5)
    pid = stack.pid("app")
    started = time.monotonic()
    os.kill(pid, signal.SIGTERM)
    # A process that exited but is not yet reaped (a zombie) has stopped: alive() says so.
    while alive(pid):
        assert time.monotonic() - started < 5, "the app did not stop within 5 s"
        time.sleep(0.05)
    worker.join(timeout=10)
    requests.delete(stack.sandbox_url + "/_sandbox/faults", timeout=5)
    assert result["response"].status_code == 303
    assert result["response"].headers["Location"] == "/partners/facebook?notice=checked"
    log = (stack.data / "logs" / "app.log").read_text()
    assert "finishing 1 request(s) in flight" in log and "stopped cleanly" in log


def test_security_headers_on_every_response_including_nginx_errors(stack):
    stack.ensure_app()
    responses = {
        "page": requests.get(stack.url + "/signin", timeout=5),
        "static": requests.get(stack.url + "/static/app.css", timeout=5),
        "nginx 404": requests.get(stack.url + "/static/missing.css", timeout=5),
        "app 404": requests.get(stack.url + "/missing", timeout=5),
        "nginx 413": requests.post(stack.url + "/signin", data=b"x" * (40 << 20), timeout=30),
        "callback": requests.get(stack.url + "/oauth/callback/facebook?code=c&state=s", allow_redirects=False, timeout=5),
    }
    assert responses["nginx 404"].status_code == 404 and responses["nginx 413"].status_code == 413
    for name, r in responses.items():
        csp = r.headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp, name
        assert r.headers.get("X-Content-Type-Options") == "nosniff", name
        assert r.headers.get("Server") == "nginx", name  # no version
        assert r.headers.get("Referrer-Policy") == ("no-referrer" if name == "callback" else "same-origin"), name


def test_metrics_only_for_this_host(stack):
    import subprocess
    stack.ensure_app()
    local = requests.get(stack.url + "/metrics", timeout=5)
    assert local.status_code == 200 and "audiencesync_sync_items" in local.text
    other = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--interface", "127.0.0.2", stack.url + "/metrics"],
                           capture_output=True, text=True, timeout=10).stdout
    assert other == "403"
