"""Time every heavy page (and job) of each role on the province-sized database of bench/generate.py.

    python bench/pages.py --db postgresql://postgres@127.0.0.1:55457/province --runs 5
    python bench/pages.py --db ... --root /tmp/fieldapp-before     # the same pages with another checkout's code
    python bench/pages.py --db ... --only audit,campaign           # cases whose name holds one of these words

Each case signs in as its role (the accounts bench/generate.py makes), requests the page once to warm
the caches, then `--runs` times; it prints the median and the range of the wall time, the CPU time of
this process (the app's Python; the database's own CPU is not in it), the SQL statements, the status and
the bytes of the answer, and the load average before the case (the machine is shared: read the figures
with it). Requests go through the Flask test client into the real app (no HTTP server, no network): the
time a gunicorn worker would be held. A case answered with a background job (a redirect to /jobs/…) also
gets the job's own time, run in this process after the request as the worker would run it.
It measures; it asserts nothing. `--json FILE` writes the figures for docs/performance.md.
"""
import argparse
import json
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--root", default=str(HERE.parent), help="the checkout whose fieldapp/ is measured")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", default="", help="comma-separated words: run the cases whose name has one")
    parser.add_argument("--json", help="append the figures to this file (one JSON object a line)")
    parser.add_argument("--label", default="", help="a label written with the figures (e.g. before/after)")
    return parser.parse_args()


ARGS = parse()
sys.path.insert(0, ARGS.root)
sys.path.insert(1, str(HERE))

from generate import (ADMIN_PHONE, BENCH_PASSWORD, PROVINCE_PHONE, describe, household_id,  # noqa: E402
                      member_phone, officer_phone)
from sqlalchemy import event, text  # noqa: E402

from fieldapp import create_app, settle_worker  # noqa: E402
from fieldapp.extensions import db  # noqa: E402


def cases(today) -> list[tuple[str, str, str]]:
    """(name, phone of the role, URL). Ids: province 1, communes 2-137, villages 138-5137, team t in village
    137 + t, members 5(t-1)+1 (leader) … 5t; campaign 1 over the province, 2 over commune 2."""
    month_ago, year_ago = (today - timedelta(days=29)).isoformat(), (today - timedelta(days=364)).isoformat()
    d = today.isoformat()
    leader, member, officer, province, admin = member_phone(1), member_phone(2), officer_phone(2), PROVINCE_PHONE, \
        ADMIN_PHONE
    return [
        ("member: village household list", member, "/villages/138"),
        ("member: household page", member, f"/households/{household_id(0, 7)}"),
        ("member: visit form", member, f"/households/{household_id(0, 7)}/visits/new"),
        ("member: my visits", member, "/visits/mine"),
        ("member: village leaderboard (week)", member, "/leaderboard/138"),
        ("leader: village dashboard", leader, "/dashboard/138"),
        ("leader: team visits", leader, "/visits/team"),
        ("commune: dashboard", officer, "/dashboard/2"),
        ("commune: leaderboard (month)", officer, "/leaderboard/2?period=month"),
        ("commune: campaign board (commune campaign)", officer, "/campaigns/2"),
        ("commune: campaign board (province campaign)", officer, "/campaigns/1"),
        ("commune: audit log", officer, "/audit"),
        ("commune: audit log, older page", officer, "/audit?page=20"),
        ("commune: anomalies (30 days)", officer, f"/dashboard/2/anomalies?from={month_ago}&to={d}"),
        ("commune: drill-down, visits", officer, "/dashboard/2/visits"),
        ("commune: drill-down, households not visited", officer, "/dashboard/2/households"),
        ("commune: teams", officer, "/communes/2/teams"),
        ("commune: XLSX export, 30 days", officer, f"/exports/download?area=2&from={month_ago}&to={d}&format=xlsx"),
        ("commune: XLSX export, a year", officer, f"/exports/download?area=2&from={year_ago}&to={d}&format=xlsx"),
        ("commune: periodic report, quarter", officer, "/reports/2"),
        ("province: dashboard", province, "/dashboard/1"),
        ("province: leaderboard (month)", province, "/leaderboard/1?period=month"),
        ("province: campaign board", province, "/campaigns/1"),
        ("province: drill-down, visits", province, "/dashboard/1/visits"),
        ("province: drill-down, households not visited", province, "/dashboard/1/households"),
        ("province: too-large export refused (CSV, a year)", province,
         f"/exports/download?area=1&from={year_ago}&to={d}&format=csv"),
        ("province: periodic report, a year", province, f"/reports/1?period=custom&from={year_ago}&to={d}"),
        ("admin: audit log", admin, "/audit"),
        ("admin: audit log, older page", admin, "/audit?page=20"),
        ("admin: audit log, visits of one day", admin, f"/audit?type=visit&from={month_ago}&to={month_ago}"),
        # The other pages a role opens, measured since the fourth round of issue 19 (no "before" figures).
        ("member: village households (API, the phone's sync)", member, "/api/v1/households?village=138"),
        ("member: my results", member, "/me/results"),
        ("member: walk sheet", member, "/villages/138/walk-sheet"),
        ("leader: team members", leader, "/teams/1/members"),
        ("commune: commendation proposal", officer, "/reports/2/commendation"),
        ("commune: sign-off of the villages", officer, "/signoff/communes/2"),
        ("province: periodic report, last quarter (with the quarter before)", province, "/reports/1"),
        ("province: report document (last quarter)", province, "/reports/1/document"),
        ("province: leaderboard (quarter)", province, "/leaderboard/1?period=quarter"),
        ("province: tally (API)", province, "/api/v1/areas/1/tally"),
        ("province: sign-off of the communes", province, "/signoff/provinces/1"),
        ("admin: accounts", admin, "/admin/accounts"),
    ]


