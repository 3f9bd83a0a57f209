"""Instruction counts of `serve` per user and per page, under callgrind, on a fixed small workload.

    .venv-bench/bin/python scripts/bench/callgrind/count.py [--binary PATH] [--users 10000] [--requests 50] [--out DIR]

Counts repeat on a noisy machine where timings do not, so docs/performance.md records these before and after a
change. The workload: a stack (sandbox, nginx, `serve` under callgrind) with one canvas and one Facebook Add step;
counting starts once it is set up. Pipeline: USERS users entered in one /canvas/trigger/send request, counted until
all are Users Synced; pages: the same step given a month of history, then REQUESTS GETs of each page, one count per
page. Prints instructions per user for each stage of the pipeline and per request for each page.
"""
import argparse
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from benchstack import ROOT, Stack, recipients_body  # noqa: E402

import requests  # noqa: E402

# (label, a demangled symbol that starts the stage): inclusive counts, so a stage includes the ones under it.
STAGES = [
    ("request: FastCGI + route + /canvas/trigger/send", "specialized static CanvasTrigger.handle(_:)"),
    ("  parse + validate the recipients", "specialized static RecipientParsing.parse(_:today:)"),
    ("  the write transaction (Store.trigger)", "Store.trigger(workspaceID:"),
    ("    profile upsert", "specialized static Store.upsertDetectingWithdrawals"),
    ("    criteria + walk + normalize/hash", "static CanvasEntries.enter("),
    ("      normalize + SHA-256 (IdentifierRules.row)", "static IdentifierRules.row("),
    ("    walk outcome kept for its chunk (Store.record)", "specialized static Store.record("),
    ("    chunks + index + figures (Tallies.commit)", "Tallies.commit("),
    ("      chunk insert (SyncChunks.insert)", "static SyncChunks.insert("),
    ("send: one batch (SyncEngine.send)", "SyncEngine.send(stepID:)"),
    ("  claim, consent screen included", "Store.claim(stepID:"),
    ("    consent screen (Store.screen)", "specialized static Store.screen("),
    ("    rows read back (Store.claimedChunk)", "Store.claimedChunk(from:)"),
    ("  partner body (FacebookClient.usersBody)", "specialized static FacebookClient.usersBody"),
    ("  HTTP (libcurl multi)", "specialized static MultiRun.perform("),
    ("  finish: ledger line, state, figures", "Store.finish(claimID:"),
    ("background loop (flusher passes, chores)", "closure #2 in BackgroundLoop.start"),
    ("the workload's own progress polls (data_summary)", "specialized static DataSummary.handle"),
]


def inclusive(dump):
    """{demangled function: inclusive instructions} and the program total of one callgrind dump."""
    text = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", str(dump)], capture_output=True,
                          text=True, check=True).stdout
    text = subprocess.run(["swift", "demangle", "--simplified"], input=text, capture_output=True, text=True, check=True).stdout
    total = int(re.search(r"([\d,]+) \(100\.0%\)\s+PROGRAM TOTALS", text).group(1).replace(",", ""))
    functions = []
    for line in text.splitlines():
        if m := re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+\?\?\?:(.*) \[", line):
            functions.append((m.group(2), int(m.group(1).replace(",", ""))))
    return total, functions


def stage_costs(dump, users):
    total, functions = inclusive(dump)
    print(f"{'serve, everything while the users went through':58s} {total / users / 1000:8.1f} k instructions/user")
    for label, symbol in STAGES:
        cost = next((count for name, count in functions if symbol in name), 0)
        print(f"{label:58s} {cost / users / 1000:8.1f} k")


def control(*args):
    subprocess.run(["callgrind_control", *args], check=True, capture_output=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=str(ROOT / ".build/release/audiencesync"))
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--out", default=str(ROOT / "test-output/callgrind"))
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("serve.out*"):
        old.unlink()
    stripped = pathlib.Path(tempfile.mkdtemp()) / "audiencesync"
    subprocess.run(["strip", "--strip-debug", "-o", str(stripped), args.binary], check=True)
    os.environ.update(CALLGRIND_REAL_BIN=str(stripped), CALLGRIND_OUT=str(out / "serve.out"))
    import benchstack
    benchstack.BIN = HERE / "serve-under-callgrind.sh"
    stack = Stack("callgrind").start()
    try:
        stack.setup("Callgrind buyers")
        pid = str(stack.pid("app"))
        time.sleep(3)
        control("-z", pid)
        r = requests.post(stack.url + "/api/v1/canvas/trigger/send", headers=stack.api_headers(),
                          data=recipients_body(stack.canvas, 0, args.users), timeout=600)
        r.raise_for_status()
        while stack.summary()["synced"] < args.users:
            time.sleep(2)
        control("-d", "pipeline", pid)
        stack.insert_step_history(args.users, 30)
        stack.sign_in()
        pages = {"canvas list": "/canvases", "canvas page": f"/canvases/{stack.canvas}",
                 "step page": f"/canvases/{stack.canvas}/steps/{stack.step}"}
        for name, path in pages.items():
            stack.session.get(stack.url + path, timeout=120).raise_for_status()
            control("-z", pid)
            for _ in range(args.requests):
                stack.session.get(stack.url + path, timeout=120).raise_for_status()
            control("-d", name.replace(" ", "-"), pid)
    finally:
        stack.stop()
    dumps = sorted(out.glob("serve.out.*"), key=lambda p: int(p.suffix[1:]))
    print(f"# serve under callgrind, binary {args.binary}\n\n## Pipeline: {args.users:,} users entered → Users Synced")
    stage_costs(dumps[0], args.users)
    print(f"\n## Pages: {args.requests} requests each, signed in, over the step with a month of history")
    for name, dump in zip(pages, dumps[1:]):
        total, _ = inclusive(dump)
        print(f"{name:58s} {total / args.requests / 1e6:8.2f} M instructions/request")


if __name__ == "__main__":
    main()
