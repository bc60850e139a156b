"""Build the province-sized database every benchmark runs on, in one command.

    python bench/generate.py --db postgresql://postgres@127.0.0.1:55457/province        # 1 M visits
    python bench/generate.py --db postgresql://postgres@127.0.0.1:55457/province --add-visits 1000000  # 2 M
    python bench/generate.py --db sqlite:////work/bench-data/province.sqlite

Defaults: one province of 136 communes, 5,000 villages with one team of 5 members each (25,000 members),
1,000,000 households (200 a village), 1,000,000 visits spread over the last 365 days (68% helped, with 1-2
services each) with **one audit row per visit** (as the visit writer makes), the households' list columns
(last visit, outcome, visit count) and every counter rebuilt by `rebuild_counters()` (the function
`flask rebuild-tallies` runs). Also: an admin, a province viewer and one officer per commune, and two
campaigns (the whole province and one commune, the last 14 days). Every account's password is
BENCH_PASSWORD; `bench/pages.py` signs in with them (phones below).

A PostgreSQL database named in --db is dropped and created again (unless --add-visits); start the
server with the production settings first: `bash bench/postgres.sh 55457 /work/bench-data/pg` (fsync on).
Rows go in with COPY on PostgreSQL and executemany on SQLite (no ORM objects); the database is then
analysed (VACUUM ANALYZE / ANALYZE) so the planner has statistics, as a production database would.
Keep the files outside the repository (/work/bench-data/ or bench/out/, which git ignores); the
1 M-visit PostgreSQL database takes about 3 GB.
"""
import argparse
import hashlib
import json
import os
import random
import sys
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

OUT = ROOT / "bench" / "out"
VILLAGES_PER_COMMUNE = 37
MEMBERS_PER_TEAM = 5
CHUNK = 50_000
BENCH_PASSWORD = "bench-Pass-2026"
ADMIN_PHONE, PROVINCE_PHONE = "0600000000", "0600000001"


def officer_phone(commune_id: int) -> str:
    return f"07{commune_id:08d}"


def household_id(village: int, number: int) -> str:
    """The id of the village's `number`th household (both from 0, in the order they were made): a UUID, as the
    app gives every household (the phone's API takes no other), derived from the two so that visits can name it."""
    digest = hashlib.blake2b(f"{village}:{number}".encode(), digest_size=16).digest()
    return str(uuid.UUID(bytes=digest, version=4))


def member_phone(user_id: int) -> str:
    return f"08{user_id - 1:08d}"


def database_url(arg: str | None) -> str:
    return arg or os.environ.get("DATABASE_URL") or f"sqlite:///{OUT / 'bench.sqlite'}"


def make_app(url: str | None = None):
    from fieldapp import create_app
    url = database_url(url)
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})


def recreate_postgres(url: str) -> None:
    base, name = url.rsplit("/", 1)
    admin = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1) + "/postgres",
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


