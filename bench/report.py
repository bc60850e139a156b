"""Time the periodic report (issue 15) of a province and of a commune on a province-sized database.

    python bench/report.py --build          # make it: bench/generate.py's province, visits over 400 days
    python bench/report.py --runs 15        # time it (bench/out/bench-report.sqlite, or DATABASE_URL)

--build uses bench/generate.py (1 province, 136 communes, 5,000 villages with a team of 5, 1 M households)
with the visits spread over --days days instead of 90, so a year has visits in every quarter; then, so that
the report reads the same kinds of rows as in the field: 10% of the visits synced 1-3 days late and 1%
corrected a month later (visit_late), one outreach session per village every two weeks, and the dated
history filled (fieldapp.history.backfill, as the upgrade does). It reuses an existing database unless
--build is given. Each timing is build_report() — every query of the report page, the previous period
included — from a cold identity map; it prints the median and the spread. It measures; it asserts nothing.
"""
import argparse
import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sqlalchemy import func, select, text  # noqa: E402

import generate  # noqa: E402
from leaderboard import timed  # noqa: E402  (median, min, max in ms, warm cache first)
from fieldapp import create_app  # noqa: E402
from fieldapp.counting import today  # noqa: E402
from fieldapp.extensions import db  # noqa: E402
from fieldapp.models import Area, AreaLevel  # noqa: E402

OUT = ROOT / "bench" / "out"


def make_app():
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{OUT / 'bench-report.sqlite'}"
    OUT.mkdir(parents=True, exist_ok=True)
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})


def build(args) -> None:
    generate.DAYS = args.days
    if not os.environ.get("DATABASE_URL"):
        (OUT / "bench-report.sqlite").unlink(missing_ok=True)
    generate.generate(args.villages, args.households, args.visits, args.seed)
    rng = random.Random(args.seed + 7)
    conn = db.session.connection()
    t0 = time.perf_counter()
    pg = db.engine.dialect.name == "postgresql"
    # Late syncs and later corrections (first hex digit of the random id picks ~1/16 and ~1/100 of them).
    if pg:
        conn.exec_driver_sql("UPDATE visits SET received_at = visited_at + interval '1 day' * (1 + length(id) % 3) "
                             "WHERE id LIKE '0%' OR id LIKE '1%' AND substr(id, 2, 1) < '8'")
        conn.exec_driver_sql("UPDATE visits SET updated_at = visited_at + interval '30 days' "
                             "WHERE id LIKE 'f0%' OR id LIKE 'f1%' OR id LIKE 'f2%'")
    else:
        conn.exec_driver_sql("UPDATE visits SET received_at = datetime(visited_at, '+' || (1 + length(id) % 3) "
                             "|| ' days') WHERE id LIKE '0%' OR id LIKE '1%' AND substr(id, 2, 1) < '8'")
        conn.exec_driver_sql("UPDATE visits SET updated_at = datetime(visited_at, '+30 days') "
                             "WHERE id LIKE 'f0%' OR id LIKE 'f1%' OR id LIKE 'f2%'")
    first_village = db.session.scalar(select(func.min(Area.id)).where(Area.level == AreaLevel.VILLAGE))
    villages = db.session.scalar(select(func.count()).select_from(Area).where(Area.level == AreaLevel.VILLAGE))
    services = [sid for (sid,) in db.session.execute(text("SELECT id FROM services ORDER BY id"))]
    start = today() - timedelta(days=args.days)
    rows, links, sid = [], [], 1
    for v in range(villages):
        for k in range(args.days // 14):
            held = start + timedelta(days=14 * k + rng.randrange(14))
            if held > today():
                continue
            kind = ("meeting", "training", "help_point", "broadcast")[rng.randrange(4)]
            rows.append((sid, v + 1, first_village + v, held, kind, "Tuyên truyền", rng.randrange(5, 60), held))
            if rng.random() < 0.5:
                links.append((sid, services[rng.randrange(len(services))]))
            sid += 1
    generate._bulk(conn, "INSERT INTO outreach_sessions (id, team_id, village_id, held_on, kind, topic, attendees, "
                         "created_at) VALUES (?,?,?,?,?,?,?,?)", rows)
    generate._bulk(conn, "INSERT INTO outreach_session_services (session_id, service_id) VALUES (?,?)", links)
    from fieldapp.history import backfill
    filled = backfill(db.session)
    db.session.commit()
    print(f"late visits, {len(rows):,} sessions, history {filled}: {time.perf_counter() - t0:.1f}s", flush=True)


def settings() -> str:
    if db.engine.dialect.name != "postgresql":
        return "SQLite " + db.session.scalar(text("SELECT sqlite_version()")) + ", synchronous=FULL, WAL"
    names = ("server_version", "fsync", "synchronous_commit", "full_page_writes", "shared_buffers",
             "effective_cache_size", "work_mem")
    return "PostgreSQL " + ", ".join(f"{n}={db.session.scalar(text(f'SHOW {n}'))}" for n in names)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", action="store_true")
    parser.add_argument("--villages", type=int, default=5000)
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--visits", type=int, default=1_500_000)
    parser.add_argument("--days", type=int, default=400)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    app = make_app()
    with app.app_context():
        if args.build:
            build(args)
        from fieldapp.reports.periods import Period
        from fieldapp.reports.queries import build_report
        count = lambda sql: db.session.scalar(text(sql))  # noqa: E731
        province = db.session.scalar(select(Area).where(Area.level == AreaLevel.PROVINCE).order_by(Area.id).limit(1))
        commune = db.session.scalar(select(Area).where(Area.level == AreaLevel.COMMUNE).order_by(Area.id).limit(1))
        d = today()
        print(f"database: {settings()}")
        print(f"  {count('SELECT count(*) FROM areas WHERE level = ' + chr(39) + 'village' + chr(39)):,} villages, "
              f"{count('SELECT count(*) FROM households'):,} households, {count('SELECT count(*) FROM visits'):,} "
              f"visits ({count('SELECT min(visited_at) FROM visits')} to {count('SELECT max(visited_at) FROM visits')}),"
              f" {count('SELECT count(*) FROM visit_late'):,} late, {count('SELECT count(*) FROM outreach_sessions'):,}"
              f" sessions, {count('SELECT count(*) FROM tally_day'):,} tally_day rows")
        load = os.getloadavg()
        print(f"  load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        cases = [("province", province, Period.year_of(d.year)), ("province", province, Period.year_of(d.year - 1)),
                 ("province", province, Period.review(d.year)), ("province", province, Period.previous_quarter(d)),
                 ("commune", commune, Period.year_of(d.year)), ("commune", commune, Period.review(d.year)),
                 ("commune", commune, Period.previous_quarter(d))]
        for level, area, period in cases:
            med, lo, hi = timed(lambda: build_report(area, period), args.runs)
            print(f"  {level:8} {period.name():55} median {med:7.1f} ms  (min {lo:.1f}, max {hi:.1f}, "
                  f"{args.runs} runs)", flush=True)
        load = os.getloadavg()
        print(f"  load average at end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
