from typing import Any

from flask import abort, render_template, url_for
from flask_login import current_user, login_required

from ..access import can_view_job
from ..extensions import db
from ..models import Job, JobState
from ..spreadsheets import download as file_response
from . import bp
from .store import progress_of


def job_or_404(job_id: str) -> Job:
    job = db.session.get(Job, job_id) if len(job_id) <= 36 else None
    if job is None or not can_view_job(current_user, job):
        abort(404)
    return job


def _progress(job: Job) -> dict:
    """What the bar shows: the worker's last report while the job runs, the job's own figures otherwise."""
    state: dict[str, Any] = {"done": job.done, "total": job.total, "step": job.step}
    if job.state == JobState.RUNNING:
        state.update(progress_of(job.id) or {})
    percent = 100 if job.state == JobState.DONE else (
        min(99, state["done"] * 100 // state["total"]) if state.get("total") else None)
    return {**state, "percent": percent}


def _back(job: Job) -> tuple[str, str] | None:
    back = (job.result or {}).get("back") or job.params.get("back")
    if not back:
        return None
    endpoint, values, label = back
    return url_for(endpoint, **values), label


@bp.get("/jobs/<job_id>")
@login_required
def show(job_id: str):
    job = job_or_404(job_id)
    return render_template("jobs/show.html", job=job, progress=_progress(job), back=_back(job),
                           finished=job.state in JobState.FINISHED)


@bp.get("/jobs/<job_id>.json")
@login_required
def status(job_id: str):
    job = job_or_404(job_id)
    progress = _progress(job)
    return {"id": job.id, "kind": job.kind, "state": job.state, "done": progress["done"], "total": progress["total"],
            "percent": progress["percent"], "step": progress["step"], "error": job.error,
            "result": (job.result or {}).get("summary"),
            "download": url_for("jobs.download", job_id=job.id) if job.file_data is not None else None}


@bp.get("/jobs/<job_id>/download")
@login_required
def download(job_id: str):
    job = job_or_404(job_id)
    if job.state != JobState.DONE or job.file_data is None:
        abort(404)
    assert job.file_name is not None and job.file_type is not None  # written with file_data
    return file_response(job.file_data, job.file_name, job.file_type)
