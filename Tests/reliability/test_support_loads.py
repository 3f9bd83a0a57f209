"""The shared fixtures load from Tests/e2e without clashing with this folder's conftest."""
from support import Stack, launched_canvas


def test_support_exposes_the_e2e_stack():
    assert Stack("probe").url.startswith("http://127.0.0.1:")
    assert callable(launched_canvas)