class Loader:
    """Bulk rows straight through the driver: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, conn, dialect: str):
        self.raw = conn.connection.driver_connection
        self.dialect = dialect
        if dialect == "sqlite":
            for pragma in ("synchronous=OFF", "journal_mode=OFF", "cache_size=-400000", "temp_store=MEMORY"):
                self.raw.execute(f"PRAGMA {pragma}")

    def rows(self, table: str, columns: tuple[str, ...], rows) -> int:
        n = 0
        if self.dialect == "postgresql":
            with self.raw.cursor() as cur:
                with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        n += 1
            return n
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        cur, chunk = self.raw.cursor(), []
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


def generate(villages: int, households: int, visits: int, days: int, seed: int) -> None:
    from flask_migrate import upgrade

    from fieldapp.extensions import db
    from fieldapp.passwords import hash_password
    from fieldapp.text import code_key
    rng = random.Random(seed)
    upgrade()
    conn = db.session.connection()
    load = Loader(conn, db.engine.dialect.name)
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
    load.rows("areas", ("id", "level", "code", "name", "name_folded", "parent_id", "path", "created_at"), area_rows)
    load.rows("teams", ("id", "village_id", "name", "active", "created_at"),
              ((v + 1, first_village + v, f"Tổ {v + 1}", True, now) for v in range(villages)))
    password = hash_password(BENCH_PASSWORD)
    user_cols = ("id", "phone", "name", "password_hash", "role", "team_id", "area_id", "active", "created_at",
                 "session_version")
    members = villages * MEMBERS_PER_TEAM
    load.rows("users", user_cols, (
        (t * MEMBERS_PER_TEAM + m + 1, member_phone(t * MEMBERS_PER_TEAM + m + 1), f"Thành viên {t}-{m}", password,
         "leader" if m == 0 else "member", t + 1, None, True, now, 1)
        for t in range(villages) for m in range(MEMBERS_PER_TEAM)))
    officers = [(members + 1, ADMIN_PHONE, "Quản trị", password, "admin", None, None, True, now, 1),
                (members + 2, PROVINCE_PHONE, "Cán bộ tỉnh", password, "province_viewer", None, 1, True, now, 1)]
    officers += [(members + 3 + c, officer_phone(2 + c), f"Cán bộ xã {2 + c}", password, "commune_officer", None,
                  2 + c, True, now, 1) for c in range(communes)]
    load.rows("users", user_cols, officers)
    created = now - timedelta(days=days + 5)
    per_village = households // villages

    def household_rows():
        for v in range(villages):
            for h in range(per_village):
                total = rng.randint(1, 8)
                a14 = rng.randint(1, total)
                a18 = rng.randint(0, a14)
                yield (household_id(v, h), first_village + v, f"H{h}", code_key(f"H{h}"), total, a14, a18, 0,
                       f"h{h}", created, created, 0)
    n = load.rows("households", ("id", "village_id", "code", "code_key", "residents_total", "residents_14plus",
                                 "residents_18plus", "smartphones", "search_text", "created_at", "updated_at",
                                 "visit_count"), household_rows())
    _campaigns(load, now, communes, members + 2)
    print(f"areas, {members:,} members, {len(officers)} officers, {n:,} households: "
          f"{time.perf_counter() - t0:.1f}s", flush=True)
    db.session.commit()
    add_visits(visits, days, seed + 1)


def _campaigns(load: Loader, now: datetime, communes: int, organiser: int) -> None:
    """A campaign over the whole province and one over the first commune, both the last 14 days."""
    from fieldapp.timeutil import to_local
    end = to_local(now).date()
    start = end - timedelta(days=13)
    load.rows("campaigns", ("id", "name", "area_id", "starts_on", "ends_on", "created_by_id", "created_at"), [
        (1, "Chiến dịch VNeID toàn tỉnh", 1, start, end, organiser, now),
        (2, "Thi đua xã 2", 2, start, end, organiser, now)])


def _services(db) -> list[tuple[int, str]]:
    return [tuple(r) for r in db.session.execute(text("SELECT id, code FROM services ORDER BY id"))]


def add_visits(visits: int, days: int, seed: int | None) -> None:
    """visits more visits over the last `days` days, with their audit rows; then the households' list
    columns and every counter recomputed from all the visits."""
    from fieldapp.extensions import db
    from fieldapp.tallies.operations import rebuild_counters
    if seed is None:  # another batch of the same database: seeded by what it holds, so reproducible
        seed = 1000 + db.session.scalar(text("SELECT count(*) FROM visits"))
    rng = random.Random(seed)
    conn = db.session.connection()
    dialect = db.engine.dialect.name
    load = Loader(conn, dialect)
    t0 = time.perf_counter()
    first_village = db.session.scalar(text("SELECT min(id) FROM areas WHERE level = 'village'"))
    paths = dict(db.session.execute(text("SELECT id, path FROM areas WHERE level = 'village'")).all())
    villages = len(paths)
    per_village = db.session.scalar(text("SELECT count(*) FROM households")) // villages
    services = _services(db)
    if not db.session.scalar(text("SELECT count(*) FROM campaign_services")):
        load.rows("campaign_services", ("campaign_id", "service_id", "points"),
                  [(c, sid, 1) for c in (1, 2) for sid, _code in services])
    now = datetime.utcnow().replace(microsecond=0)
    outcomes = ["helped"] * 68 + ["not_home"] * 17 + ["declined"] * 4 + ["revisit"] * 11
    done = 0
    while done < visits:
        batch = min(250_000, visits - done)
        rows, assists, audits = [], [], []
        for _ in range(batch):
            v = rng.randrange(villages)
            vid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            when = now - timedelta(days=rng.randrange(days), minutes=rng.randrange(600), seconds=rng.randrange(60))
            received = when + timedelta(seconds=rng.randrange(1, 3600))
            outcome = outcomes[rng.randrange(100)]
            member = v * MEMBERS_PER_TEAM + rng.randrange(MEMBERS_PER_TEAM) + 1
            hid = household_id(v, rng.randrange(per_village))
            counts = {}
            if outcome == "helped":
                for sid, code in rng.sample(services, rng.choice((1, 1, 2))):
                    assists.append((vid, sid, 1))
                    counts[code] = 1
            rows.append((vid, hid, member, v + 1, when, received, outcome))
            after = {"household_id": hid, "outcome": outcome, "visited_at": when.isoformat(), "note": None,
                     "assists": dict(sorted(counts.items()))}
            audits.append((received, member, "create", "visit", vid, paths[first_village + v], json.dumps(after)))
        # In the order the server would have received them: the audit log's ids follow its time.
        audits.sort(key=lambda r: r[0])
        load.rows("visits", ("id", "household_id", "member_id", "team_id", "visited_at", "received_at", "outcome"),
                  rows)
        load.rows("assistance", ("visit_id", "service_id", "count"), assists)
        load.rows("audit_log", ("at", "actor_id", "action", "entity_type", "entity_id", "area_path", "after"), audits)
        done += batch
        print(f"  {done:,} visits", flush=True)
    db.session.commit()
    print(f"visits, assistance and audit rows inserted: {time.perf_counter() - t0:.1f}s", flush=True)
    t0 = time.perf_counter()
    _household_columns(db, dialect)
    db.session.commit()
    print(f"households' last visit, outcome and count: {time.perf_counter() - t0:.1f}s", flush=True)
    t0 = time.perf_counter()
    stats = rebuild_counters()
    db.session.commit()
    total = db.session.scalar(text("SELECT count(*) FROM visits"))
    print(f"counters rebuilt ({stats['day_rows']:,} day rows) over {total:,} visits: "
          f"{time.perf_counter() - t0:.1f}s", flush=True)
    analyse(db)


def _household_columns(db, dialect: str) -> None:
    """What the writer keeps on each household: its latest visit (time, outcome) and its visit count."""
    latest = ("SELECT household_id, count(*) AS n, max(visited_at) AS at FROM visits "
              "WHERE deleted_at IS NULL GROUP BY household_id")
    db.session.execute(text(
        f"UPDATE households SET visit_count = s.n, last_visited_at = s.at, "
        f"last_outcome = (SELECT outcome FROM visits v WHERE v.household_id = s.household_id "
        f"AND v.visited_at = s.at LIMIT 1) FROM ({latest}) AS s WHERE households.id = s.household_id"))


def analyse(db) -> None:
    t0 = time.perf_counter()
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    print(f"analysed: {time.perf_counter() - t0:.1f}s", flush=True)


def describe(url: str | None = None) -> str:
    """One line naming the database a figure was measured on (its size and settings)."""
    from fieldapp.extensions import db
    counts = {t: db.session.scalar(text(f"SELECT count(*) FROM {t}"))
              for t in ("households", "visits", "audit_log", "users")}
    villages = db.session.scalar(text("SELECT count(*) FROM areas WHERE level = 'village'"))
    if db.engine.dialect.name == "postgresql":
        settings = ", ".join(f"{k}={db.session.scalar(text(f'SHOW {k}'))}" for k in
                             ("server_version", "fsync", "synchronous_commit", "shared_buffers", "random_page_cost",
                               "lc_collate"))
        size = db.session.scalar(text("SELECT pg_size_pretty(pg_database_size(current_database()))"))
        where = f"PostgreSQL ({settings}), {size}"
    else:
        mode = db.session.scalar(text("PRAGMA synchronous"))
        where = f"SQLite {db.session.scalar(text('SELECT sqlite_version()'))} (synchronous={mode})"
    return (f"{where}: {villages:,} villages, {counts['users']:,} users, {counts['households']:,} households, "
            f"{counts['visits']:,} visits, {counts['audit_log']:,} audit rows")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database URL (default: $DATABASE_URL, else bench/out/bench.sqlite)")
    parser.add_argument("--villages", type=int, default=5000)
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--visits", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=365, help="visits are spread over the last DAYS days")
    parser.add_argument("--add-visits", type=int, help="append this many visits to the existing database")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    url = database_url(args.db)
    if not args.add_visits:
        if url.startswith("postgresql"):
            recreate_postgres(url)
        elif url.startswith("sqlite:///"):
            for suffix in ("", "-wal", "-shm", "-writers"):
                Path(url[len("sqlite:///"):] + suffix).unlink(missing_ok=True)
    t0 = time.perf_counter()
    app = make_app(url)
    with app.app_context():
        if args.add_visits:
            add_visits(args.add_visits, args.days, None)
        else:
            generate(args.villages, args.households, args.visits, args.days, args.seed)
        print(describe(), flush=True)
    print(f"done in {time.perf_counter() - t0:.0f}s", flush=True)


if __name__ == "__main__":
    main()
