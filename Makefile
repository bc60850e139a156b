# Two commands for a fresh machine: `make run` and `make test`. Each builds what it needs.
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app fieldapp
PORT ?= 5000
HOST ?= 127.0.0.1

.PHONY: run test test-sqlite test-pg lint lock translations upgrade clean

# Installs exactly the hashed lock (requirements-dev.lock holds the runtime packages of requirements.lock and the
# development ones); `make lock` remakes both locks from requirements.txt and requirements-dev.txt.
$(VENV)/.installed: requirements.lock requirements-dev.lock
	@python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "fieldapp needs Python 3.11 or newer (with venv)"; exit 1; }
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	touch $@

PIP_COMPILE = $(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
	--no-emit-find-links
lock: $(VENV)/.installed
	$(PIP_COMPILE) $(LOCK_ARGS) -o requirements.lock requirements.txt
	$(PIP_COMPILE) $(LOCK_ARGS) -o requirements-dev.lock requirements-dev.txt

# ruff and mypy, configured in pyproject.toml; `make test` runs them beside the suite.
LINT_PATHS ?= fieldapp
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check $(LINT_PATHS)
	$(VENV)/bin/mypy $(LINT_PATHS)

translations: $(VENV)/.installed
	$(VENV)/bin/pybabel --quiet compile -d fieldapp/translations

upgrade: $(VENV)/.installed translations
	$(FLASK) db upgrade

run: upgrade
	$(FLASK) seed-demo --if-empty
	@echo "fieldapp: http://127.0.0.1:$(PORT)"
	@if [ "$(HOST)" != "127.0.0.1" ]; then echo "on the LAN: http://$$(hostname -I 2>/dev/null | cut -d' ' -f1):$(PORT) (set FIELDAPP_BASE_URL to it so QR codes open there)"; fi
	@echo "fieldapp: background jobs worker started (imports, large exports); it stops with the app"
	@$(FLASK) worker & worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

# The whole suite on SQLite and, at the same time, on a real PostgreSQL: a database of this run's own
# (.ci/pg-run.sh), on a private server on a free port (stopped afterwards), or on the server at $PGPORT when it
# is set. The two halves run side by side (most of a half's time is waiting on fsync, browsers and servers, not
# CPU); each half's output is printed whole when it ends. `make test-sqlite` or `make test-pg` runs one.
# `make lint` runs beside them (a few seconds of CPU): a ruff or mypy finding fails `make test`.
test:
	@$(MAKE) --no-print-directory -j3 --output-sync=target lint test-sqlite test-pg

test-sqlite: $(VENV)/.installed translations
	$(PY) -m pytest -q $(PYTEST_ARGS)

test-pg: $(VENV)/.installed translations
	bash .ci/pg-run.sh $(PY) -m pytest -q $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