def load_average() -> float:
    return os.getloadavg()[0]


def main() -> None:
    url = ARGS.db
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    settle_worker()  # as wsgi.py does in a gunicorn worker: what the app made at start is not walked by the collector
    queued: list[str] = []
    try:  # the code measured has background jobs: catch what a request hands the worker, run it here after
        import fieldapp.jobs.store as store
        from fieldapp.jobs.operations import run as run_job
        store.enqueue = queued.append
    except ImportError:
        run_job = None
    statements = [0]
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a, **k: statements.__setitem__(0, statements[0] + 1))
        where = describe()
        from fieldapp.counting import today
        todo = cases(today())
        head = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
        db.session.remove()
    only = [w.strip().lower() for w in ARGS.only.split(",") if w.strip()]
    print(f"code: {ARGS.root} (migration {head}); {where}", flush=True)
    print(f"{'case':52s} {'median ms':>10s} {'min–max ms':>15s} {'CPU ms':>8s} {'SQL':>5s} {'status':>6s} "
          f"{'KB':>7s} {'load':>5s}", flush=True)
    clients: dict[str, object] = {}
    for name, phone, path in todo:
        if only and not any(w in name.lower() for w in only):
            continue
        client = clients.get(phone)
        if client is None:
            client = clients[phone] = app.test_client()
            r = client.post("/login", data={"phone": phone, "password": BENCH_PASSWORD})
            assert r.status_code in (302, 303), (phone, r.status_code)
        load = load_average()
        with app.app_context():
            response = client.get(path)  # warm
            walls, cpus, sqls, jobs = [], [], [], []
            for _ in range(ARGS.runs):
                statements[0] = 0
                queued.clear()
                c0, w0 = time.process_time(), time.perf_counter()
                response = client.get(path)
                body = response.get_data()
                walls.append((time.perf_counter() - w0) * 1000)
                cpus.append((time.process_time() - c0) * 1000)
                sqls.append(statements[0])
                for job_id in list(queued):  # as the worker runs it, timed apart from the request
                    w0 = time.perf_counter()
                    run_job(job_id)
                    jobs.append((time.perf_counter() - w0) * 1000)
        row = {"case": name, "path": path, "median_ms": statistics.median(walls), "min_ms": min(walls),
               "max_ms": max(walls), "cpu_ms": statistics.median(cpus), "sql": statistics.median(sqls),
               "status": response.status_code, "kb": len(body) / 1024, "load": load, "runs": ARGS.runs,
               "label": ARGS.label, "root": ARGS.root, "database": where, "migration": head,
               "job_ms": statistics.median(jobs) if jobs else None}
        print(f"{name:52s} {row['median_ms']:10.0f} {row['min_ms']:7.0f}–{row['max_ms']:<7.0f} {row['cpu_ms']:8.0f} "
              f"{row['sql']:5.0f} {row['status']:6d} {row['kb']:7.1f} {load:5.2f}"
              + (f"  job {row['job_ms']:.0f} ms" if jobs else ""), flush=True)
        if ARGS.json:
            with open(ARGS.json, "a") as f:
                f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
