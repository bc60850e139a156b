"""The CPU of one visit through the API as it is deployed: gunicorn (the production gunicorn.conf.py, one sync
worker, Prometheus in multiprocess mode, the app's access log on stderr, gunicorn's own off) over HTTP on loopback, the member
signed in through the login form, X-CSRFToken from /api/v1/session.

    .venv/bin/python bench/one_visit.py --db postgresql://postgres@127.0.0.1:55457/batch_i19
    .venv/bin/python bench/one_visit.py --db sqlite:///bench/out/batch.sqlite

The database must be one bench/batch_floor.py has written to (its member's village then has households with
UUID ids, as the API requires). `--visits` batches of one visit ("not_home", so no cap refuses one), after
`--warm` not counted. CPU is the gunicorn worker's own (utime + stime of its process, from /proc) plus, on
PostgreSQL, the backends' of that database (the server is on this machine): what the deployment spends, without
the load generator's (this script's) CPU, which bench/batch_floor.py's test-client figure includes. Each run
counts the visits stored. The machine is shared: the load average is printed beside the figures.
"""
import argparse
import json
import os
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"

from bench.batch_floor import DEMO_MEMBER, DEMO_PASSWORD  # noqa: E402
from bench.common import cpu_of, worker_pid, yardstick  # noqa: E402
from bench.generate import BENCH_PASSWORD, member_phone  # noqa: E402
from bench.races import Client, Gunicorn  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", required=True, help="a PostgreSQL URL, or sqlite:///path")
    p.add_argument("--visits", type=int, default=1000)
    p.add_argument("--warm", type=int, default=100)
    p.add_argument("--rounds", type=int, default=3, help="measured turns of --visits each")
    p.add_argument("--json", help="append the figures to this file (one JSON object)")
    p.add_argument("--gunicorn-args", default="",
                   help="extra gunicorn options over gunicorn.conf.py (GUNICORN_CMD_ARGS), e.g. '-k gthread --threads 1'")
    args = p.parse_args()
    from sqlalchemy import create_engine, text
    url = args.db.replace("postgresql://", "postgresql+psycopg://", 1)
    pg = url.startswith("postgresql")
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    watcher = engine.connect()
    database = url.rsplit("/", 1)[1]

    def backends_cpu() -> float:
        total = 0.0
        if pg:
            for (pid,) in watcher.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = :d"), {"d": database}):
                try:
                    total += cpu_of(pid)
                except (FileNotFoundError, PermissionError):
                    pass
        return total

    province = watcher.execute(text("SELECT 1 FROM users WHERE phone = :p"), {"p": member_phone(2)}).first() is not None
    phone, password = (member_phone(2), BENCH_PASSWORD) if province else (DEMO_MEMBER, DEMO_PASSWORD)
    team = watcher.execute(text("SELECT team_id FROM users WHERE phone = :p"), {"p": phone}).scalar()
    households = [r[0] for r in watcher.execute(text(
        "SELECT h.id FROM households h JOIN teams t ON t.village_id = h.village_id "
        "WHERE t.id = :t AND h.deleted_at IS NULL AND length(h.id) = 36 ORDER BY h.id"), {"t": team})]
    assert households, "no household with a UUID id: run bench/batch_floor.py on this database first"
    before = watcher.execute(text("SELECT count(*) FROM visits")).scalar()
    size = watcher.execute(text("SELECT pg_database_size(current_database())")).scalar() if pg \
        else Path(url.removeprefix("sqlite:///")).stat().st_size
    settings = ", ".join(f"{k}={watcher.execute(text(f'SHOW {k}')).scalar()}"
                         for k in ("fsync", "synchronous_commit", "shared_buffers")) if pg \
        else "journal_mode=WAL, synchronous=FULL"

    OUT.mkdir(parents=True, exist_ok=True)
    # gunicorn's own access log off, as deployed (deploy/fieldapp.env.example sets no GUNICORN_ACCESSLOG)
    server = Gunicorn(args.db, 1, OUT / "one_visit_gunicorn.log",
                      {"GUNICORN_ACCESSLOG": "", "GUNICORN_CMD_ARGS": args.gunicorn_args})
    try:
        server.wait_ready()
        worker = worker_pid(server.proc.pid)
        client = Client(server.port)
        client.sign_in(phone, password)
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        serial = [0]

        def send(n: int) -> None:
            for _ in range(n):
                serial[0] += 1
                body = json.dumps({"households": [], "visits": [{
                    "id": str(uuid.uuid4()), "household_id": households[(serial[0] * 7) % len(households)],
                    "outcome": "not_home", "visited_at": now}]}).encode()
                status, answer = client.request("POST", "/api/v1/visits/batch", body,
                                                {"Content-Type": "application/json", "X-CSRFToken": client.csrf})
                assert status == 200 and json.loads(answer)["results"][0]["status"] == "created", (status, answer[:300])

        send(args.warm)
        load = os.getloadavg()[0]
        turns = []
        for _ in range(args.rounds):
            assert worker_pid(server.proc.pid) == worker  # not recycled during a turn (max_requests)
            w0, d0, t0 = cpu_of(worker), backends_cpu(), time.perf_counter()
            send(args.visits)
            wall = time.perf_counter() - t0
            app_ms, db_ms = (cpu_of(worker) - w0) * 1000 / args.visits, (backends_cpu() - d0) * 1000 / args.visits
            turns.append({"app_ms": app_ms, "db_ms": db_ms, "wall_ms": wall * 1000 / args.visits})
        errors = server.errors()
    finally:
        server.stop()
    stored = watcher.execute(text("SELECT count(*) FROM visits")).scalar() - before
    assert stored == args.warm + args.rounds * args.visits, stored
    assert not errors, errors[:5]

    kind = "PostgreSQL" if pg else "SQLite"
    print(f"# {kind} ({settings}), {size / 2**20:,.0f} MB, {before:,} visits before the run; gunicorn 1 worker "
          f"({args.gunicorn_args or 'sync, as gunicorn.conf.py'}); "
          f"{args.rounds} turns of {args.visits} visits; load average {load:.2f} -> {os.getloadavg()[0]:.2f}, "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {yardstick()}")
    print("| turn | worker CPU ms | database CPU ms | total ms | wall ms |")
    print("|---|---:|---:|---:|---:|")
    for i, t in enumerate(turns, 1):
        print(f"| {i} | {t['app_ms']:.2f} | {t['db_ms']:.2f} | {t['app_ms'] + t['db_ms']:.2f} | {t['wall_ms']:.2f} |")
    totals = sorted(t["app_ms"] + t["db_ms"] for t in turns)
    print(f"one visit through the API: {totals[len(totals) // 2]:.1f} ms of CPU (median of the turns; goal <= 8 ms)")
    if args.json:
        with open(args.json, "a") as f:
            f.write(json.dumps({"db": kind, "settings": settings, "mb": size / 2**20, "visits_before": before,
                                "turns": turns, "load": load}) + "\n")


if __name__ == "__main__":
    main()
