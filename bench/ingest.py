"""Ingest through gunicorn (the production gunicorn.conf.py, 2 workers) with wrk on loopback.

Three scenarios, each bounded in time, in the same run against the same server and database:
  floor  POST /bench/floor (bench/floor_app.py only): a bare insert of one row, no session
  form   POST /households/<id>/visits/new: the single-visit form, signed in, CSRF token
         from the form page, a fresh client_id each time (answer 302)
  batch  POST /api/v1/visits/batch with 100 visits per request, X-CSRFToken from /api/v1/session
Visits are "not_home" spread over the member's village (~240 households of the demo data), so
the eligibility cap never refuses one; the number of visits actually stored is counted in the
database after each scenario, so a refused request cannot pass for a fast one.

    .venv/bin/python bench/ingest.py --db sqlite
    .venv/bin/python bench/ingest.py --db pg --pg-url postgresql://postgres@127.0.0.1:55440/postgres

Needs `wrk` (Debian: apt-get install wrk). Files go to bench/out/ (gitignored). Prints a table;
afterwards the RSS of each gunicorn worker (VmRSS)."""
import argparse
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import free_port, fresh_database  # noqa: E402
from fieldapp.timeutil import UTC_OFFSET  # noqa: E402

OUT = ROOT / "bench" / "out"
PY = sys.executable
MEMBER, PASSWORD = "0900000003", "demo1234"

LUA = r"""
local hh = {%(households)s}
local kind = "%(kind)s"
local run = "%(run)s"
local counter = 0
local tid = 0
local threads = {}
local nthreads = 0
function setup(thread)
  nthreads = nthreads + 1
  thread:set("tid", nthreads)
  table.insert(threads, thread)
end
local cookie = "%(cookie)s"  -- wrk.format replaces wrk.headers when given headers: set it on each
local function uuid()
  counter = counter + 1
  return string.format("%%s-%%04x-4000-8000-%%012d", run, tid, counter)
end
function request()
  if kind == "floor" then
    return wrk.format("POST", "/bench/floor", {["Content-Length"] = "0"}, "")
  elseif kind == "form" then
    local h = hh[(counter %% #hh) + 1]
    local body = "csrf_token=%(csrf)s&outcome=not_home&visited_at=%(local_now)s&note=&client_id=" .. uuid()
    return wrk.format("POST", "/households/" .. h .. "/visits/new",
      {["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = cookie}, body)
  else
    local parts = {}
    for i = 1, 100 do
      local h = hh[((counter + i * 7) %% #hh) + 1]
      parts[i] = '{"id":"' .. uuid() .. '","household_id":"' .. h ..
        '","outcome":"not_home","visited_at":"%(utc_now)s"}'
    end
    local body = '{"user_id":%(user_id)s,"households":[],"visits":[' .. table.concat(parts, ",") .. ']}'
    return wrk.format("POST", "/api/v1/visits/batch",
      {["Content-Type"] = "application/json", ["X-CSRFToken"] = "%(csrf)s", ["Cookie"] = cookie}, body)
  end
end
function done(summary, latency, requests)
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read
            + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %%d %%d %%d %%d %%d %%d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), bad))
end
"""


def flask(env, *args):
    subprocess.run([PY, "-m", "flask", "--app", "fieldapp", *args], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)


def prepare_database(args, env) -> str:
    url = fresh_database(args.db, args.pg_url, "fieldapp_bench", OUT / "ingest.sqlite")
    env["DATABASE_URL"] = url
    flask(env, "db", "upgrade")
    flask(env, "seed-demo")
    if args.db == "pg":
        # As autovacuum would on a live server: planner statistics for the tables just filled
        # (without them the first minute ran on a fresh database's guesses, at half the speed).
        from sqlalchemy import create_engine, text
        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("VACUUM ANALYZE"))
        engine.dispose()
    return url


def sql(url: str, statement: str, **params):
    from sqlalchemy import create_engine, text
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        result = conn.execute(text(statement), params).all() if statement.lstrip().upper().startswith("SELECT") \
            else conn.execute(text(statement), params)
    engine.dispose()
    return result


def sign_in(base: str):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"phone": MEMBER, "password": PASSWORD, "csrf_token": token,
                                   "remember": "y"}).encode()
    opener.open(base + "/login", data=data).read()
    session = json.loads(opener.open(base + "/api/v1/session").read())
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return opener, cookie, session


