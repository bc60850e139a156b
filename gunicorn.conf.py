"""gunicorn settings for fieldapp (`gunicorn -c gunicorn.conf.py wsgi:app`); every value can be
overridden by a GUNICORN_* environment variable read here, or on the command line.

Synchronous workers: each request is a short database transaction, and the slow part of a
phone's connection (3G upload and download) is absorbed by nginx buffering in front, so a
worker is never held by a slow client. See docs/deploy.md and docs/performance.md."""
import multiprocessing
import os
import shutil
import tempfile
from pathlib import Path

from fieldapp.settings import gather

# The same env file as every other entry point (FIELDAPP_ENV_FILE, else instance/fieldapp.env), under the
# process environment: GUNICORN_* may be kept there with the app's settings.
_instance = Path(os.environ.get("FIELDAPP_INSTANCE_PATH") or Path(__file__).resolve().parent / "instance")
_settings, _env_file = gather(_instance)
for _name in ("GUNICORN_BIND", "GUNICORN_WORKERS", "GUNICORN_TIMEOUT", "GUNICORN_MAX_REQUESTS", "GUNICORN_ACCESSLOG",
              "GUNICORN_LOGLEVEL", "PROMETHEUS_MULTIPROC_DIR"):
    if _name in _settings:
        os.environ.setdefault(_name, _settings[_name])

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# One worker per core plus one, at most 8: the work is CPU (templates, argon2 at sign-in)
# and database round trips; more workers than that only add memory (~60-70 MB each).
workers = int(os.environ.get("GUNICORN_WORKERS", min(multiprocessing.cpu_count() + 1, 8)))
worker_class = "sync"
# A batch of 200 visits takes well under a second; 30 s only cuts off something stuck.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 30
keepalive = 5  # behind nginx on the same machine
# Recycle workers now and then so a slow leak can never grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 5000))
max_requests_jitter = 500
# The app is loaded in each worker (not preloaded), so no database connection made in the
# master can ever be shared by two forked workers.
preload_app = False
# The app writes one JSON line per request (fieldapp.access: request id, real client IP, masked path), so
# gunicorn's own access log is off unless asked for; when on, its lines are masked the same way.
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
logger_class = "fieldapp.gunicorn_logging.MaskedLogger"
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'

# Prometheus in multiprocess mode: every worker writes its counters under this folder, /metrics adds them up.
# Set before any worker imports prometheus_client; emptied at start; a dead worker's live gauges dropped.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="fieldapp-metrics-"))
os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], mode=0o700, exist_ok=True)  # systemd makes /run/fieldapp only


def on_starting(server):
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder, mode=0o700, exist_ok=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess
    multiprocess.mark_process_dead(worker.pid)
# systemd reloads with HUP; no control socket in the home folder (read-only under the unit's ProtectSystem,
# and shared by every gunicorn of a user).
control_socket_disable = True
# The real client address comes from nginx (FIELDAPP_PROXY_FIX=1 in the app).
forwarded_allow_ips = "127.0.0.1"
