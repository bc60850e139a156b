"""The app with one more job kind, for tests/test_jobs.py: `flask --app tests.job_app worker` runs it.

"test_steps" reports progress step by step (pausing between steps, so a test can stop the worker in the
middle) and writes one audit row at its end, in the job's transaction: a job run twice, or cut off and
run again, must leave exactly one.
"""
import time

from fieldapp import create_app as _create_app
from fieldapp.jobs.operations import job_kind


@job_kind("test_steps")
def steps(job, progress) -> None:
    from fieldapp import audit
    n, pause = job.params["steps"], job.params["pause"]
    for i in range(n):
        progress(i, n, f"bước {i + 1}", force=True)
        time.sleep(pause)
    audit.record(None, "test_steps_done", job, entity_type="job", after={"attempt": job.attempts})
    progress(n, n, "xong", force=True)
    job.result = {"summary": f"xong sau {job.attempts} lần chạy"}


def create_app():
    return _create_app()
