# PostgreSQL from Debian's own package on the same base as the app (no registry needed).
# First start: a cluster in /var/lib/postgresql/data with POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB.
ARG BASE=debian:bookworm-slim
FROM ${BASE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/* \
 && install -d -o postgres -g postgres -m 700 /var/lib/postgresql/data
COPY deploy/container/postgres-start.sh /usr/local/bin/postgres-start
ENV PGDATA=/var/lib/postgresql/data
VOLUME /var/lib/postgresql/data
USER postgres
EXPOSE 5432
CMD ["postgres-start"]
