"""Every dashboard form, fuzzed through nginx with a signed-in admin and valid CSRF tokens (see formfuzz.py):
no 5xx, every 400/422 names a field, the app still answers afterwards. `make test` sends FUZZ_FORMS submissions
(400 by default); `make test-fuzz` sends 10,000."""
import os

import requests

from conftest import csrf_of, launched_canvas, record_figures
from formfuzz import fuzz, still_up

EMAIL = "fuzz@e2e.test"


def test_no_form_answers_5xx_whatever_it_is_sent(stack):
    key, canvas = launched_canvas(stack, EMAIL, "Fuzzed buyers")
    session = stack.signed_in_session(EMAIL)
    url = stack.url
    draft = session.post(url + "/canvases", data={"_csrf": csrf_of(session, url + "/canvases"), "name": "Draft to fuzz"},
                         allow_redirects=False, timeout=10).headers["Location"]
    step = session.post(url + draft + "/add-step", data={"_csrf": csrf_of(session, url + draft), "kind": "audience_sync"},
                        allow_redirects=False, timeout=10).headers["Location"]
    segment = session.post(url + "/segments", data={"_csrf": csrf_of(session, url + "/segments"), "name": "Fuzzed"},
                           allow_redirects=False, timeout=10).headers["Location"]
    # The canvas page's forms are behind its Edit controls: the edit views are fuzzed as well.
    pages = ["/partners", "/partners/facebook", "/partners/facebook/accounts", "/canvases", draft, draft + "?edit=criteria",
             draft + "?edit=steps", draft + "?edit=name", step, f"/canvases/{canvas}", f"/canvases/{canvas}?edit=criteria",
             f"/canvases/{canvas}?edit=name", "/segments", segment, segment + "/export", "/settings/api-keys", "/settings/notifications"]
    budget = int(os.environ.get("FUZZ_FORMS", "400"))
    sent, problems = fuzz(url, session, pages, budget, sign_in=lambda: stack.signed_in_session(EMAIL))
    record_figures("fuzz.json", "forms", {"submissions": sent, "pages": len(pages), "problems": len(problems),
                                          "first_problems": problems[:5]})
    assert sent >= budget
    assert not problems, "\n".join(problems[:20])
    assert still_up(url)
    # The API key made before the run still works: nothing the fuzzer sent broke the workspace.
    r = requests.get(url + "/api/v1/canvas/data_summary", params={"canvas_id": canvas}, headers={"Authorization": "Bearer " + key}, timeout=10)
    assert r.status_code == 200
