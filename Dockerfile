# fieldapp behind gunicorn. The base image is a build argument: Debian bookworm, from a registry
# (debian:bookworm-slim) or made without one (deploy/container/make-base.sh: debootstrap + docker import).
#   docker build --build-arg BASE=fieldapp-base:bookworm -t fieldapp .
# Settings come from the environment (or an env file mounted at FIELDAPP_ENV_FILE); see deploy/compose.yaml.
ARG BASE=debian:bookworm-slim
FROM ${BASE}

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      python3 python3-venv postgresql-client ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home-dir /srv/fieldapp --shell /usr/sbin/nologin fieldapp

WORKDIR /srv/fieldapp
# The packages of the hashed lock, exactly. Wheels may be handed in (deploy/container/wheels/, from
# `pip download --no-deps --require-hashes -r requirements.lock -d …`) for a build without PyPI: then
# --build-arg PIP_NO_INDEX=1.
ARG PIP_NO_INDEX=
COPY requirements.lock ./
COPY deploy/container/wheels/ /tmp/wheels/
RUN python3 -m venv .venv \
 && .venv/bin/pip install --no-cache-dir --disable-pip-version-check --find-links /tmp/wheels --require-hashes \
      -r requirements.lock \
 && rm -rf /tmp/wheels
COPY . .
RUN .venv/bin/pybabel --quiet compile -d fieldapp/translations \
 && rm -rf instance && install -d -o fieldapp -g fieldapp -m 700 instance /srv/fieldapp/metrics

USER fieldapp
ENV PATH=/srv/fieldapp/.venv/bin:$PATH \
    FIELDAPP_PRODUCTION=1 \
    GUNICORN_BIND=0.0.0.0:8000 \
    PROMETHEUS_MULTIPROC_DIR=/srv/fieldapp/metrics
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD ["python3", "-c", "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
CMD ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
