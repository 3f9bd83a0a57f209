"""Reliability suites run from this folder: `support` sits next to the tests."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
