"""Security figures shared by the `test_sec_*` suites: each suite reads `test-output/security.json`, sets its own
keys and writes it back, so suites (and helpers) that run separately do not erase each other's figures."""
import fcntl
import json

from conftest import OUT


def record(key, figures):
    """Sets `key` to `figures` in test-output/security.json, under a file lock (suites may run side by side)."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "security.json"
    with open(OUT / ".security.json.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            data = json.loads(path.read_text()) if path.exists() else {}
        except ValueError:
            data = {}
        data[key] = figures
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
        tmp.replace(path)