def form_token(opener, base: str, household_id: str) -> str:
    page = opener.open(f"{base}/households/{household_id}/visits/new").read().decode()
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def run_wrk(args, base, kind, ctx) -> dict:
    script = OUT / f"ingest-{kind}.lua"
    script.write_text(LUA % {**ctx, "kind": kind, "run": secrets.token_hex(4)})
    cmd = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--timeout", "10s",
           "-s", str(script), base]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    line = next(l for l in out.splitlines() if l.startswith("RESULT"))
    n, duration_us, p50, p95, p99, bad = map(int, line.split()[1:])
    return {"requests": n, "seconds": duration_us / 1e6, "p50": p50 / 1000, "p95": p95 / 1000,
            "p99": p99 / 1000, "errors": bad, "command": " ".join(cmd)}


def worker_rss(master_pid: int) -> list[int]:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    out = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                out.append(int(line.split()[1]) // 1024)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "pg"), default="sqlite")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:55440/postgres",
                        help="a PostgreSQL database to connect to; fieldapp_bench is (re)created beside it")
    parser.add_argument("--duration", type=int, default=20, help="seconds per scenario")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")
    OUT.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "FIELDAPP_SECRET_KEY": secrets.token_hex(32), "PYTHONPATH": str(ROOT)}
    url = prepare_database(args, env)
    sql(url, "CREATE TABLE bench_floor (id VARCHAR(36) PRIMARY KEY, note VARCHAR(20))")
    households = [r[0] for r in sql(url, """
        SELECT h.id FROM households h JOIN teams t ON t.village_id = h.village_id
        JOIN users u ON u.team_id = t.id WHERE u.phone = :phone AND h.deleted_at IS NULL ORDER BY h.id""",
        phone=MEMBER)]

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(OUT / f"gunicorn-{args.db}.log", "w")
    server = subprocess.Popen(
        [PY, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "bench.floor_app:app"],
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(args.workers)},
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        opener, cookie, session = sign_in(base)
        now = datetime.now(UTC)
        ctx = {"households": ",".join(f'"{h}"' for h in households), "cookie": cookie,
               "user_id": session["user"]["id"], "utc_now": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
               "local_now": urllib.parse.quote((now + UTC_OFFSET).strftime("%Y-%m-%dT%H:%M"))}
        results = {}
        for kind in ("floor", "form", "batch"):
            ctx["csrf"] = form_token(opener, base, households[0]) if kind == "form" else session["csrf_token"]
            table, = ("bench_floor",) if kind == "floor" else ("visits",)
            before = sql(url, f"SELECT count(*) FROM {table}")[0][0]
            res = run_wrk(args, base, kind, ctx)
            res["stored"] = sql(url, f"SELECT count(*) FROM {table}")[0][0] - before
            results[kind] = res
            time.sleep(1)
        rss = worker_rss(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"# ingest on {args.db} ({url.split('@')[-1]}), gunicorn {args.workers} sync workers, "
          f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s, {os.cpu_count()} CPU ({cpu}), "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average before: {os.getloadavg()[0]:.2f}")
    print("| scenario | requests/s | visits (rows)/s | p50 ms | p95 ms | p99 ms | rows stored | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for kind, r in results.items():
        rps = r["requests"] / r["seconds"]
        print(f"| {kind} | {rps:.0f} | {r['stored'] / r['seconds']:.0f} | {r['p50']:.1f} | {r['p95']:.1f} | "
              f"{r['p99']:.1f} | {r['stored']} | {r['errors']} |")
    floor = results["floor"]["requests"] / results["floor"]["seconds"]
    form = results["form"]["requests"] / results["form"]["seconds"]
    print(f"form / floor = {form / floor:.2f} (goal >= 0.5); batch = "
          f"{results['batch']['stored'] / results['batch']['seconds']:.0f} visits/s (goal >= 5000)")
    print(f"gunicorn worker RSS after the run: {', '.join(f'{m} MB' for m in rss)} (goal < 100 MB)")
    (OUT / f"ingest-{args.db}.json").write_text(json.dumps({"results": results, "rss_mb": rss}, indent=1))


if __name__ == "__main__":
    main()
