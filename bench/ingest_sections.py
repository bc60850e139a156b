"""Where an ingest request's time goes, without a profiler's overhead: the visit writer's steps (and
their SQL statements) timed with a wrapper, through the Flask test client (CSRF off here only), on
the database bench/ingest.py leaves behind:

    .venv/bin/python bench/ingest.py --db sqlite                 # makes bench/out/ingest.sqlite
    .venv/bin/python bench/ingest_sections.py batch 40           # 40 batches of 100 visits
    .venv/bin/python bench/ingest_sections.py form 300           # 300 single-visit form posts
    .venv/bin/python bench/ingest_sections.py single 300         # 300 batches of one visit (the PWA's form)
    .venv/bin/python bench/ingest_sections.py floor 300          # the floor: a bare insert, no session
    .venv/bin/python bench/ingest_sections.py signed 300         # the same insert, signed in, CSRF checked
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:55440/fieldapp_bench .venv/bin/python bench/ingest_sections.py batch 40

Each mode runs twice (the first pass warms caches); prints ms per request and per step.
"""
import collections
import functools
import os
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'bench' / 'out' / 'ingest.sqlite'}")

from flask_login import login_required  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import Connection  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from fieldapp import create_app  # noqa: E402
from fieldapp.extensions import csrf, db  # noqa: E402
from fieldapp.tallies import operations as tally_ops  # noqa: E402
from fieldapp.timeutil import UTC_OFFSET  # noqa: E402
from fieldapp.visits import operations as visit_ops, routes as visit_routes  # noqa: E402

MEMBER = "0900000003"
spent: dict[str, float] = collections.defaultdict(float)


def timed(module, name, label=None):
    original = getattr(module, name)

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[label or name] += time.perf_counter() - start
    setattr(module, name, wrapper)


def timed_method(cls, name, label):
    original = getattr(cls, name)

    def wrapper(self, statement=None, *args, **kwargs):
        start = time.perf_counter()
        try:
            return original(self, statement, *args, **kwargs) if statement is not None else original(self)
        finally:
            table = getattr(getattr(statement, "table", None), "name", "")
            spent[label(statement, table)] += time.perf_counter() - start
    setattr(cls, name, wrapper)


def main():
    mode, n = sys.argv[1], int(sys.argv[2])
    app = create_app({"SQLALCHEMY_DATABASE_URI": os.environ["DATABASE_URL"], "WTF_CSRF_ENABLED": mode == "signed"})

    def bare_insert():
        db.session.execute(text("INSERT INTO bench_floor (id, note) VALUES (:id, 'floor')"), {"id": str(uuid.uuid4())})
        db.session.commit()
        return "ok\n"
    # Bench-only routes (as bench/floor_app.py): what any write costs before the form's own work.
    app.add_url_rule("/bench/floor", "bench_floor", csrf.exempt(bare_insert), methods=["POST"])
    app.add_url_rule("/bench/signed", "bench_signed", login_required(bare_insert), methods=["POST"])
    for name in ("_plan", "lock_households", "stored_visits", "achieved", "_write", "services_by_code"):
        timed(visit_ops, name)
    for name in ("apply_new_visits", "_refresh_reach_many", "write_rows"):
        timed(tally_ops, name)
    for name in ("household_or_404", "active_services", "visit_form_class", "save_visits"):
        timed(visit_routes, name)
    timed(visit_ops.audit, "record", "audit.record")
    timed_method(Session, "commit", lambda _s, _t: "commit")
    timed_method(Connection, "execute", lambda s, t: f"  SQL {type(s).__name__} {t}".rstrip())
    client = app.test_client()
    login_form = client.get("/login").get_data(as_text=True)
    token = login_form.split('name="csrf_token" type="hidden" value="')[1].split('"')[0] if mode == "signed" else ""
    client.post("/login", data={"phone": MEMBER, "password": "demo1234", "csrf_token": token})
    if mode == "signed":
        token = client.get("/api/v1/session").json["csrf_token"]
    with app.app_context():
        db.session.execute(text("CREATE TABLE IF NOT EXISTS bench_floor (id VARCHAR(36) PRIMARY KEY, note VARCHAR(20))"))
        db.session.commit()
        households = [r[0] for r in db.session.execute(text(
            "SELECT h.id FROM households h JOIN teams t ON t.village_id = h.village_id "
            "JOIN users u ON u.team_id = t.id WHERE u.phone = :p AND h.deleted_at IS NULL"), {"p": MEMBER})]
        user_id = db.session.execute(text("SELECT id FROM users WHERE phone = :p"), {"p": MEMBER}).scalar()
    size = 100 if mode == "batch" else 1

    def request(i):
        now = datetime.now(UTC)
        if mode in ("floor", "signed"):
            return client.post(f"/bench/{mode}", headers={"X-CSRFToken": token}).status_code == 200
        if mode == "form":
            local = (now + UTC_OFFSET).strftime("%Y-%m-%dT%H:%M")
            r = client.post(f"/households/{households[i % len(households)]}/visits/new",
                            data={"outcome": "not_home", "visited_at": local, "client_id": str(uuid.uuid4())})
            with client.session_transaction() as s:  # as wrk does: the same cookie, no pile of flashes
                s.pop("_flashes", None)
            return r.status_code == 302
        stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        body = {"user_id": user_id, "visits": [
            {"id": str(uuid.uuid4()), "household_id": households[(i * size + j) % len(households)],
             "outcome": "not_home", "visited_at": stamp} for j in range(size)]}
        r = client.post("/api/v1/visits/batch", json=body)
        return r.status_code == 200 and all(x["status"] == "created" for x in r.json["results"])

    for _pass in range(2):
        spent.clear()
        total = 0.0
        for i in range(n):
            start = time.perf_counter()
            assert request(i), "a request failed"
            total += time.perf_counter() - start
        print(f"{mode} on {os.environ['DATABASE_URL'].split(':')[0]}: {total / n * 1000:.2f} ms per request")
        for name, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
            print(f"  {name}: {seconds / n * 1000:.2f} ms")


if __name__ == "__main__":
    main()
