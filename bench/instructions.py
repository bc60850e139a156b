"""Instructions the app's process executes per sync request, counted by valgrind (callgrind): a figure that
does not move with the machine's load or with another VM's speed, so two versions of the code can be
compared on a shared machine where CPU time moves by 20-50% from one minute to the next.

    .venv/bin/python bench/instructions.py --db postgresql://postgres@127.0.0.1:55457/batch_i19            # one visit a request
    .venv/bin/python bench/instructions.py --db postgresql://postgres@127.0.0.1:55457/batch_i19 --per-request 100 --requests 20

Two runs of the same driver, side by side (one core each): both sign in through the login form (CSRF on), post
`--warm` batches, then one stops and the other posts `--requests` more; the difference of their totals, divided
by `--requests`, is what one request costs (the start-up, imports and warm-up cancel out). The requests go
through the Flask test client (the app factory, every hook, the real database), not gunicorn: gunicorn's HTTP
parsing and the test client's own work are outside what this compares. Only this process is counted: on
PostgreSQL the server's own work is not (see pg_stat_statements, docs/performance.md). PYTHONHASHSEED is
fixed, so two runs of the same code give the same count to about 0.01%.

The database must be one bench/batch_floor.py has written to (its member's village has households with UUID
ids); the visits are "not_home", stored like any other.
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


def drive(url: str, warm: int, requests: int, per_request: int) -> None:
    """The driver valgrind runs: sign in, warm up, post the batches."""
    from sqlalchemy import text

    from bench.batch_floor import DEMO_MEMBER, DEMO_PASSWORD
    from bench.generate import BENCH_PASSWORD, member_phone
    from fieldapp import create_app, settle_worker
    from fieldapp.extensions import db
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    settle_worker()
    with app.app_context():
        province = db.session.execute(text("SELECT 1 FROM users WHERE phone = :p"),
                                      {"p": member_phone(2)}).first() is not None
        phone, password = (member_phone(2), BENCH_PASSWORD) if province else (DEMO_MEMBER, DEMO_PASSWORD)
        households = [r[0] for r in db.session.execute(text(
            "SELECT h.id FROM households h JOIN teams t ON t.village_id = h.village_id JOIN users u ON u.team_id = t.id "
            "WHERE u.phone = :p AND h.deleted_at IS NULL AND length(h.id) = 36 ORDER BY h.id"), {"p": phone})]
        db.session.remove()
    assert households, "no household with a UUID id: run bench/batch_floor.py on this database first"
    client = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").text).group(1)
    r = client.post("/login", data={"phone": phone, "password": password, "csrf_token": token})
    assert r.status_code == 302, r.status_code
    csrf = client.get("/api/v1/session").get_json()["csrf_token"]
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    serial = [0]

    def post() -> None:
        serial[0] += 1
        body = json.dumps({"households": [], "visits": [
            {"id": str(uuid.uuid4()), "household_id": households[(serial[0] * 7 + i) % len(households)],
             "outcome": "not_home", "visited_at": now} for i in range(per_request)]})
        r = client.post("/api/v1/visits/batch", data=body,
                        headers={"Content-Type": "application/json", "X-CSRFToken": csrf})
        assert r.status_code == 200 and r.data.count(b'"created"') == per_request, (r.status_code, r.data[:300])

    for _ in range(warm + requests):
        post()


def counted(args, requests: int, out: Path) -> subprocess.Popen:
    """One driver run under callgrind, started (`total` waits for its count)."""
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": str(ROOT)}
    cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, __file__, "--drive",
           "--db", args.db, "--warm", str(args.warm), "--requests", str(requests), "--per-request", str(args.per_request)]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def total(proc) -> int:
    _out, err = proc.communicate()
    assert proc.returncode == 0, err[-3000:]
    found = re.search(r"Collected : (\d+)", err)
    assert found, err[-3000:]
    return int(found.group(1))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", required=True, help="a PostgreSQL URL, or sqlite:///path")
    p.add_argument("--per-request", type=int, default=1, help="visits in each batch")
    p.add_argument("--requests", type=int, default=200, help="batches counted")
    p.add_argument("--warm", type=int, default=30, help="batches before, in both runs")
    p.add_argument("--drive", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    url = args.db.replace("postgresql://", "postgresql+psycopg://", 1)
    if args.drive:
        drive(url, args.warm, args.requests, args.per_request)
        return
    OUT.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    base = counted(args, 0, OUT / "callgrind.base.out")
    more = counted(args, args.requests, OUT / "callgrind.more.out")
    low, high = total(base), total(more)
    per = (high - low) / args.requests
    kind = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"# {kind}, {args.requests} batches of {args.per_request} visit(s) after {args.warm}, through the test client; "
          f"valgrind --tool=callgrind, {time.perf_counter() - t0:.0f} s, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"instructions: {low:,} (warm-up only), {high:,} (and the batches counted)")
    print(f"the app's process: {per / 1e6:.3f} M instructions a batch"
          + (f", {per / args.per_request / 1e6:.3f} M a visit" if args.per_request > 1 else ""))


if __name__ == "__main__":
    main()
