#!/usr/bin/env bash
# Starts or stops the whole stack (partner sandbox, app, nginx) in the background for one data folder.
#   scripts/stack.sh start DATA_DIR HTTP_PORT SANDBOX_PORT
#   scripts/stack.sh stop DATA_DIR
#   scripts/stack.sh app DATA_DIR HTTP_PORT SANDBOX_PORT   (re)starts only the app, e.g. after a kill -9
# Used by `make run` (foreground wrapper) and by the end-to-end tests (their own folder and ports).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${AUDIENCESYNC_BIN:-$(pwd)/.build/debug/audiencesync}"
cmd="${1:?start or stop}"; data="${2:?data folder}"
mkdir -p "$data"
data="$(cd "$data" && pwd)"

stop() {
  for name in nginx app sandbox; do
    pidfile="$data/$name.pid"
    [ -f "$pidfile" ] || continue
    pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
  done
}

authority() {  # a URL's host[:port]: nginx answers only the hosts of BASE_URL and SANDBOX_URL (N-4)
  local rest="${1#*://}"
  echo "${rest%%/*}"
}

wait_for() {  # url, what, Host header
  for _ in $(seq 1 150); do
    curl -fsS -o /dev/null --max-time 2 -H "Host: $3" "$1" 2>/dev/null && return 0
    sleep 0.2
  done
  echo "$2 did not come up at $1; see $data/logs/" >&2
  return 1
}

environment() {
  http="${3:?http port}"; sandbox="${4:?sandbox port}"
  export AUDIENCESYNC_DATA_DIR="$data"
  export AUDIENCESYNC_HTTP_PORT="$http" AUDIENCESYNC_SANDBOX_PORT="$sandbox"
  export AUDIENCESYNC_BASE_URL="${AUDIENCESYNC_BASE_URL:-http://127.0.0.1:$http}"
  export AUDIENCESYNC_SANDBOX_URL="${AUDIENCESYNC_SANDBOX_URL:-http://127.0.0.1:$sandbox}"
  export AUDIENCESYNC_TEMPLATES_DIR="${AUDIENCESYNC_TEMPLATES_DIR:-$(pwd)/Templates}"
  export AUDIENCESYNC_PUBLIC_DIR="${AUDIENCESYNC_PUBLIC_DIR:-$(pwd)/Public}"
}

start_app() {
  "$BIN" serve >>"$data/logs/app.log" 2>&1 &
  local pid=$!
  # A pid file that cannot be written would leave an app nobody can stop: give it 5 s to refuse by itself (it checks
  # its data folder first), then stop it.
  if ! echo "$pid" >"$data/app.pid"; then
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill "$pid" 2>/dev/null && echo "cannot write $data/app.pid: the app was still running and was stopped" >&2
    return 1
  fi
  wait_for "http://127.0.0.1:$http/healthz" "the dashboard" "$(authority "$AUDIENCESYNC_BASE_URL")"
}

start() {
  environment "$@"
  stop
  mkdir -p "$data/logs" "$data/nginx"
  "$BIN" migrate >/dev/null
  "$BIN" nginx-config --template nginx/nginx.conf.template --output "$data/nginx/nginx.conf" --prefix "$data/nginx"
  "$BIN" sandbox >>"$data/logs/sandbox.log" 2>&1 & echo $! >"$data/sandbox.pid"
  nginx -c "$data/nginx/nginx.conf" -p "$data/nginx" >>"$data/logs/nginx.log" 2>&1 & echo $! >"$data/nginx.pid"
  wait_for "http://127.0.0.1:$sandbox/" "the partner sandbox" "$(authority "$AUDIENCESYNC_SANDBOX_URL")"
  start_app
}

case "$cmd" in
  start) start "$@" ;;
  stop) stop ;;
  app) environment "$@"; start_app ;;
  *) echo "usage: $0 start DATA_DIR HTTP_PORT SANDBOX_PORT | app DATA_DIR HTTP_PORT SANDBOX_PORT | stop DATA_DIR" >&2; exit 2 ;;
esac
