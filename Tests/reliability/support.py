"""The end-to-end fixtures of Tests/e2e (a whole stack on free ports, headless Chromium) for the reliability suites
(faults, crash matrix, soak), loaded under their own module name so both folders can keep a `conftest.py`.

A test module uses them with `from support import Stack, stack, browser, launched_canvas` (importing a fixture into a
module makes it available there)."""
import importlib.util
import pathlib
import sys

_E2E = pathlib.Path(__file__).resolve().parents[1] / "e2e" / "conftest.py"
_spec = importlib.util.spec_from_file_location("e2e_support", _E2E)
e2e = importlib.util.module_from_spec(_spec)
sys.modules["e2e_support"] = e2e
_spec.loader.exec_module(e2e)

ROOT, OUT, BIN, PASSWORD = e2e.ROOT, e2e.OUT, e2e.BIN, e2e.PASSWORD
Stack, alive, free_port, csrf_of, launched_canvas, wait_for_text = (
    e2e.Stack, e2e.alive, e2e.free_port, e2e.csrf_of, e2e.launched_canvas, e2e.wait_for_text)
stack, browser, shots = e2e.stack, e2e.browser, e2e.shots
