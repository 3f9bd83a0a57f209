"""Slow clients (reliability.md L-8, N-8): slowloris connections (a request header trickled a line at a time) and
slow-body connections (a POST whose body trickles) held open against nginx while normal traffic — a signed-in page
and a small API call — runs at a fixed rate.

Latency is measured without coordinated omission: request k is due at start + k / rate, is sent from a pool of
threads at that time (or as soon as a thread is free), and its latency runs from the due time, so a stall counts
for every request it delays. Each request opens a new connection, as new visitors do; a kept-alive connection would
not notice a starved accept queue. Pass: the normal p99 under attack ≤ 2 × the p99 measured just before, no
normal request fails, and nginx closes the slowloris connections around `client_header_timeout`.

The slow connections live in a child process: run from the measuring process, their loop held Python's GIL while
the load threads waited, and the suite measured itself (a CI run once saw p99 7.1 → 15.3 ms that way). A p99 below
10 ms is the third-slowest of 240 requests and is set by the scheduler of a 2-core machine, not by nginx, so the
baseline the ratio is taken against is never below 10 ms (the figures keep the raw ratio too).

The attackers connect from other loopback addresses than the normal traffic (which comes from 127.0.0.1), at most
PER_ADDRESS from each: nginx allows each address a limited number of concurrent requests (N-8 `limit_conn`, tested in
test_sec_edge.py), and an attack from a single address would be refused by that limit before it could test the
timeouts. Spread this way, every slow connection is held and the test still measures what slow clients cost.

`SLOW_CLIENTS` sets the number of slow connections (make test: 200; the reliability figure: 1000)."""
import concurrent.futures
import multiprocessing
import os
import re
import resource
import socket
import statistics
import threading
import time

import requests

from conftest import csrf_of
from secsupport import address, record

EMAIL = "slow@e2e.test"
SLOW_CLIENTS = int(os.environ.get("SLOW_CLIENTS", "200"))
RATE = float(os.environ.get("SLOW_CLIENTS_RATE", "16"))      # normal requests per second (pages and API calls alternate)
PHASE_SECONDS = float(os.environ.get("SLOW_CLIENTS_SECONDS", "15"))
TRICKLE_SECONDS = 4.0                                          # a slow client sends a few bytes this often
P99_FLOOR = 0.010                                              # seconds: below this a p99 is scheduler noise
PER_ADDRESS = 16                                               # slow connections per source address, half slow body:
                                                               # well under nginx's per-address limit (64)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def fixed_rate(calls, seconds, rate):
    """Runs `calls[k % len(calls)]` at start + k / rate for `seconds`; returns (latencies from the due time, failures)."""
    count = int(seconds * rate)
    latencies, failures = [], []
    lock = threading.Lock()
    start = time.monotonic() + 0.2

    def run(k):
        due = start + k / rate
        try:
            ok = calls[k % len(calls)]()
        except requests.RequestException as error:
            ok = f"{type(error).__name__}"
        finished = time.monotonic()
        with lock:
            latencies.append(finished - due)
            if ok is not True:
                failures.append(ok)

    with concurrent.futures.ThreadPoolExecutor(max_workers=32) as pool:
        for k in range(count):
            delay = start + k / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(run, k)
    return latencies, failures


