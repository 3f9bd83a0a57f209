"""The REST API fuzzed by schemathesis from its own OpenAPI document, through nginx with a real API key: no 5xx,
answers conforming to the documented schemas and status codes. `make test` generates FUZZ_API examples per
operation (50 by default); `make test-fuzz` enough for more than 10,000 requests."""
import os
import pathlib
import re
import subprocess
import sys

from conftest import OUT, launched_canvas, record_figures

EMAIL = "apifuzz@e2e.test"


def test_the_api_holds_to_its_document_under_generated_requests(stack):
    key, canvas = launched_canvas(stack, EMAIL, "API fuzz")
    examples = os.environ.get("FUZZ_API", "50")
    report = OUT / "schemathesis"
    report.mkdir(parents=True, exist_ok=True)
    command = [str(pathlib.Path(sys.executable).parent / "schemathesis"), "run", stack.url + "/api/v1/openapi.json",
               "-u", stack.url + "/api/v1", "-H", f"Authorization: Bearer {key}",
               "-c", "not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance",
               # The coverage phase sends bodies of up to 10,000 objects: on a busy 2-core machine one took longer than
               # schemathesis's default time-out and counted as a network error (the app answered it, later).
               "--request-timeout", "120",
               "-n", examples, "--generation-deterministic", "--report", "junit", "--report-dir", str(report), "--no-color"]
    run = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    output = run.stdout + run.stderr
    counted = re.search(r"(\d[\d,]*) generated, (\d[\d,]*) passed", output)
    record_figures("fuzz.json", "api", {"examples_per_operation": int(examples), "exit_status": run.returncode,
                                        "generated": int(counted.group(1).replace(",", "")) if counted else None,
                                        "passed": int(counted.group(2).replace(",", "")) if counted else None})
    assert run.returncode == 0, output[-6000:]
    generated = re.search(r"(\d[\d,]*) generated, (\d[\d,]*) passed", output)
    assert generated and generated.group(1) == generated.group(2), output[-2000:]
    print(f"schemathesis: {generated.group(1)} generated requests, all passed")
