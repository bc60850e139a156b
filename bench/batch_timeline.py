"""Where the wall time of one sync batch goes: the steps of the request marked in time, and (PostgreSQL) the
server's own time for each statement.

    .venv/bin/python bench/batch_timeline.py --db postgresql://postgres@127.0.0.1:55457/batch_i19 \
        --server-log /work/bench-data/pg-55457/server.log

Through Flask's test client, signed in as the member of bench/generate.py's province (or the demo's member),
`--batches` batches of `--size` "not_home" visits over the member's village after 10 not counted. Each step's
time from the client's call is the median over the batches: the request's start (after the session is
opened), apply_batch, the lock sent (locks.lock_early), the writer's lock, its rows in, the write, the
counters' statement, the answers of the write's pipeline, the answer back. With --server-log (the server's
log file, on this machine): log_min_duration_statement = 0 is set on the database for the run, and the
server's mean time per statement is read back from the log (statements of the run only; prepared statements
named _pg3_N, the first five runs of a text unnamed). The run writes visits: run it on a copy.
"""
import argparse
import collections
import functools
import json
import os
import re
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.batch_floor import DEMO_MEMBER, DEMO_PASSWORD  # noqa: E402
from bench.common import log_statements, yardstick  # noqa: E402
from bench.generate import BENCH_PASSWORD, member_phone  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", required=True)
    p.add_argument("--size", type=int, default=100)
    p.add_argument("--batches", type=int, default=100)
    p.add_argument("--server-log", help="PostgreSQL: the server's log file, for each statement's time")
    args = p.parse_args()
    url = args.db.replace("postgresql://", "postgresql+psycopg://", 1)
    from sqlalchemy import text

    import fieldapp.api.operations as ops
    import fieldapp.api.routes as routes
    import fieldapp.visits.operations as writer
    from fieldapp import create_app, settle_worker
    from fieldapp.extensions import db

    report = log_statements(args.db, args.server_log) if args.server_log else None
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    settle_worker()
    marks: list[tuple[str, float]] = []

    def marked(owner, name, before=None, after=None):
        original = getattr(owner, name)

        @functools.wraps(original)
        def wrapper(*a, **kw):
            if before:
                marks.append((before, time.perf_counter()))
            try:
                return original(*a, **kw)
            finally:
                if after:
                    marks.append((after, time.perf_counter()))
        setattr(owner, name, wrapper)

    marked(ops, "apply_batch", "apply_batch", "apply_batch done")
    marked(ops, "lock_early", None, "lock sent")
    marked(writer, "lock_households", "the writer's lock", "its rows in")
    marked(writer, "_write", "the write", "the write's answers in")
    marked(writer.tallies, "apply_new_visits", "the counters", "the counters' statement sent")
    routes.apply_batch = ops.apply_batch  # imported by name before the wrappers
    app.before_request_funcs.setdefault(None, []).insert(0, lambda: marks.append(("request", time.perf_counter())))

    with app.app_context():
        province = db.session.execute(text("SELECT 1 FROM users WHERE phone = :p"), {"p": member_phone(2)}).first()
        phone, password = (member_phone(2), BENCH_PASSWORD) if province else (DEMO_MEMBER, DEMO_PASSWORD)
        team = db.session.execute(text("SELECT team_id FROM users WHERE phone = :p"), {"p": phone}).scalar()
        households = [r[0] for r in db.session.execute(text(
            "SELECT h.id FROM households h JOIN teams t ON t.village_id = h.village_id "
            "WHERE t.id = :t AND h.deleted_at IS NULL ORDER BY h.id"), {"t": team})]
        db.session.remove()
    client = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"phone": phone, "password": password, "csrf_token": token})
    headers = {"X-CSRFToken": client.get("/api/v1/session").get_json()["csrf_token"]}
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    serial = [0]

    def body() -> bytes:
        visits = []
        for _ in range(args.size):
            serial[0] += 1
            visits.append({"id": str(uuid.uuid4()), "household_id": households[(serial[0] * 7) % len(households)],
                           "outcome": "not_home", "visited_at": now})
        return json.dumps({"visits": visits}).encode()

    steps: dict[str, list[float]] = collections.defaultdict(list)
    for n in range(10 + args.batches):
        sent = body()
        marks[:] = [("the client's call", time.perf_counter())]
        answer = client.post("/api/v1/visits/batch", data=sent, content_type="application/json", headers=headers)
        marks.append(("the answer back", time.perf_counter()))
        assert answer.status_code == 200 and answer.data.count(b'"created"') == args.size, answer.data[:300]
        if n >= 10:
            for name, at in marks:
                steps[name].append((at - marks[0][1]) * 1000)
    print(f"# {args.batches} batches of {args.size} visits on {url.split('@')[-1]}, the test client; "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average {os.getloadavg()[0]:.2f}; {yardstick()}")
    print("ms from the client's call (median) | step")
    for name, times in steps.items():
        print(f"{statistics.median(times):8.2f} | {name}")
    if report is not None:
        report()

if __name__ == "__main__":
    main()
