#!/usr/bin/env bash
# Set up and run Matchday: SQLite in ./data by default, HTTP mode under gunicorn on port 3000,
# or Socket Mode when SLACK_APP_TOKEN is set. Reads settings from the environment and .env.
# With no Slack tokens at all it starts the local sandbox (a Slack in the browser) instead.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup-env.sh

if [ -f .env ]; then
  set -a
  # shellcheck disable=SC1091
  source .env
  set +a
fi
ensure_venv ""
if [ -z "${SLACK_BOT_TOKEN:-}" ] && [ -z "${SLACK_APP_TOKEN:-}" ]; then
  echo "No Slack tokens configured (SLACK_BOT_TOKEN, SLACK_APP_TOKEN): starting the local sandbox."
  exec .venv/bin/matchday sandbox --port "${PORT:-3000}" "$@"
fi
.venv/bin/matchday db upgrade
if [ -n "${SLACK_APP_TOKEN:-}" ]; then
  exec .venv/bin/matchday socket
fi
exec .venv/bin/matchday serve --port "${PORT:-3000}" "$@"
