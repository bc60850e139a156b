"""Real gunicorn processes for tests that need more than one app process (hosts, workers, logs)."""
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url_of(app) -> str:
    from fieldapp.extensions import db
    with app.app_context():
        return db.engine.url.render_as_string(hide_password=False)


@contextmanager
def gunicorn(database_url: str, instance: Path, *, workers: int = 1, log: Path | None = None, **env):
    """gunicorn with the repository's gunicorn.conf.py; yields its base URL; stopped afterwards."""
    port = free_port()
    instance.mkdir(parents=True, exist_ok=True)
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("FIELDAPP_", "GUNICORN_", "PROMETHEUS_"))}
    environ.update(DATABASE_URL=database_url, FIELDAPP_INSTANCE_PATH=str(instance),
                   FIELDAPP_SECRET_KEY="two-hosts-share-this-key", GUNICORN_BIND=f"127.0.0.1:{port}",
                   GUNICORN_WORKERS=str(workers), **env)
    out = open(log, "w") if log else subprocess.DEVNULL
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                            cwd=ROOT, env=environ, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(base + "/healthz", timeout=10).status_code in (200, 503):
                    break
            except requests.RequestException:
                pass  # not listening yet, or the first request still loading the app on a busy machine
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start (exit {proc.poll()}); see {log}")
            time.sleep(0.2)
        yield base
    finally:
        stop(proc)
        if log:
            out.close()


def stop(proc: subprocess.Popen) -> None:
    """As systemd stops a service: SIGTERM, then SIGKILL if it has not ended within 20 s."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _worker_env(database_url: str, instance: Path, **env) -> dict:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("FIELDAPP_", "GUNICORN_", "PROMETHEUS_"))}
    environ.update(DATABASE_URL=database_url, FIELDAPP_INSTANCE_PATH=str(instance),
                   FIELDAPP_SECRET_KEY="two-hosts-share-this-key", **env)
    return environ


def start_worker(database_url: str, instance: Path, log: Path, app: str = "fieldapp", **env) -> subprocess.Popen:
    """`flask --app fieldapp worker` (the background jobs) on that database, writing to log."""
    instance.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", app, "worker"], cwd=ROOT,
                            env=_worker_env(database_url, instance, **env), stdout=open(log, "a"),
                            stderr=subprocess.STDOUT)


def wait_ready(proc: subprocess.Popen, log: Path, since: int = 0, timeout: float = 60) -> None:
    """Until the worker has said "ready" in its log after byte `since` (DBOS launched, its tables made)."""
    deadline = time.monotonic() + timeout
    while "fieldapp worker: ready" not in log.read_text(errors="replace")[since:]:
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the worker did not start (exit {proc.poll()}): {log.read_text()[-2000:]}")
        time.sleep(0.2)


@contextmanager
def worker(database_url: str, instance: Path, log: Path | None = None, **env):
    log = log or instance / "worker.log"
    proc = start_worker(database_url, instance, log, **env)
    try:
        wait_ready(proc, log)
        yield proc
    finally:
        stop(proc)


def wait_for_job(get, status_url: str, *, until=("done", "failed"), timeout: float = 90) -> dict:
    """Poll a job's /jobs/<id>.json (get: a function returning the response) until its state is in `until`."""
    deadline = time.monotonic() + timeout
    while True:
        state = get(status_url).json()
        if state["state"] in until:
            return state
        if time.monotonic() > deadline:
            raise AssertionError(f"job still {state} after {timeout}s")
        time.sleep(0.3)
