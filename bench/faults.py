"""Faults: 10,000 visits through gunicorn (2 workers) on PostgreSQL while workers and the server die.

    .venv/bin/python bench/faults.py [--visits 10000] [--batch 50] [--clients 6] [--port 8765] [--pgport 55439]

Starts its own throwaway PostgreSQL (.ci/postgres.sh on its own port and data directory, fsync turned
back on), migrates it, makes a commune, a village, a team, a member and households, then starts
`gunicorn -w 2` on 127.0.0.1. Client threads sign in over HTTP, take a CSRF token from
GET /api/v1/session and send the visits in batches to POST /api/v1/visits/batch, retrying on any
failure (connection error, timeout, 5xx) and now and then resending a batch already acknowledged.
Midway one worker is killed with SIGKILL; later the master and its workers are all killed with SIGKILL
and the server is started again. At the end it counts what the database holds and compares the
per-household tallies with a recount from the visits. Prints: sent, acknowledged, stored, duplicates,
lost, tally mismatches and the time taken; exits 1 if anything is off.
"""
import argparse
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent
SECRET = "faults-" + uuid.uuid4().hex
PASSWORD = "secret-pass-1"   # tests.factories.PASSWORD
MEMBER_PHONE = "0900000003"  # tests.factories: the member of village 1's team


# --- PostgreSQL and the data -------------------------------------------------------------------

