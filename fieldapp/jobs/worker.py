"""The worker (`flask --app fieldapp worker`): DBOS runs the queued jobs (operations.run) from the store."""
import threading

from sqlalchemy.engine import make_url

from .operations import run
from .store import APP_NAME, APP_VERSION, PROGRESS, QUEUE, SWEEP_SECONDS, WORKFLOW, store_url, sweep


def run_worker(app, stop: threading.Event, concurrency: int = 1) -> None:
    """Run the queue until `stop` is set: DBOS's threads take the jobs; this thread sweeps."""
    from dbos import DBOS

    DBOS(config={"name": APP_NAME, "system_database_url": store_url(app), "application_version": APP_VERSION,
                 "executor_id": app.config.get("WORKER_ID") or "local", "log_level": "WARNING"})

    @DBOS.step(name="fieldapp.job")
    def execute(job_id: str) -> str:
        with app.app_context():
            return run(job_id, report=lambda state: DBOS.set_event(PROGRESS, state))

    @DBOS.workflow(name=WORKFLOW)
    def run_job(job_id: str) -> str:
        return execute(job_id)

    DBOS.launch()  # migrates DBOS's tables, then recovers the workflows a stopped worker left pending
    DBOS.register_queue(QUEUE, worker_concurrency=concurrency, polling_interval_sec=0.5)
    print(f"fieldapp worker: ready, jobs from {make_url(store_url(app)).render_as_string(hide_password=True)}",
          flush=True)
    try:
        while not stop.wait(SWEEP_SECONDS if not stop.is_set() else 0):
            with app.app_context():
                sweep()
    finally:
        DBOS.destroy(workflow_completion_timeout_sec=0)
