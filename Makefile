# AudienceSync: two commands do everything on a fresh Debian 12 machine.
#   make run    build, migrate, start the partner sandbox, the app and nginx (foreground; Ctrl-C stops)
#   make test   unit, integration (real FastCGI + nginx + SQLite + libcurl) and browser tests
#   make bench  release-build figures against the sandbox through nginx (not part of make test); BENCH=figure runs one
SHELL := /bin/bash
.DEFAULT_GOAL := help
SWIFT_BUILD_FLAGS ?=
BENCH ?=

.PHONY: help deps test-deps bench-deps build run test test-swift test-e2e test-fuzz test-security test-faults test-crash fuzz-parsers bench soak clean

help:
	@echo "make run   - start AudienceSync with the partner sandbox on http://127.0.0.1:8080"
	@echo "make test  - run the whole test suite"
	@echo "make test-fuzz - fuzz every dashboard form (10,000 submissions) and the REST API from its OpenAPI document (schemathesis)"
	@echo "make test-security - the security suite through nginx: CSRF, isolation, OAuth state, redirects, secrets, headers, sign-in (figures in test-output/security.json)"
	@echo "make soak  - soak the stack under steady load with app restarts (MINUTES=30, SOAK_RESTART_MINUTES=10); writes test-output/soak.svg"
	@echo "make test-crash - kill -9 the app in every pipeline phase over a 1,000,000-user run (CRASH_USERS, CRASH_KILLS to shrink)"
	@echo "make fuzz-parsers - libFuzzer on the FastCGI request parsing and the CSV row parser (FUZZ_SECONDS each, default 60)"
	@echo "make test-faults - fault matrix (10,000 users per row; FAULT_USERS=n), 14-hour outage in compressed time, disk full and read-only data directory (root)"
	@echo "make bench - benchmark a release build (BENCH=ingest|throughput|pages|latency|memory|partners|segments|import|sandbox for one figure)"

deps:
	@scripts/install-deps.sh

test-deps:
	@scripts/install-deps.sh test

bench-deps:
	@scripts/install-deps.sh bench

build: deps
	swift build $(SWIFT_BUILD_FLAGS)

run: build
	@scripts/run.sh

test: test-deps
	swift build --build-tests $(SWIFT_BUILD_FLAGS)
	@# fuzz-parsers compiles a hand-listed set of sources: built and run for 5 s each here so the list cannot rot.
	$(MAKE) --no-print-directory test-swift fuzz-parsers test-e2e FUZZ_SECONDS=5

test-swift:
	swift test --skip-build

test-e2e:
	.venv-test/bin/python -m pytest -q Tests/e2e

# Every dashboard form fuzzed with 10,000 submissions (make test sends 400).
test-fuzz: test-deps
	swift build $(SWIFT_BUILD_FLAGS)
	rm -f test-output/fuzz.json
	FUZZ_FORMS=10000 FUZZ_API=1500 .venv-test/bin/python -m pytest -q Tests/e2e/test_form_fuzz.py Tests/e2e/test_api_fuzz.py
	@echo "fuzz figures (test-output/fuzz.json):" && cat test-output/fuzz.json

# The security suite alone (it also runs inside make test-e2e); figures in test-output/security.json.
test-security: test-deps
	swift build $(SWIFT_BUILD_FLAGS)
	.venv-test/bin/python -m pytest -q Tests/e2e/test_sec_*.py

# The crash matrix: kill -9 in every phase of the pipeline (Tests/reliability/test_crash_matrix.py); figures in
# test-output/crash.json. Not part of `make test`.
test-crash: test-deps
	swift build $(SWIFT_BUILD_FLAGS)
	.venv-test/bin/python -m pytest -q -s Tests/reliability/test_crash_matrix.py

# libFuzzer (+ AddressSanitizer) on the request and CSV parsers; seeds in Tests/Fixtures/fuzz/. Not part of `make test`.
FUZZ_SECONDS ?= 60
fuzz-parsers:
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz-parsers.sh

# Partner faults, a 14-hour outage in compressed time, and a full / read-only data directory (needs root for the tmpfs).
# Also: ingest and page latency during a partner outage. Not part of `make test`; figures in test-output/faults.{json,md},
# test-output/disk.json and test-output/outage.json.
test-faults: test-deps
	swift build --build-tests $(SWIFT_BUILD_FLAGS)
	@status=0; .venv-test/bin/python Tests/reliability/faults.py || status=1; \
	  .venv-test/bin/python -m pytest -q -s Tests/reliability/test_disk.py Tests/reliability/test_outage_latency.py || status=1; exit $$status

# Figures of a release build on this machine; see README.md "Benchmarks". Not part of `make test`.
bench: bench-deps
	swift build -c release $(SWIFT_BUILD_FLAGS)
	.venv-bench/bin/python scripts/bench/bench.py $(BENCH)

# Steady mixed load for MINUTES with an app restart every SOAK_RESTART_MINUTES; fails on a lost user or RSS/FD growth.
# Not part of `make test`.
MINUTES ?= 30
SOAK_RESTART_MINUTES ?= 10
soak: test-deps
	swift build $(SWIFT_BUILD_FLAGS)
	SOAK_MINUTES=$(MINUTES) SOAK_RESTART_MINUTES=$(SOAK_RESTART_MINUTES) .venv-test/bin/python Tests/reliability/soak.py

clean:
	rm -rf .build test-output
