#!/bin/sh
# Makes the cluster on the first start (fsync on, as deployed), then runs PostgreSQL in the foreground.
set -eu
BIN=/usr/lib/postgresql/15/bin
: "${POSTGRES_USER:=fieldapp}" "${POSTGRES_DB:=fieldapp}" "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
  "$BIN/initdb" -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$pwfile" -A scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
  printf "listen_addresses = '*'\nport = %s\n" "${PGPORT:-5432}" >> "$PGDATA/postgresql.conf"
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  "$BIN/pg_ctl" -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  PGPASSWORD="$POSTGRES_PASSWORD" "$BIN/createdb" -h /var/run/postgresql -U "$POSTGRES_USER" "$POSTGRES_DB" 2>/dev/null || true
  "$BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
fi
exec "$BIN/postgres" -D "$PGDATA" -k /tmp
