#!/usr/bin/env bash
# Set up and run the whole test suite: lint, types, then pytest on SQLite and PostgreSQL.
# Extra arguments go to pytest (for example: scripts/test.sh -k team).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup-env.sh

ensure_venv "[dev]"
scripts/ensure-postgres.sh
# The browser test drives Debian's Chromium through Playwright (never a downloaded browser).
if ! command -v chromium >/dev/null 2>&1; then
  echo "== installing chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-cache show chromium >/dev/null 2>&1 || apt-get update -qq
  apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null
fi

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== mypy"
.venv/bin/mypy bot handlers storage worker webapi sandbox showcase tests benchmarks
echo "== pytest"
set +e
# Two pytest processes by default (MATCHDAY_TEST_WORKERS=0 runs in this one): each has its
# own PostgreSQL database, servers and ports.
.venv/bin/python -m pytest -n "${MATCHDAY_TEST_WORKERS:-2}" "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure, not a pass." >&2
  exit 1
fi
exit "$status"
