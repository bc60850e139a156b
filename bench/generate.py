"""Generate a province-sized database for the tally benchmark, then rebuild the counters.

    python bench/generate.py --villages 5000 --households 1000000 --visits 5000000
    python bench/generate.py --add-visits 5000000          # double the visits of an existing file
    DATABASE_URL=postgresql://... python bench/generate.py ...  # PostgreSQL instead of bench/out/bench.sqlite

Bulk inserts through the DB-API executemany (no ORM objects); the counters are then recomputed
with rebuild_counters(), the same function `flask rebuild-tallies` runs.
"""
import argparse
import os
import random
import sys
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text  # noqa: E402

from fieldapp import create_app  # noqa: E402
from fieldapp.extensions import db  # noqa: E402
from fieldapp.text import code_key  # noqa: E402

OUT = ROOT / "bench" / "out"
VILLAGES_PER_COMMUNE = 37
MEMBERS_PER_TEAM = 5
DAYS = 90
CHUNK = 50_000


def make_app():
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{OUT / 'bench.sqlite'}"
    OUT.mkdir(parents=True, exist_ok=True)
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})


def _fast(conn) -> None:
    if db.engine.dialect.name == "sqlite":
        for pragma in ("synchronous=OFF", "journal_mode=OFF", "cache_size=-400000", "temp_store=MEMORY"):
            conn.exec_driver_sql(f"PRAGMA {pragma}")


def _bulk(conn, sql: str, rows) -> int:
    """executemany in chunks; rows is any iterable of tuples."""
    if db.engine.dialect.name == "postgresql":
        sql = sql.replace("?", "%s")
    raw = conn.connection.driver_connection
    cur = raw.cursor()
    n, chunk = 0, []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            cur.executemany(sql, chunk)
            n += len(chunk)
            chunk = []
    if chunk:
        cur.executemany(sql, chunk)
        n += len(chunk)
    return n


def generate(villages: int, households: int, visits: int, seed: int) -> None:
    from flask_migrate import upgrade
    rng = random.Random(seed)
    upgrade()
    conn = db.session.connection()
    _fast(conn)
    now = datetime.utcnow().replace(microsecond=0)
    communes = -(-villages // VILLAGES_PER_COMMUNE)
    t0 = time.perf_counter()
    area_rows = [(1, "province", "B52", "Tỉnh Benchmark", "tinh benchmark", None, "/1/", now)]
    for c in range(communes):
        cid = 2 + c
        area_rows.append((cid, "commune", f"B{cid}", f"Xã {cid}", f"xa {cid}", 1, f"/1/{cid}/", now))
    first_village = 2 + communes
    for v in range(villages):
        vid = first_village + v
        cid = 2 + v // VILLAGES_PER_COMMUNE
        area_rows.append((vid, "village", None, f"Thôn {v + 1}", f"thon {v + 1}", cid, f"/1/{cid}/{vid}/", now))
    _bulk(conn, "INSERT INTO areas (id, level, code, name, name_folded, parent_id, path, created_at) "
                "VALUES (?,?,?,?,?,?,?,?)", area_rows)
    _bulk(conn, "INSERT INTO teams (id, village_id, name, active, created_at) VALUES (?,?,?,?,?)",
          ((v + 1, first_village + v, f"Tổ {v + 1}", True, now) for v in range(villages)))
    _bulk(conn, "INSERT INTO users (id, phone, name, password_hash, role, team_id, active, created_at, "
                "session_version) VALUES (?,?,?,?,?,?,?,?,?)",
          ((t * MEMBERS_PER_TEAM + m + 1, f"08{t * MEMBERS_PER_TEAM + m:08d}", f"Thành viên {t}-{m}", "x",
            "leader" if m == 0 else "member", t + 1, True, now, 1)
           for t in range(villages) for m in range(MEMBERS_PER_TEAM)))
    created = now - timedelta(days=DAYS + 5)
    per_village = households // villages

    def household_rows():
        for v in range(villages):
            for h in range(per_village):
                total = rng.randint(1, 8)
                a14 = rng.randint(1, total)
                a18 = rng.randint(0, a14)
                yield (f"{v:05d}-{h:05d}", first_village + v, f"H{h}", code_key(f"H{h}"), total, a14, a18, 0, "",
                       created, created, 0)
    n = _bulk(conn, "INSERT INTO households (id, village_id, code, code_key, residents_total, residents_14plus, "
                    "residents_18plus, smartphones, search_text, created_at, updated_at, visit_count) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", household_rows())
    print(f"areas, teams, members, {n:,} households: {time.perf_counter() - t0:.1f}s", flush=True)
    db.session.commit()
    add_visits(visits, seed + 1)


def add_visits(visits: int, seed: int) -> None:
    rng = random.Random(seed)
    conn = db.session.connection()
    _fast(conn)
    t0 = time.perf_counter()
    first_village = db.session.scalar(select(func.min(text("id"))).select_from(text("areas"))
                                      .where(text("level = 'village'")))
    villages = db.session.scalar(select(func.count()).select_from(text("areas")).where(text("level = 'village'")))
    per_village = db.session.scalar(select(func.count()).select_from(text("households"))) // villages
    now = datetime.utcnow().replace(microsecond=0)
    outcomes = ["helped"] * 68 + ["not_home"] * 17 + ["declined"] * 4 + ["revisit"] * 11
    services = [sid for (sid,) in db.session.execute(text("SELECT id FROM services ORDER BY id"))]
    assists = []

    def visit_rows(count):
        for _ in range(count):
            v = rng.randrange(villages)
            vid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            when = now - timedelta(days=rng.randrange(DAYS), minutes=rng.randrange(600))
            outcome = outcomes[rng.randrange(100)]
            if outcome == "helped":
                for sid in rng.sample(services, rng.choice((1, 1, 2))):
                    assists.append((vid, sid, 1))
            yield (vid, f"{v:05d}-{rng.randrange(per_village):05d}", v * MEMBERS_PER_TEAM + rng.randrange(MEMBERS_PER_TEAM) + 1,
                   v + 1, when, when, outcome)

    def drain():
        while assists:
            yield assists.pop()
    sql_visit = ("INSERT INTO visits (id, household_id, member_id, team_id, visited_at, received_at, outcome) "
                 "VALUES (?,?,?,?,?,?,?)")
    sql_assist = "INSERT INTO assistance (visit_id, service_id, count) VALUES (?,?,?)"
    done = 0
    while done < visits:
        batch = min(500_000, visits - done)
        _bulk(conn, sql_visit, visit_rows(batch))
        _bulk(conn, sql_assist, drain())
        done += batch
        print(f"  {done:,} visits", flush=True)
    db.session.commit()
    print(f"visits inserted: {time.perf_counter() - t0:.1f}s", flush=True)
    t0 = time.perf_counter()
    from fieldapp.tallies.operations import rebuild_counters
    stats = rebuild_counters()
    db.session.commit()
    total = db.session.scalar(text("SELECT count(*) FROM visits"))
    print(f"counters rebuilt ({stats['day_rows']:,} day rows) over {total:,} visits: "
          f"{time.perf_counter() - t0:.1f}s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--villages", type=int, default=5000)
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--visits", type=int, default=5_000_000)
    parser.add_argument("--add-visits", type=int, help="append this many visits to the existing database")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    app = make_app()
    with app.app_context():
        if args.add_visits:
            add_visits(args.add_visits, args.seed + 1000)
        else:
            if not os.environ.get("DATABASE_URL"):
                (OUT / "bench.sqlite").unlink(missing_ok=True)
            generate(args.villages, args.households, args.visits, args.seed)


if __name__ == "__main__":
    main()
