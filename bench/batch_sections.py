"""Where a sync batch's app CPU goes: CPU timers wrapped around the visit writer's steps, through the real
app (Flask test client, signed in through the login form, CSRF on), on a database bench/batch_floor.py has
written to (its member's village then has households with UUID ids, which the API requires):

    python bench/batch_sections.py --db postgresql://postgres@127.0.0.1:55457/batch_bench            # 100 a batch
    python bench/batch_sections.py --db postgresql://postgres@127.0.0.1:55457/batch_bench --size 1   # one visit
    python bench/batch_sections.py --db sqlite:///bench/out/batch.sqlite

Prints the CPU per request (this process only: the app's Python and the driver's client side) and the share of
each step; a step's figure includes the SQL it runs ("sql execute" is every statement's SQLAlchemy + driver
time, wherever it is run). Three warm-up requests first; it writes visits ("not_home").
"""
import argparse
import collections
import functools
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.batch_floor import DEMO_MEMBER, DEMO_PASSWORD  # noqa: E402
from bench.common import time_commits, yardstick  # noqa: E402
from bench.generate import BENCH_PASSWORD, member_phone  # noqa: E402

WHOLE = "apply_batch (all of the batch's work)"
LABELS: list[str] = []


def timed(acc: dict, owner, name: str, label: str, outermost: list | None = None) -> None:
    """Replace owner.name with a wrapper adding its CPU time to acc[label] (only the outermost call when
    `outermost` is given: a statement run inside another is not counted twice)."""
    original = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        if outermost is not None and outermost[0]:
            return original(*args, **kwargs)
        if outermost is not None:
            outermost[0] += 1
        c0 = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            acc[label] += time.process_time() - c0
            if outermost is not None:
                outermost[0] -= 1
    setattr(owner, name, wrapper)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", required=True)
    p.add_argument("--size", type=int, default=100, help="visits a batch")
    p.add_argument("--requests", type=int, default=20)
    args = p.parse_args()
    url = args.db.replace("postgresql://", "postgresql+psycopg://", 1)
    from sqlalchemy import text
    from sqlalchemy.engine import Connection
    from fieldapp import create_app, settle_worker
    from fieldapp.extensions import db
    import fieldapp.api.operations as api_ops
    import fieldapp.api.routes as api_routes
    import fieldapp.tallies.operations as tallies
    import fieldapp.visits.operations as writer

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    settle_worker()  # as wsgi.py does in each gunicorn worker
    acc: dict = collections.defaultdict(float)
    LABELS[:] = [WHOLE, "reading the JSON records", "_plan: lock, stored ids, checks", "  of which lock_households",
                 "  of which check()", "_write: visits, audit, households, counters", "  of which the counters",
                 "sql execute (SQLAlchemy + driver)"]
    depth = [0]
    timed(acc, Connection, "execute", "sql execute (SQLAlchemy + driver)", depth)
    timed(acc, api_ops, "apply_batch", WHOLE)
    timed(acc, api_ops, "_visit_record", "reading the JSON records")
    timed(acc, writer, "_plan", "_plan: lock, stored ids, checks")
    timed(acc, writer, "lock_households", "  of which lock_households")
    timed(acc, writer, "check", "  of which check()")
    timed(acc, writer, "_write", "_write: visits, audit, households, counters")
    timed(acc, tallies, "apply_new_visits", "  of which the counters")
    # imported by name before the wrappers were put in place
    api_ops.save_visits = writer.save_visits
    api_routes.apply_batch = api_ops.apply_batch

    with app.app_context():
        province = db.session.execute(text("SELECT 1 FROM users WHERE phone = :p"),
                                      {"p": member_phone(2)}).first() is not None
        phone, password = (member_phone(2), BENCH_PASSWORD) if province else (DEMO_MEMBER, DEMO_PASSWORD)
        user = db.session.execute(text("SELECT id, team_id FROM users WHERE phone = :p"), {"p": phone}).one()
        households = [r[0] for r in db.session.execute(text(
            "SELECT h.id FROM households h JOIN teams t ON t.village_id = h.village_id "
            "WHERE t.id = :t AND h.deleted_at IS NULL AND length(h.id) = 36 ORDER BY h.id"), {"t": user.team_id})]
        db.session.remove()
    client = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"phone": phone, "password": password, "csrf_token": token})
    csrf = client.get("/api/v1/session").get_json()["csrf_token"]
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def post(k: int) -> None:
        body = {"user_id": user.id, "households": [], "visits": [
            {"id": str(uuid.uuid4()), "household_id": households[(i * 7 + k * args.size) % len(households)],
             "outcome": "not_home", "visited_at": now} for i in range(args.size)]}
        r = client.post("/api/v1/visits/batch", json=body, headers={"X-CSRFToken": csrf})
        assert r.status_code == 200, r.status_code

    for k in range(3):
        post(k)
    # The fixed cost of the door: a batch with no record (signed in, CSRF, JSON, the write turn, the commit point)
    empty = {"user_id": user.id, "households": [], "visits": []}
    c0 = time.process_time()
    for _ in range(args.requests):
        assert client.post("/api/v1/visits/batch", json=empty, headers={"X-CSRFToken": csrf}).status_code == 200
    empty_ms = (time.process_time() - c0) * 1000 / args.requests
    commit = time_commits()  # the commit: SQLite's fsync of the WAL, PostgreSQL's wait for the server's
    # Every statement's time in the driver (wall: on SQLite the database's work, in this process), by kind
    statements: dict = collections.defaultdict(float)
    from sqlalchemy import event
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, _cursor, _statement, _parameters, _context, _many):
        conn.info["bench_t0"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn, _cursor, statement, _parameters, _context, _many):
        statements[" ".join(statement.split()[:3])[:40]] += time.perf_counter() - conn.info.pop("bench_t0")
    acc.clear()
    c0 = time.process_time()
    for k in range(args.requests):
        post(k + 3)
    total = (time.process_time() - c0) * 1000 / args.requests
    print(f"# {args.requests} requests of {args.size} visits on {url.split('@')[-1]}: {total:.1f} ms of CPU each; "
          f"{yardstick()}")
    print(f"  {total - acc[WHOLE] * 1000 / args.requests:6.1f} the request around it "
          f"(Flask, the signed-in user, session, CSRF, JSON, access log)")
    for label in LABELS:
        print(f"  {acc[label] * 1000 / args.requests:6.1f} {label}")
    print(f"  {commit['cpu'] * 1000 / args.requests:6.1f} the commit, CPU (in the request around it; "
          f"{commit['wall'] * 1000 / args.requests:.1f} ms wall)")
    print(f"  {empty_ms:6.1f} a batch with no record, for comparison (the door's fixed cost)")
    print(f"  {sum(statements.values()) * 1000 / args.requests:6.1f} ms wall in the driver's execute, all statements "
          f"(PostgreSQL: without the pipeline's), of which:")
    for kind, seconds in sorted(statements.items(), key=lambda kv: -kv[1])[:8]:
        print(f"         {seconds * 1000 / args.requests:6.2f} {kind}")


if __name__ == "__main__":
    main()
