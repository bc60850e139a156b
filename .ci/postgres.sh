#!/usr/bin/env bash
# Starts (or reuses) a throwaway PostgreSQL on 127.0.0.1:${PGPORT:-55432}, makes the database
# ${TEST_DB_NAME:-fieldapp_test} in it and prints its URL. `make test` uses .ci/pg-run.sh, which calls this.
# Installs PostgreSQL from Debian's packages when it is missing (needs root, as on CI).
set -euo pipefail
PGPORT=${PGPORT:-55432}
NAME=${TEST_DB_NAME:-fieldapp_test}
DATA=${PGDATA_DIR:-/tmp/fieldapp-pg-$PGPORT}
bin_dir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

if [ -z "$(bin_dir)" ]; then
  if [ "$(id -u)" != 0 ]; then echo "PostgreSQL is not installed and this is not root" >&2; exit 3; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi
BIN=$(bin_dir)
RUN=()
if [ "$(id -u)" = 0 ]; then RUN=(runuser -u postgres --); fi

if ! "${RUN[@]}" "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  rm -rf "$DATA"
  install -d -m 700 "$DATA"
  [ "$(id -u)" = 0 ] && chown postgres "$DATA"
  "${RUN[@]}" "$BIN/initdb" -D "$DATA" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
  "${RUN[@]}" "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
    -o "-p $PGPORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" start >/dev/null
fi
"$BIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$NAME'" \
  | grep -q 1 || "$BIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres "$NAME"
echo "postgresql://postgres@127.0.0.1:$PGPORT/$NAME"