class SlowClients:
    """`n` connections to nginx, half slowloris and half slow body, each sending a few bytes every TRICKLE_SECONDS;
    a connection nginx closes is counted (with how long it lived) and reopened, as an attacker would. They are held
    by a child process, so that the attacker never competes with the measuring threads for the GIL."""

    def __init__(self, port, n):
        self.port, self.n = port, n
        self.stop = multiprocessing.Event()
        self.results, child_end = multiprocessing.Pipe(duplex=False)
        self.process = multiprocessing.get_context("fork").Process(target=self.run, args=(child_end,), daemon=True)
        self.closed_after, self.held, self.reopened, self.refused = [], 0, 0, None

    def start(self):
        self.process.start()
        assert self.results.poll(30), "the slow clients did not connect"
        assert self.results.recv() == "connected"

    def finish(self):
        """Stops the attack and reads what the child saw: lifetimes of the closed slowloris connections, and how
        many slow connections were still open just before the end."""
        self.stop.set()
        if self.results.poll(20):
            report = self.results.recv()
            self.closed_after, self.held, self.reopened = report["closed_after"], report["held"], report["reopened"]
            self.refused = report["refused"]
        self.process.join(10)
        if self.process.is_alive():
            self.process.kill()

    # --- in the child process ---

    def run(self, results):
        self.sockets = {}
        for index in range(self.n):
            self.open(index)
        results.send("connected")
        closed_after, reopened = self.loop()
        held = sum(1 for s, _ in self.sockets.values() if s.fileno() >= 0)
        for s, _ in self.sockets.values():
            s.close()
        results.send({"closed_after": closed_after, "held": held, "reopened": reopened, "refused": self.refused})

    def open(self, index):
        s = socket.socket()
        s.settimeout(5)
        s.bind((address(index // PER_ADDRESS), 0))
        s.connect(("127.0.0.1", self.port))
        s.setblocking(False)
        if index % 2 == 0:     # slowloris: the request line and one header, then a header line now and then
            s.send(b"GET /signin HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        else:                  # slow body: a complete header announcing 1 MB, then a few bytes now and then
            s.send(b"POST /api/v1/users/track HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer as_slow\r\n"
                   b"Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{")
        self.sockets[index] = (s, time.monotonic())

    def closed(self, index):
        """None while the connection is open and unanswered; once nginx closed it (or answered it, e.g. 408, before
        closing), what it answered (b"" for nothing)."""
        s = self.sockets[index][0]
        try:
            return s.recv(4096, socket.MSG_PEEK)
        except BlockingIOError:
            return None
        except OSError:
            return b""

    def loop(self):
        # Each connection sends a few bytes TRICKLE_SECONDS after it was opened or last sent, spread over the
        # period; every 0.2 s each is checked for a close by nginx, which is timed and answered with a new one.
        closed_after, reopened, self.refused = [], 0, 0
        due = {index: time.monotonic() + TRICKLE_SECONDS * (index / max(1, self.n)) for index in self.sockets}
        while not self.stop.wait(0.2):
            for index in list(self.sockets):
                if self.stop.is_set():
                    return closed_after, reopened
                now = time.monotonic()
                try:
                    answer = self.closed(index)
                    if answer is not None:
                        s, opened = self.sockets[index]
                        if answer.startswith(b"HTTP/1.1 429"):
                            self.refused += 1
                        if index % 2 == 0:
                            closed_after.append(now - opened)
                        s.close()
                        reopened += 1
                        self.open(index)
                        due[index] = now + TRICKLE_SECONDS
                    elif due[index] <= now:
                        self.sockets[index][0].send(b"X-Slow: a\r\n" if index % 2 == 0 else b" ")
                        due[index] = now + TRICKLE_SECONDS
                except OSError:
                    pass
        return closed_after, reopened


def test_slow_clients_do_not_starve_normal_traffic(stack):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, SLOW_CLIENTS + 1024)), hard))
    stack.create_user(EMAIL)
    session = stack.signed_in_session(EMAIL)
    keys = session.post(stack.url + "/settings/api-keys", data={"_csrf": csrf_of(session, stack.url + "/settings/api-keys"), "name": "slow"},
                        timeout=10).text
    key = re.search(r'id="new-key-value">([^<]+)<', keys).group(1)
    r = session.post(stack.url + "/canvases", data={"_csrf": csrf_of(session, stack.url + "/canvases"), "name": "Slow"}, allow_redirects=False,
                     timeout=10)
    canvas = r.headers["Location"].rsplit("/", 1)[-1]
    cookies = session.cookies.get_dict()

    def page():        # a new connection each time, signed in
        r = requests.get(stack.url + "/canvases", cookies=cookies, timeout=30, headers={"Connection": "close"})
        return True if r.status_code == 200 and "Slow" in r.text else f"page {r.status_code}"

    def api():
        r = requests.get(stack.url + "/api/v1/canvas/data_summary", params={"canvas_id": canvas}, timeout=30,
                         headers={"Authorization": "Bearer " + key, "Connection": "close"})
        return True if r.status_code == 200 else f"api {r.status_code}"

    fixed_rate([page, api], 2, RATE)      # warm-up
    base, base_failures = fixed_rate([page, api], PHASE_SECONDS, RATE)
    attack = SlowClients(stack.http, SLOW_CLIENTS)
    attack.start()
    try:
        time.sleep(1)
        under, under_failures = fixed_rate([page, api], PHASE_SECONDS, RATE)
        time.sleep(max(0.0, 13 - PHASE_SECONDS - 1))     # long enough for client_header_timeout to fire
    finally:
        attack.finish()

    ms = lambda seconds: round(seconds * 1000, 1)
    figures = {"slow_connections": SLOW_CLIENTS, "attacker_addresses": -(-SLOW_CLIENTS // PER_ADDRESS),
               "rate_per_second": RATE, "seconds_per_phase": PHASE_SECONDS,
               "baseline_p50_ms": ms(statistics.median(base)), "baseline_p99_ms": ms(percentile(base, 99)),
               "attack_p50_ms": ms(statistics.median(under)), "attack_p99_ms": ms(percentile(under, 99)),
               "p99_ratio": round(percentile(under, 99) / percentile(base, 99), 2),
               "p99_ratio_floored": round(percentile(under, 99) / max(percentile(base, 99), P99_FLOOR), 2),
               "normal_failures": len(base_failures) + len(under_failures),
               "slowloris_closed_by_nginx": len(attack.closed_after),
               "slowloris_lifetime_s": round(statistics.median(attack.closed_after), 1) if attack.closed_after else None,
               "slow_connections_held_at_end": attack.held, "slow_connections_refused_429": attack.refused}
    record("slow_clients" if SLOW_CLIENTS < 1000 else f"slow_clients_{SLOW_CLIENTS}", figures)
    print("\nSlow clients:", figures)
    assert not base_failures and not under_failures, (base_failures + under_failures)[:10]
    assert figures["p99_ratio_floored"] <= 2.0, figures
    # Spread over addresses, the attack stays under the per-address limit: nginx holds every slow connection
    # (it refuses none with 429) until a timeout closes it.
    assert attack.refused == 0, figures
    # nginx cuts a trickled header at client_header_timeout (10 s): not before 9 s, and well before the 15 s a
    # reset-per-byte timer would allow.
    assert attack.closed_after and 9 <= figures["slowloris_lifetime_s"] <= 13, figures
