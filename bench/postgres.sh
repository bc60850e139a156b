#!/usr/bin/env bash
# A PostgreSQL server for the benchmarks with the settings docs/deploy.md gives a production server
# (fsync and synchronous_commit on, shared_buffers 512MB, effective_cache_size 1536MB, random_page_cost 1.1 for an
# SSD, max_connections 50),
# not the test suite's throwaway one (.ci/postgres.sh turns fsync off). Prints the server's URL.
#   bash bench/postgres.sh [PORT] [DATA_DIR]      # defaults: 55457, /tmp/fieldapp-bench-pg-PORT
# Keep DATA_DIR outside the repository: a province-sized database takes several GB.
set -euo pipefail
PORT=${1:-55457}
DATA=${2:-/tmp/fieldapp-bench-pg-$PORT}
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$BIN" ] || { echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 3; }
RUN=()
if [ "$(id -u)" = 0 ]; then RUN=(runuser -u postgres --); fi
if ! "${RUN[@]}" "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  if [ ! -f "$DATA/PG_VERSION" ]; then
    install -d -m 700 "$DATA"
    [ "$(id -u)" = 0 ] && chown postgres "$DATA"
    # C.UTF-8 is not the C collation for the planner: a prefix LIKE cannot use a plain b-tree index.
    "${RUN[@]}" "$BIN/initdb" -D "$DATA" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  "${RUN[@]}" "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -o "-p $PORT -k /tmp -c listen_addresses=127.0.0.1 \
    -c fsync=on -c synchronous_commit=on -c full_page_writes=on -c shared_buffers=512MB \
    -c effective_cache_size=1536MB -c random_page_cost=1.1 -c max_connections=50" start >/dev/null
fi
echo "postgresql://postgres@127.0.0.1:$PORT/postgres"
