"""The sync batch against a bare-driver floor that writes the same rows, in the same run.

    .venv/bin/python bench/batch_floor.py --db sqlite                        # a fresh demo database in bench/out/
    .venv/bin/python bench/batch_floor.py --db postgresql://postgres@127.0.0.1:55457/batch_bench \
        --template province1m_after                                          # a copy of the province database

Two writers take turns (`--rounds` rounds of `--batches` batches of 100 visits each), on the same database:
  batch  POST /api/v1/visits/batch through the real app (Flask test client in this process, or with --http
         gunicorn over HTTP as deployed: the production gunicorn.conf.py, one sync worker; signed in through the
         login form, X-CSRFToken from /api/v1/session): the visit
         writer (visits/operations.py save_visits) with its lock, checks, audit rows, household columns and
         counters, one commit per batch
  floor  the database driver alone (psycopg / sqlite3, no SQLAlchemy, no Flask), one transaction per batch of
         the same shape: the visits, one audit row each, the households' list columns (visit count, last
         visit, last outcome); no checks, no lock, no counters
Then `--singles` batches of one visit through the API (the PWA's online save), for the CPU of one visit.

Visits are "not_home" over the member's village (about 200 households): no eligibility cap refuses one, and
the stored rows are counted after each turn. The batches are made (and the phone's JSON encoded) before the
clock starts, for both writers; the answers are checked, not decoded. CPU is this process's (the app's Python
with the test client, or the driver's), or with --http the gunicorn worker's, plus the PostgreSQL backends' own (utime + stime from /proc, the server being on this machine); on SQLite the
database runs in this process. The machine is shared: the load average is printed beside the figures.
On SQLite it also prints the batch's own time in the database (its statements in sqlite3 and its COMMIT, wall),
and the ratio the batch would reach if its Python took no time at all: the most any Python writer can get.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"

from bench.common import cpu_of, fresh_database, log_statements, time_commits, time_statements, worker_pid, \
    yardstick  # noqa: E402
from bench.generate import BENCH_PASSWORD, member_phone  # noqa: E402
from bench.races import Client, Gunicorn  # noqa: E402

DEMO_MEMBER, DEMO_PASSWORD = "0900000003", "demo1234"


def parse():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", required=True, help="'sqlite' (a fresh demo database) or a PostgreSQL URL")
    p.add_argument("--template", help="PostgreSQL: (re)create --db's database as a copy of this one")
    p.add_argument("--demo", action="store_true", help="PostgreSQL: (re)create --db's database with the demo data")
    p.add_argument("--rounds", type=int, default=4)
    p.add_argument("--batches", type=int, default=10, help="batches of 100 visits per writer and round")
    p.add_argument("--singles", type=int, default=200, help="batches of one visit, for the CPU of one")
    p.add_argument("--http", action="store_true",
                   help="the batch through gunicorn over HTTP (production conf, 1 sync worker), as deployed")
    p.add_argument("--server-log", help="PostgreSQL: the server's log file; prints its time for each statement")
    p.add_argument("--json", help="append the figures to this file (one JSON object)")
    return p.parse_args()


def prepare(args) -> str:
    """The SQLAlchemy URL of the database to write to."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "FIELDAPP_SECRET_KEY": "bench"}
    if args.db == "sqlite":
        OUT.mkdir(parents=True, exist_ok=True)
        url = fresh_database("sqlite", "", "", OUT / "batch.sqlite")
        args.demo = True
    else:
        url = args.db
        base, name = url.rsplit("/", 1)
        if args.template or args.demo:
            from sqlalchemy import create_engine, text
            admin = create_engine(f"{base}/postgres".replace("postgresql://", "postgresql+psycopg://", 1),
                                  isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
                # FILE_COPY: a checkpoint and a file copy, not the whole database through the WAL
                conn.execute(text(f"CREATE DATABASE {name}" +
                                  (f" TEMPLATE {args.template} STRATEGY FILE_COPY" if args.template else "")))
            admin.dispose()
    if args.demo:
        for cmd in (["db", "upgrade"], ["seed-demo"]):
            subprocess.run([sys.executable, "-m", "flask", "--app", "fieldapp", *cmd], cwd=ROOT, check=True,
                           env={**env, "DATABASE_URL": url}, stdout=subprocess.DEVNULL)
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


class Floor:
    """The bare driver: one connection, the same rows as the visit writer's (visits, audit, households)."""

    def __init__(self, url: str, member: dict):
        self.pg = url.startswith("postgresql")
        self.member = member
        self.commit_wall = self.commit_cpu = 0.0  # the COMMITs' time, wall and this process's CPU
        self.commits = 0
        if self.pg:
            import psycopg
            self.conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1))
            self.p = "%s"
        else:
            import sqlite3
            self.conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
            for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=FULL", "busy_timeout=10000",
                           "temp_store=MEMORY"):  # the app's (fieldapp/web.py)
                self.conn.execute(f"PRAGMA {pragma}")
            self.p = "?"

    def write(self, visits: list[dict]) -> None:
        p, m, now = self.p, self.member, datetime.now(UTC).replace(tzinfo=None)
        cur = self.conn.cursor()
        cur.execute("BEGIN")
        cur.executemany(
            f"INSERT INTO visits (id, household_id, member_id, team_id, visited_at, received_at, outcome, note) "
            f"VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p})",
            [(v["id"], v["household_id"], m["id"], m["team_id"], v["at"], now, v["outcome"], None) for v in visits])
        cur.executemany(
            f"INSERT INTO audit_log (at, actor_id, action, entity_type, entity_id, area_path, commune_id, "
            f"before, after) VALUES ({p}, {p}, 'create', 'visit', {p}, {p}, {p}, NULL, {p})",
            [(now, m["id"], v["id"], m["path"], m["commune_id"],
              json.dumps({"household_id": v["household_id"], "outcome": v["outcome"],
                          "visited_at": v["at"].isoformat(), "note": None, "assists": {}})) for v in visits])
        cur.executemany(
            f"UPDATE households SET visit_count = visit_count + 1, last_visited_at = {p}, last_outcome = {p}, "
            f"updated_at = {p} WHERE id = {p}",
            [(v["at"], v["outcome"], now, v["household_id"]) for v in visits])
        w0, c0 = time.perf_counter(), time.process_time()
        cur.execute("COMMIT")
        self.commit_wall += time.perf_counter() - w0
        self.commit_cpu += time.process_time() - c0
        self.commits += 1


