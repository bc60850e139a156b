"""Long work off the request: imports, large exports, rebuilds (later the province's reports).

A route submits a job (a row of `jobs`: who, which area, its parameters) and sends the user to its page,
which shows a progress bar and, when the job is done, its result or its file. The worker
(`flask --app fieldapp worker`, started by `make run`, deploy/systemd/fieldapp-worker.service) runs the
jobs with DBOS, a durable queue kept in the database: a job whose worker stops (a restart, a crash) is run
again when a worker starts. See store.py for the library, operations.py for the jobs themselves.
"""
from flask import Blueprint

bp = Blueprint("jobs", __name__)
