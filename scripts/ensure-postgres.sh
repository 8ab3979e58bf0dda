#!/usr/bin/env bash
# Make sure the PostgreSQL server the tests use is up; start a local cluster if it is down.
# Fails loudly when it cannot: PostgreSQL tests are never skipped.
set -euo pipefail
host="${PGHOST_FOR_TESTS:-127.0.0.1}"
port="${PGPORT_FOR_TESTS:-5432}"

if pg_isready -q -h "$host" -p "$port" 2>/dev/null; then
  exit 0
fi
echo "PostgreSQL is not answering on $host:$port; starting the local cluster..."
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  version="$(ls /etc/postgresql | sort -V | tail -n 1)"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
fi
for _ in $(seq 1 30); do
  if pg_isready -q -h "$host" -p "$port" 2>/dev/null; then
    echo "PostgreSQL is up."
    exit 0
  fi
  sleep 1
done
echo "ERROR: PostgreSQL is not reachable on $host:$port and could not be started." >&2
echo "Install and start PostgreSQL (user postgres, trust auth on 127.0.0.1), or set" >&2
echo "MATCHDAY_TEST_POSTGRES to a server the tests may create databases on." >&2
exit 1
