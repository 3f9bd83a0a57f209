# AudienceSync: two commands do everything on a fresh Debian 12 machine.
#   make run    build, migrate, start the partner sandbox, the app and nginx (foreground; Ctrl-C stops)
#   make test   unit, integration (real FastCGI + nginx + SQLite + libcurl) and browser tests
#   make bench  release-build figures against the sandbox through nginx (not part of make test); BENCH=figure runs one
SHELL := /bin/bash
.DEFAULT_GOAL := help
SWIFT_BUILD_FLAGS ?=
BENCH ?=

.PHONY: help deps test-deps bench-deps build run test test-swift test-e2e test-fuzz test-faults bench clean

help:
	@echo "make run   - start AudienceSync with the partner sandbox on http://127.0.0.1:8080"
	@echo "make test  - run the whole test suite"
	@echo "make test-fuzz - fuzz every dashboard form (10,000 submissions) and the REST API from its OpenAPI document (schemathesis)"
	@echo "make test-faults - fault matrix (10,000 users per row; FAULT_USERS=n), 14-hour outage in compressed time, disk full and read-only data directory (root)"
	@echo "make bench - benchmark a release build (BENCH=ingest|throughput|pages|latency|memory|partners|segments|import for one figure)"

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
	$(MAKE) --no-print-directory test-swift test-e2e

test-swift:
	swift test --skip-build

test-e2e:
	.venv-test/bin/python -m pytest -q Tests/e2e

# Every dashboard form fuzzed with 10,000 submissions (make test sends 400).
test-fuzz: test-deps
	swift build $(SWIFT_BUILD_FLAGS)
	FUZZ_FORMS=10000 FUZZ_API=1500 .venv-test/bin/python -m pytest -q Tests/e2e/test_form_fuzz.py Tests/e2e/test_api_fuzz.py

# Partner faults, a 14-hour outage in compressed time, and a full / read-only data directory (needs root for the tmpfs).
# Not part of `make test`; figures in test-output/faults.{json,md} and test-output/disk.json.
test-faults: test-deps
	swift build --build-tests $(SWIFT_BUILD_FLAGS)
	@status=0; .venv-test/bin/python Tests/reliability/faults.py || status=1; \
	  .venv-test/bin/python -m pytest -q -s Tests/reliability/test_disk.py || status=1; exit $$status

# Figures of a release build on this machine; see README.md "Benchmarks". Not part of `make test`.
bench: bench-deps
	swift build -c release $(SWIFT_BUILD_FLAGS)
	.venv-bench/bin/python scripts/bench/bench.py $(BENCH)

clean:
	rm -rf .build test-output
