"""Jobs: what each kind does, and the runner the worker calls (and tests call inline).

A job kind is a function (job, progress) registered with @job_kind: it does its work in the session's
transaction and puts its outcome on the job (`result`, a file); the runner commits the work and the
job's end together, so a job stopped half-way leaves nothing behind and is simply run again. A
`JobRefused` is an answer for the user (the file has changed since its preview…), not a crash.
"""
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from ..extensions import db
from ..models import Area, Job, JobState, User
from ..timeutil import utcnow
from ..unit_of_work import after_commit
from . import store

log = logging.getLogger(__name__)
KINDS: dict[str, Callable] = {}
MAX_ATTEMPTS = 3          # a job whose worker died this many times is given up (it may be what kills it)
PROGRESS_EVERY = 0.5      # seconds between two progress reports


class JobRefused(Exception):
    """The job cannot be done as asked; the message is for the user, in Vietnamese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def job_kind(name: str):
    def register(fn):
        KINDS[name] = fn
        return fn
    return register


def submit(user: User, kind: str, params: dict, area: Area | None) -> Job:
    """A new job in the request's transaction, handed to the worker once the request's writes are committed."""
    if kind not in KINDS:
        raise ValueError(kind)
    job = Job(id=str(uuid.uuid4()), kind=kind, user_id=user.id, area_path=area.path if area else "",
              params=params, state=JobState.QUEUED, created_at=utcnow())
    db.session.add(job)
    db.session.flush()
    job_id = job.id
    after_commit(lambda: start(job_id))
    return job


def start(job_id: str) -> None:
    """Hand a committed job to the worker (JOBS_INLINE, for tests and benchmarks: run it here and now)."""
    if current_app.config.get("JOBS_INLINE"):
        run(job_id)
        return
    try:
        store.enqueue(job_id)
    except Exception:  # the worker's sweep enqueues it again; the user sees it waiting meanwhile
        log.exception("job %s: enqueue failed", job_id)


class Progress:
    """progress(done, total, step=None): told to the worker's reporter at most every PROGRESS_EVERY seconds."""

    def __init__(self, report: Callable[[dict], None] | None):
        self.report, self.last = report, 0.0
        self.state: dict[str, Any] = {"done": 0, "total": 0, "step": None}

    def __call__(self, done: int, total: int | None = None, step: str | None = None, force: bool = False) -> None:
        self.state = {"done": done, "total": total if total is not None else self.state["total"],
                      "step": step if step is not None else self.state["step"]}
        now = time.monotonic()
        if self.report and (force or now - self.last >= PROGRESS_EVERY):
            self.last = now
            self.report(dict(self.state))


def run(job_id: str, report: Callable[[dict], None] | None = None) -> str:
    """Run one job to its end (done or failed) and return its state. Idempotent: a finished job is left
    as it is, so the worker may run a job again after a restart without doing it twice."""
    job = db.session.get(Job, job_id)
    if job is None or job.state in JobState.FINISHED:
        db.session.rollback()
        return job.state if job else "missing"
    if job.attempts >= MAX_ATTEMPTS:
        return _finish(job_id, JobState.FAILED, error=_("Công việc bị dừng giữa chừng nhiều lần; hãy thử lại sau."))
    job.state, job.attempts, job.started_at, job.updated_at = JobState.RUNNING, job.attempts + 1, utcnow(), utcnow()
    db.session.commit()
    progress = Progress(report)
    progress(0, 0, _("Đang bắt đầu…"), force=True)
    job = db.session.get(Job, job_id)
    assert job is not None  # committed above
    try:
        KINDS[job.kind](job, progress)
        job.state, job.finished_at, job.updated_at = JobState.DONE, utcnow(), utcnow()
        job.done, job.total = progress.state["done"], progress.state["total"]
        db.session.commit()
    except JobRefused as err:
        db.session.rollback()
        return _finish(job_id, JobState.FAILED, error=err.message)
    except Exception:
        db.session.rollback()
        log.exception("job %s (%s) failed", job_id, job.kind)
        return _finish(job_id, JobState.FAILED, error=_("Có lỗi khi thực hiện; chưa có gì được ghi. Hãy thử lại "
                                                         "hoặc báo quản trị."))
    progress(progress.state["done"], progress.state["total"], force=True)
    return JobState.DONE


def _finish(job_id: str, state: str, *, error: str | None = None) -> str:
    job = db.session.get(Job, job_id)
    assert job is not None  # callers found it
    job.state, job.error, job.finished_at, job.updated_at = state, error, utcnow(), utcnow()
    db.session.commit()
    return state


def user_of(job: Job) -> User:
    user = db.session.get(User, job.user_id)
    if user is None or not user.active:
        raise JobRefused(_("Tài khoản đã yêu cầu công việc này không còn hoạt động."))
    return user


def area_of(job: Job, area_id: int) -> Area:
    area = db.session.get(Area, area_id)
    if area is None:
        raise JobRefused(_("Không tìm thấy địa bàn."))
    return area


