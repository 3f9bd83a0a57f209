# AudienceSync: two commands do everything on a fresh Debian 12 machine.
#   make run    build, migrate, start the partner sandbox, the app and nginx (foreground; Ctrl-C stops)
#   make test   unit, integration (real FastCGI + nginx + SQLite + libcurl) and browser tests
#   make bench  release-build figures against the sandbox through nginx (not part of make test); BENCH=figure runs one
SHELL := /bin/bash
.DEFAULT_GOAL := help
SWIFT_BUILD_FLAGS ?=
BENCH ?=

.PHONY: help deps test-deps bench-deps build run test test-swift test-e2e test-fuzz test-crash fuzz-parsers bench clean

help:
	@echo "make run   - start AudienceSync with the partner sandbox on http://127.0.0.1:8080"
	@echo "make test  - run the whole test suite"
	@echo "make test-fuzz - fuzz every dashboard form (10,000 submissions) and the REST API from its OpenAPI document (schemathesis)"
	@echo "make test-crash - kill -9 the app in every pipeline phase over a 1,000,000-user run (CRASH_USERS, CRASH_KILLS to shrink)"
	@echo "make fuzz-parsers - libFuzzer on the FastCGI request parsing and the CSV row parser (FUZZ_SECONDS each, default 60)"
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

# The crash matrix: kill -9 in every phase of the pipeline (Tests/reliability/test_crash_matrix.py); figures in
# test-output/crash.json. Not part of `make test`.
test-crash: test-deps
	swift build $(SWIFT_BUILD_FLAGS)
	.venv-test/bin/python -m pytest -q -s Tests/reliability/test_crash_matrix.py

# libFuzzer (+ AddressSanitizer) on the request and CSV parsers; seeds in Tests/Fixtures/fuzz/. Not part of `make test`.
FUZZ_SECONDS ?= 60
fuzz-parsers:
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz-parsers.sh

# Figures of a release build on this machine; see README.md "Benchmarks". Not part of `make test`.
bench: bench-deps
	swift build -c release $(SWIFT_BUILD_FLAGS)
	.venv-bench/bin/python scripts/bench/bench.py $(BENCH)

clean:
	rm -rf .build test-output
