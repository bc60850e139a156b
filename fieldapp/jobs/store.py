"""The job library, DBOS (dbos-transact): a durable queue and the recovery of interrupted work, kept in a
database, with no broker or other service to run (why this one: docs/deploy.md, "Background jobs").

- Where DBOS keeps its tables: on PostgreSQL the app's own database, schema `dbos` (every app host and
  the worker see the same queue, and the nightly pg_dump holds it); with SQLite (`make run`, pilots) a
  file beside the app's, `<database>-jobs`. JOBS_DATABASE_URL overrides both.
- The web app only enqueues (a DBOSClient: no thread, no recovery) and reads a running job's progress;
  `flask --app fieldapp worker` runs the queue. A workflow is enqueued with the job's id as its id, so
  enqueueing again is harmless: the worker's sweep does it for jobs that wait too long.
- A job runs as one DBOS step; if the worker stops before the step is recorded, DBOS runs the workflow
  again when a worker starts (the job's runner skips a job already finished). APP_VERSION is fixed so a
  deploy does not orphan jobs queued by the previous code: change it only if run_job's arguments change.
"""
import logging
import threading
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.engine import make_url

from ..extensions import db
from ..models import Job, JobState
from ..timeutil import utcnow

QUEUE = "fieldapp-jobs"
WORKFLOW = "fieldapp.run_job"
APP_NAME = "fieldapp"
APP_VERSION = "fieldapp-jobs-1"
PROGRESS = "progress"
SWEEP_SECONDS = 15
STALE_QUEUED = timedelta(seconds=30)   # a job queued this long is enqueued again (an enqueue lost after the commit)
KEEP_FINISHED = timedelta(days=7)      # finished jobs (and their files) are deleted after this
log = logging.getLogger(__name__)
_clients: dict[str, object] = {}
_lock = threading.Lock()


def store_url(app=None) -> str:
    app = app or current_app
    explicit = app.config.get("JOBS_DATABASE_URL")
    if explicit:
        return explicit
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise RuntimeError("background jobs need a database file (or JOBS_DATABASE_URL)")
        return f"sqlite:///{Path(url.database).resolve()}-jobs"
    return url.render_as_string(hide_password=False)


def client(app=None):
    """This process's DBOSClient for the store (one pool per process, made on first use)."""
    url = store_url(app)
    with _lock:
        if url not in _clients:
            from dbos import DBOSClient
            _clients[url] = DBOSClient(system_database_url=url, application_name=APP_NAME)
        return _clients[url]


def migrate(app=None) -> None:
    """Create or upgrade DBOS's tables (`flask db upgrade` calls this; the worker does it too at start)."""
    from dbos._serialization import DefaultSerializer
    from dbos._sys_db import SystemDatabase
    sys_db = SystemDatabase.create(system_database_url=store_url(app), engine_kwargs={}, engine=None,
                                   schema=None, serializer=DefaultSerializer(), executor_id=None)
    try:
        sys_db.run_migrations()
    finally:
        sys_db.destroy()


def enqueue(job_id: str) -> None:
    """Never migrates (no DDL in a web request): `flask db upgrade` and the worker's start make the tables."""
    client().enqueue({"queue_name": QUEUE, "workflow_name": WORKFLOW, "workflow_id": job_id,
                      "app_version": APP_VERSION}, job_id)


def progress_of(job_id: str) -> dict | None:
    """The last progress a running job reported ({done, total, step}), or None."""
    try:
        return client().get_event(job_id, PROGRESS, timeout_seconds=0)
    except Exception:  # the page still shows the job's state
        log.exception("job %s: progress unreadable", job_id)
        return None


def sweep(now=None) -> None:
    """Enqueue again the jobs left waiting (harmless if DBOS has them); delete finished jobs past KEEP_FINISHED."""
    now = now or utcnow()
    waiting = list(db.session.scalars(select(Job.id).where(Job.state == JobState.QUEUED,
                                                           Job.created_at < now - STALE_QUEUED)))
    old = list(db.session.scalars(select(Job).where(Job.state.in_(JobState.FINISHED),
                                                    Job.finished_at < now - KEEP_FINISHED)))
    for job in old:
        db.session.delete(job)
    db.session.commit()
    for job_id in waiting:
        try:
            enqueue(job_id)
        except Exception:
            log.exception("job %s: enqueue failed", job_id)
