#!/usr/bin/env bash
# Runs a command (the test suite) with TEST_DATABASE_URL set to a PostgreSQL database made for this run
# alone, and drops it afterwards, so two runs on one machine never meet.
#   PGPORT unset: a private server on a free port, in its own folder, stopped and removed afterwards.
#   PGPORT=<port>: the server on that port (started by .ci/postgres.sh when needed and left running for the
#   next focused run); only this run's database is dropped.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin_dir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
export TEST_DB_NAME="fieldapp_test_$$_${RANDOM}"
own_server=0
if [ -z "${PGPORT:-}" ]; then
  PGPORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  PGDATA_DIR=$(mktemp -d /tmp/fieldapp-pg-run.XXXXXX)
  export PGDATA_DIR
  own_server=1
fi
export PGPORT

cleanup() {
  local bin
  bin=$(bin_dir)
  if [ "$own_server" = 1 ]; then
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$bin/pg_ctl" -D "$PGDATA_DIR" -m immediate -w stop >/dev/null 2>&1 || true
    else "$bin/pg_ctl" -D "$PGDATA_DIR" -m immediate -w stop >/dev/null 2>&1 || true; fi
    rm -rf "$PGDATA_DIR"
  elif [ -n "$bin" ]; then
    "$bin/dropdb" -h 127.0.0.1 -p "$PGPORT" -U postgres --if-exists --force "$TEST_DB_NAME" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT
url=$(bash "$here/postgres.sh")
echo "PostgreSQL for this run: $url" >&2
TEST_DATABASE_URL=$url "$@"