def _pg(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    if os.getuid() == 0:  # PostgreSQL refuses to run as root
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def start_postgres(port: int) -> tuple[str, str]:
    """A fresh cluster on 127.0.0.1:port with the default durability (fsync on, synchronous_commit on).

    (.ci/postgres.sh installs PostgreSQL when it is missing, and is run first for that; its own
    cluster turns fsync off for test speed, so this one is separate.)"""
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    if not bins:
        subprocess.run(["bash", str(ROOT / ".ci/postgres.sh")], check=True, capture_output=True,
                       env={**os.environ, "PGPORT": str(port + 1)})
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    bin_dir = bins[-1]
    data_dir = f"/tmp/fieldapp-faults-pg-{port}"
    subprocess.run(["rm", "-rf", data_dir], check=True)
    os.makedirs(data_dir, mode=0o700)
    if os.getuid() == 0:
        subprocess.run(["chown", "postgres", data_dir], check=True)
    _pg([str(bin_dir / "initdb"), "-D", data_dir, "-A", "trust", "-U", "postgres", "-E", "UTF8",
         "--locale=C.UTF-8"])
    _pg([str(bin_dir / "pg_ctl"), "-D", data_dir, "-l", f"{data_dir}/server.log", "-w",
         "-o", f"-p {port} -k /tmp -c listen_addresses=127.0.0.1", "start"])
    _pg([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "fieldapp_faults"])
    url = f"postgresql://postgres@127.0.0.1:{port}/fieldapp_faults"
    import psycopg
    with psycopg.connect(url) as conn:
        assert conn.execute("SHOW fsync").fetchone()[0] == "on"
        assert conn.execute("SHOW synchronous_commit").fetchone()[0] == "on"
    return url, data_dir


def stop_postgres(data_dir: str) -> None:
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    if not bins:
        return
    try:
        _pg([str(bins[-1] / "pg_ctl"), "-D", data_dir, "-m", "fast", "stop"])
    except subprocess.CalledProcessError:
        pass


def prepare_database(url: str, households: int) -> list[str]:
    """Empty schema, every migration, the test world, and `households` households in village 1."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from fieldapp import create_app
    from fieldapp.extensions import db
    from fieldapp.households.operations import HouseholdData, create_household
    from tests.factories import build_world

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET,
                      "ARGON2_MEMORY_COST": 1024, "ARGON2_TIME_COST": 1, "ARGON2_PARALLELISM": 1})
    with app.app_context():
        db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.session.commit()
        upgrade()
        world = build_world()
        member = world.users["member"]
        ids = [create_household(member, world.village1, HouseholdData(
            code=f"F-{i:04d}", residents_total=4, residents_14plus=4, residents_18plus=4)).id
            for i in range(households)]
        db.session.commit()
        db.engine.dispose()
    return ids


# --- gunicorn ---------------------------------------------------------------------------------

class Server:
    def __init__(self, url: str, port: int):
        self.url, self.port, self.proc = url, port, None
        self.base = f"http://127.0.0.1:{port}"

    def start(self) -> None:
        env = {**os.environ, "DATABASE_URL": self.url, "FIELDAPP_SECRET_KEY": SECRET,
               "FIELDAPP_ARGON2_MEMORY_COST": "1024", "FIELDAPP_ARGON2_TIME_COST": "1"}
        self.proc = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{self.port}", "--timeout", "30",
             "--graceful-timeout", "2", "--log-level", "warning", "wsgi:app"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open("/tmp/fieldapp-faults-gunicorn.log", "a"))
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if requests.get(self.base + "/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def workers(self) -> list[int]:
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid:
                pids.append(int(stat.parent.name))
        return pids

    def kill_one_worker(self) -> int:
        pid = self.workers()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def kill_all(self) -> None:
        for pid in self.workers():
            os.kill(pid, signal.SIGKILL)
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


# --- Clients ----------------------------------------------------------------------------------

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.sent: set[str] = set()
        self.acknowledged: set[str] = set()
        self.requests = self.failures = self.resends = self.rejected = 0


class Client(threading.Thread):
    def __init__(self, base: str, batches: list[list[dict]], stats: Stats, seed: int, deadline: float):
        super().__init__(daemon=True)
        self.base, self.batches, self.stats, self.deadline = base, batches, stats, deadline
        self.rng = random.Random(seed)
        self.http = requests.Session()
        self.csrf = None
        self.error: str | None = None

    def sign_in(self) -> None:
        self.http.cookies.clear()
        page = self.http.get(self.base + "/login", timeout=10).text
        m = CSRF_RE.search(page)
        r = self.http.post(self.base + "/login", timeout=10, allow_redirects=False, data={
            "phone": MEMBER_PHONE, "password": PASSWORD, "csrf_token": (m.group(1) or m.group(2)) if m else ""})
        if r.status_code != 302:
            raise RuntimeError(f"sign-in answered {r.status_code}")
        self.csrf = self.http.get(self.base + "/api/v1/session", timeout=10).json()["csrf_token"]

    def send(self, batch: list[dict]) -> None:
        """Until the server has answered for every visit of the batch."""
        with self.stats.lock:
            self.stats.sent.update(v["id"] for v in batch)
        while True:
            if time.time() > self.deadline:
                raise TimeoutError("deadline")
            try:
                if self.csrf is None:
                    self.sign_in()
                with self.stats.lock:
                    self.stats.requests += 1
                r = self.http.post(self.base + "/api/v1/visits/batch", json={"visits": batch},
                                   headers={"X-CSRFToken": self.csrf}, timeout=15)
                if r.status_code in (400, 401):  # session or token lost: sign in again
                    self.csrf = None
                    raise RuntimeError(f"{r.status_code}")
                if r.status_code != 200:
                    raise RuntimeError(f"{r.status_code}")
                results = r.json()["results"]
                ok = {x["id"] for x in results if x["status"] in ("created", "duplicate")}
                with self.stats.lock:
                    self.stats.acknowledged.update(ok)
                    self.stats.rejected += sum(1 for x in results if x["status"] == "rejected")
                return
            except (requests.RequestException, RuntimeError, ValueError, KeyError):
                with self.stats.lock:
                    self.stats.failures += 1
                time.sleep(0.1 + self.rng.random() * 0.3)

    def run(self) -> None:
        try:
            done = []
            for batch in self.batches:
                self.send(batch)
                done.append(batch)
                if self.rng.random() < 0.2:  # a phone that missed the answer sends it again
                    with self.stats.lock:
                        self.stats.resends += 1
                    self.send(self.rng.choice(done))
        except Exception as err:  # noqa: BLE001 - reported at the end
            self.error = repr(err)


def make_visits(household_ids: list[str], total: int, member_since) -> list[dict]:
    """`total` visits spread over the households; two per household are "helped" with one VNeID
    (within the cap of 4 people aged 14+), the others "not_home". Each has a unique note."""
    visits = []
    for i in range(total):
        household = household_ids[i % len(household_ids)]
        round_ = i // len(household_ids)
        helped = round_ < 2
        visits.append({
            "id": str(uuid.uuid4()), "household_id": household,
            "visited_at": (member_since + timedelta(milliseconds=10 * i)).isoformat() + "Z",
            "outcome": "helped" if helped else "not_home", "note": f"faults visit {i}",
            "assists": [{"service": "vneid", "count": 1}] if helped else []})
    return visits


# --- Checking ---------------------------------------------------------------------------------

def recount(url: str) -> dict:
    """What the database holds, and every stored tally against a recount from the visits.

    To check another tally, add a query returning the rows where the stored figure and the recount differ.
    """
    import psycopg
    mismatch_queries = {
        "household visit_count": """
            SELECT h.id FROM households h LEFT JOIN visits v ON v.household_id = h.id AND v.deleted_at IS NULL
            GROUP BY h.id, h.visit_count HAVING h.visit_count <> count(v.id)""",
        "household last_visited_at/last_outcome": """
            SELECT h.id FROM households h JOIN LATERAL (
                SELECT v.visited_at, v.outcome FROM visits v WHERE v.household_id = h.id AND v.deleted_at IS NULL
                ORDER BY v.visited_at DESC LIMIT 1) last ON true
            WHERE h.last_visited_at IS DISTINCT FROM last.visited_at
               OR (h.last_outcome IS DISTINCT FROM last.outcome
                   AND (SELECT count(*) FROM visits w WHERE w.household_id = h.id
                        AND w.visited_at = last.visited_at) = 1)""",
    }
    with psycopg.connect(url) as conn:
        out = {
            "stored": conn.execute("SELECT count(*) FROM visits WHERE note LIKE 'faults visit %'").fetchone()[0],
            "ids": {r[0] for r in conn.execute("SELECT id FROM visits WHERE note LIKE 'faults visit %'")},
            "same_content": conn.execute("""SELECT count(*) FROM (SELECT note FROM visits WHERE note LIKE 'faults visit %'
                                            GROUP BY note, household_id, visited_at HAVING count(*) > 1) d""").fetchone()[0],
            "assisted": conn.execute("""SELECT coalesce(sum(a.count), 0) FROM assistance a
                                        JOIN visits v ON v.id = a.visit_id WHERE v.note LIKE 'faults visit %'""").fetchone()[0],
            "audit": conn.execute("SELECT count(*) FROM audit_log WHERE entity_type = 'visit'").fetchone()[0],
            "mismatches": {name: len(conn.execute(sql).fetchall()) for name, sql in mismatch_queries.items()},
        }
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--visits", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--households", type=int, default=200)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--pgport", type=int, default=55439)
    parser.add_argument("--time-limit", type=float, default=300)
    args = parser.parse_args()

    started = time.time()
    url, data_dir = start_postgres(args.pgport)
    server = Server(url, args.port)
    try:
        household_ids = prepare_database(url, args.households)
        from fieldapp.timeutil import utcnow
        visits = make_visits(household_ids, args.visits, utcnow() - timedelta(minutes=5))
        batches = [visits[i:i + args.batch] for i in range(0, len(visits), args.batch)]
        random.Random(7).shuffle(batches)
        server.start()
        t0 = time.time()
        stats = Stats()
        deadline = t0 + args.time_limit
        clients = [Client(server.base, batches[i::args.clients], stats, seed=i, deadline=deadline)
                   for i in range(args.clients)]
        for c in clients:
            c.start()
        events = []
        while len(stats.acknowledged) < 0.3 * args.visits and any(c.is_alive() for c in clients):
            time.sleep(0.05)
        events.append(f"worker {server.kill_one_worker()} killed (SIGKILL) at {len(stats.acknowledged)} acknowledged")
        while len(stats.acknowledged) < 0.65 * args.visits and any(c.is_alive() for c in clients):
            time.sleep(0.05)
        at = len(stats.acknowledged)
        server.kill_all()
        events.append(f"whole server killed (SIGKILL master and workers) at {at} acknowledged")
        time.sleep(1.0)  # clients keep retrying against a closed port meanwhile
        server.start()
        events.append("server restarted")
        for c in clients:
            c.join()
        elapsed = time.time() - t0
        errors = [c.error for c in clients if c.error]
        db_state = recount(url)
    finally:
        server.stop()
        stop_postgres(data_dir)

    sent = stats.sent
    lost = sent - db_state["ids"]
    unacknowledged = sent - stats.acknowledged
    expected_assisted = sum(a["count"] for v in visits for a in v["assists"])
    print("fieldapp faults: gunicorn -w 2 on PostgreSQL (fsync on), "
          f"{args.clients} clients, batches of {args.batch}")
    for e in events:
        print("  event:", e)
    print(f"sent          {len(sent)}")
    print(f"acknowledged  {len(stats.acknowledged)}")
    print(f"stored        {db_state['stored']}")
    print(f"duplicates    {db_state['stored'] - len(db_state['ids']) + db_state['same_content']}")
    print(f"lost          {len(lost)}")
    print(f"unacknowledged {len(unacknowledged)}")
    print(f"requests      {stats.requests} (failed and retried: {stats.failures}; batches resent on purpose: {stats.resends})")
    print(f"rejected      {stats.rejected}")
    print(f"assistance    {db_state['assisted']} stored, {expected_assisted} sent")
    print(f"audit rows    {db_state['audit']} visit entries")
    for name, n in db_state["mismatches"].items():
        print(f"tally check   {name}: {n} households differ from the recount")
    print(f"time          {elapsed:.1f} s sending, {time.time() - started:.1f} s in all")
    if errors:
        print("client errors:", errors)
    ok = (len(sent) == args.visits and db_state["stored"] == args.visits and not lost and not unacknowledged
          and db_state["same_content"] == 0 and db_state["assisted"] == expected_assisted
          and not any(db_state["mismatches"].values()) and not errors and stats.rejected == 0)
    print("RESULT", "OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