def backends_cpu(conn, database: str) -> float:
    """Seconds of CPU the PostgreSQL backends of this database have used (they run on this machine)."""
    from sqlalchemy import text
    total = 0.0
    for (pid,) in conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = :d"), {"d": database}):
        try:
            total += cpu_of(pid)
        except (FileNotFoundError, PermissionError):
            pass
    return total


def main():
    args = parse()
    url = prepare(args)
    # before any session opens: the server logs the statements of the sessions opened after
    report = log_statements(url, args.server_log) if args.server_log else None
    from sqlalchemy import create_engine, text
    from fieldapp import create_app, settle_worker
    from fieldapp.extensions import db
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    settle_worker()  # as wsgi.py does in each gunicorn worker
    pg = url.startswith("postgresql")
    database = url.rsplit("/", 1)[1]
    watcher = create_engine(url, isolation_level="AUTOCOMMIT").connect() if pg else None

    with app.app_context():
        province = db.session.execute(text("SELECT 1 FROM users WHERE phone = :p"),
                                      {"p": member_phone(2)}).first() is not None
        phone, password = (member_phone(2), BENCH_PASSWORD) if province else (DEMO_MEMBER, DEMO_PASSWORD)
        row = db.session.execute(text(
            "SELECT u.id, u.team_id, a.path FROM users u JOIN teams t ON t.id = u.team_id "
            "JOIN areas a ON a.id = t.village_id WHERE u.phone = :p"), {"p": phone}).one()
        member = {"id": row.id, "team_id": row.team_id, "path": row.path,
                  "commune_id": int(row.path.strip("/").split("/")[1])}
        households = [r[0] for r in db.session.execute(text(
            "SELECT h.id FROM households h JOIN teams t ON t.village_id = h.village_id "
            "WHERE t.id = :t AND h.deleted_at IS NULL AND length(h.id) = 36 ORDER BY h.id"), {"t": member["team_id"]})]
        visits_before = db.session.execute(text("SELECT count(*) FROM visits")).scalar()
        size = db.session.execute(text("SELECT pg_database_size(current_database())")).scalar() if pg \
            else Path(url.removeprefix("sqlite:///")).stat().st_size
        settings = ", ".join(f"{k}={db.session.execute(text(f'SHOW {k}')).scalar()}"
                             for k in ("fsync", "synchronous_commit", "shared_buffers", "random_page_cost")) if pg \
            else "journal_mode=WAL, synchronous=FULL, temp_store=MEMORY"
        db.session.remove()

    server = None
    if args.http:  # the production gunicorn.conf.py, one sync worker, gunicorn's access log off (as deployed)
        server = Gunicorn(url.replace("postgresql+psycopg://", "postgresql://", 1), 1, OUT / "batch_floor_gunicorn.log",
                          {"GUNICORN_ACCESSLOG": ""})
        server.wait_ready()
        worker = worker_pid(server.proc.pid)
        http = Client(server.port)
        http.sign_in(phone, password)
        csrf = http.csrf
    else:
        client = app.test_client()
        page = client.get("/login").text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        r = client.post("/login", data={"phone": phone, "password": password, "csrf_token": token})
        assert r.status_code in (302, 303), r.status_code
        csrf = client.get("/api/v1/session").get_json()["csrf_token"]
    floor = Floor(url, member)
    now = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    serial = [0]

    def visits(n: int) -> list[dict]:
        out = []
        for _ in range(n):
            serial[0] += 1
            out.append({"id": str(uuid.uuid4()), "household_id": households[(serial[0] * 7) % len(households)],
                        "outcome": "not_home", "at": now})
        return out

    def body(batch: list[dict]) -> bytes:
        """The request as the phone sends it (encoded by the phone, so before the clock starts)."""
        return json.dumps({"user_id": member["id"], "households": [], "visits": [
            {"id": v["id"], "household_id": v["household_id"], "outcome": v["outcome"],
             "visited_at": v["at"].isoformat() + "Z"} for v in batch]}).encode()

    def post(encoded: bytes, n: int) -> int:
        """One batch of n visits; its answer checked without decoding it (the phone reads it, not the
        server): n records "created". The stored visits are counted at the end."""
        headers = {"Content-Type": "application/json", "X-CSRFToken": csrf}
        if server is not None:
            status, text_ = http.request("POST", "/api/v1/visits/batch", encoded, headers)
            answer = text_.encode()
        else:
            r = client.post("/api/v1/visits/batch", data=encoded, headers=headers)
            status, answer = r.status_code, r.data
        assert status == 200 and answer.count(b'"created"') == n, (status, answer[:300])
        return n

    def app_cpu() -> float:
        """The app's CPU so far: this process's (test client), or the gunicorn worker's (--http)."""
        return cpu_of(worker) if server is not None else time.process_time()

    def turn(kind: str, n_batches: int, per_batch: int) -> dict:
        batches = [visits(per_batch) for _ in range(n_batches)]  # for both writers, before the clock
        bodies = [body(b) for b in batches] if kind == "batch" else []
        stored = 0
        db0 = backends_cpu(watcher, database) if pg else 0.0
        c0, w0 = (app_cpu() if kind == "batch" else time.process_time()), time.perf_counter()
        if kind == "floor":
            for batch in batches:
                floor.write(batch)
                stored += len(batch)
        else:
            for encoded in bodies:
                stored += post(encoded, per_batch)
        wall = time.perf_counter() - w0
        cpu = (app_cpu() if kind == "batch" else time.process_time()) - c0
        dbcpu = (backends_cpu(watcher, database) - db0) if pg else 0.0
        return {"visits": stored, "wall": wall, "cpu": cpu, "db_cpu": dbcpu}

    warm = turn("batch", 2, 100)["visits"] + turn("floor", 2, 100)["visits"]  # first-request imports, caches, plans
    app_commit = time_commits()  # the app's COMMITs, timed as the floor's are: from here on, the batches'
    with app.app_context():  # and the app's statements (test client: in this process)
        app_statements = time_statements(db.engine)
    floor.commit_wall = floor.commit_cpu = 0.0
    floor.commits = 0
    totals = {k: {"visits": 0, "wall": 0.0, "cpu": 0.0, "db_cpu": 0.0} for k in ("batch", "floor")}
    ratios = []
    load = os.getloadavg()[0]
    for _ in range(args.rounds):
        got = {}
        for kind in ("batch", "floor"):
            got[kind] = turn(kind, args.batches, 100)
            for k, v in got[kind].items():
                totals[kind][k] += v
        ratios.append((got["batch"]["visits"] / got["batch"]["wall"]) / (got["floor"]["visits"] / got["floor"]["wall"]))
    commits = dict(app_commit)  # the batches of 100's (the singles' come after); none counted with --http
    statements = dict(app_statements)
    singles = turn("batch", args.singles, 1)
    if server is not None:
        server.stop()
        assert not server.errors(), server.errors()[:5]

    with app.app_context():
        stored = db.session.execute(text("SELECT count(*) FROM visits")).scalar() - visits_before
        db.session.remove()
    expected = totals["batch"]["visits"] + totals["floor"]["visits"] + singles["visits"] + warm
    assert stored == expected, (stored, expected)

    kind = "PostgreSQL" if pg else "SQLite"
    print(f"# {kind} ({settings}), {size / 2**20:,.0f} MB, {visits_before:,} visits before the run; "
          f"{args.rounds} rounds x {args.batches} batches of 100 per writer; the batch through "
          f"{'gunicorn over HTTP (1 sync worker)' if server is not None else 'the test client'}; load average {load:.2f} "
          f"-> {os.getloadavg()[0]:.2f}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {yardstick()}")
    print("| writer | visits/s | CPU ms per batch of 100: app | database | total |")
    print("|---|---:|---:|---:|---:|")
    for k, t in totals.items():
        n = t["visits"] / 100
        print(f"| {k} | {t['visits'] / t['wall']:,.0f} | {t['cpu'] * 1000 / n:.1f} | {t['db_cpu'] * 1000 / n:.1f} | "
              f"{(t['cpu'] + t['db_cpu']) * 1000 / n:.1f} |")
    ratio = (totals["batch"]["visits"] / totals["batch"]["wall"]) / (totals["floor"]["visits"] / totals["floor"]["wall"])
    one = (singles["cpu"] + singles["db_cpu"]) * 1000 / singles["visits"]
    if commits["n"]:  # the test client's (in this process)
        print(f"COMMIT per batch of 100, wall / this process's CPU: batch {commits['wall'] * 1000 / commits['n']:.1f} / "
              f"{commits['cpu'] * 1000 / commits['n']:.1f} ms, floor {floor.commit_wall * 1000 / floor.commits:.1f} / "
              f"{floor.commit_cpu * 1000 / floor.commits:.1f} ms")
    if commits["n"] and not pg:  # SQLite: every statement goes through SQLAlchemy's cursor (PostgreSQL's pipelined
        # ones go to psycopg directly, and the server's time is its CPU above)
        n = totals["batch"]["visits"] / 100
        database = (statements["wall"] + commits["wall"]) * 1000 / n  # the app's time in the database, wall
        floor_wall = totals["floor"]["wall"] * 1000 / (totals["floor"]["visits"] / 100)
        print(f"the batch's time in the database per batch of 100 (its {statements['n'] / n:.0f} statements "
              f"{statements['wall'] * 1000 / n:.1f} ms + COMMIT {commits['wall'] * 1000 / n:.1f} ms, wall): "
              f"{database:.1f} ms, against the floor's whole batch {floor_wall:.1f} ms; the rest of the batch's "
              f"{totals['batch']['wall'] * 1000 / n:.1f} ms is Python (the app's and the test client's). With no time in "
              f"Python, batch / floor would be at most {floor_wall / database:.2f}")
    print(f"batch / floor = {ratio:.2f} (rounds: {', '.join(f'{x:.2f}' for x in ratios)}; goal >= 0.7)")
    print(f"one visit through the API (batch of 1): {one:.1f} ms CPU (app {singles['cpu'] * 1000 / singles['visits']:.1f}"
          f", database {singles['db_cpu'] * 1000 / singles['visits']:.1f}), {singles['wall'] * 1000 / singles['visits']:.1f}"
          f" ms wall (goal <= 8 ms CPU)")
    if report is not None:
        report()
    if args.json:
        with open(args.json, "a") as f:
            f.write(json.dumps({"db": kind, "settings": settings, "mb": size / 2**20, "visits_before": visits_before,
                                "totals": totals, "ratio": ratio, "ratios": ratios, "singles": singles,
                                "one_visit_cpu_ms": one, "load": load, "http": server is not None, "app_commit": commits,
                                "floor_commit": {"wall": floor.commit_wall, "cpu": floor.commit_cpu, "n": floor.commits}}) + "\n")


if __name__ == "__main__":
    main()
