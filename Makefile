# AudienceSync: two commands do everything on a fresh Debian 12 machine.
#   make run    build, migrate, start the partner sandbox, the app and nginx (foreground; Ctrl-C stops)
#   make test   unit, integration (real FastCGI + nginx + SQLite + libcurl) and browser tests
SHELL := /bin/bash
.DEFAULT_GOAL := help
SWIFT_BUILD_FLAGS ?=

.PHONY: help deps test-deps build run test test-swift test-e2e clean

help:
	@echo "make run   - start AudienceSync with the partner sandbox on http://127.0.0.1:8080"
	@echo "make test  - run the whole test suite"

deps:
	@scripts/install-deps.sh

test-deps:
	@scripts/install-deps.sh test

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

clean:
	rm -rf .build test-output
