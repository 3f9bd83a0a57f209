#!/usr/bin/env bash
# `make run`: builds, migrates, starts the partner sandbox, the app and nginx, prints the URL and the demo
# login, and stays in the foreground; Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
data="${AUDIENCESYNC_DATA_DIR:-./var}"
http="${AUDIENCESYNC_HTTP_PORT:-8080}"
sandbox="${AUDIENCESYNC_SANDBOX_PORT:-8081}"
mkdir -p "$data"
export AUDIENCESYNC_DATA_DIR="$data"
bin=".build/debug/audiencesync"

# The demo admin: given by the environment, else a password made once and kept in the data folder.
email="${AUDIENCESYNC_ADMIN_EMAIL:-admin@example.com}"
if [ -n "${AUDIENCESYNC_ADMIN_PASSWORD:-}" ]; then
  password="$AUDIENCESYNC_ADMIN_PASSWORD"
else
  [ -s "$data/demo-password" ] || (umask 077; head -c 18 /dev/urandom | base64 | tr '+/' 'xy' >"$data/demo-password")
  password="$(cat "$data/demo-password")"
fi
printf '%s\n' "$password" | "$bin" admin create-user --workspace "Demo workspace" --email "$email" --password-stdin --role admin --replace-existing >/dev/null

trap 'echo; echo "Stopping…"; scripts/stack.sh stop "$data"; exit 0' INT TERM
scripts/stack.sh start "$data" "$http" "$sandbox"
base="${AUDIENCESYNC_BASE_URL:-http://127.0.0.1:$http}"
cat <<TXT

  AudienceSync is running.

    Dashboard:        $base
    Sign in as:       $email
    Password:         $password
    Partner sandbox:  ${AUDIENCESYNC_SANDBOX_URL:-http://127.0.0.1:$sandbox}  (emulated Facebook and friends)

  Logs are in $data/logs/. Press Ctrl-C to stop.

TXT
# Stay in the foreground while the three processes live.
while kill -0 "$(cat "$data/app.pid")" 2>/dev/null && kill -0 "$(cat "$data/nginx.pid")" 2>/dev/null \
      && kill -0 "$(cat "$data/sandbox.pid")" 2>/dev/null; do sleep 1; done
echo "A process stopped; see $data/logs/. Stopping the rest."
scripts/stack.sh stop "$data"
exit 1
