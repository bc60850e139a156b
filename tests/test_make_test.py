"""`make test` on a shared machine: each run's PostgreSQL half gets a database of its own (.ci/pg-run.sh) on
a private server on a free port, stopped and removed afterwards; an explicit PGPORT keeps working."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parent.parent
PROBE = ("import os, time, psycopg; url = os.environ['TEST_DATABASE_URL']; "
         "c = psycopg.connect(url); print(url, c.execute('SELECT current_database()').fetchone()[0], flush=True); "
         "time.sleep(1)")


def run(env: dict, *, background: bool = False):
    cmd = ["bash", ".ci/pg-run.sh", sys.executable, "-c", PROBE]
    if background:
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def refused(url: str) -> bool:
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.OperationalError:
        return True
    return False


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="run once, in the SQLite half")
def test_two_runs_at_once_get_their_own_server_and_database_and_leave_nothing_running():
    env = {k: v for k, v in os.environ.items() if k not in ("PGPORT", "PGDATA_DIR", "TEST_DATABASE_URL")}
    first, second = run(env, background=True), run(env, background=True)
    outs = []
    for proc in (first, second):
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        outs.append(out.split())
    (url1, db1), (url2, db2) = outs
    assert url1 != url2 and db1 != db2 and db1.startswith("fieldapp_test_")
    assert url1.rsplit(":", 1)[1].split("/")[0] != url2.rsplit(":", 1)[1].split("/")[0]  # two ports
    assert refused(url1) and refused(url2)  # both servers stopped (and their folders removed)


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="run once, in the SQLite half")
def test_an_explicit_pgport_uses_that_server_and_drops_only_its_database():
    port = subprocess.run([sys.executable, "-c", "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); "
                           "print(s.getsockname()[1])"], capture_output=True, text=True).stdout.strip()
    env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"}
    data = Path(f"/tmp/fieldapp-pg-explicit-{port}")  # the postgres user must reach it
    env.update(PGPORT=port, PGDATA_DIR=str(data))
    try:
        result = run(env)
        assert result.returncode == 0, result.stderr
        url, name = result.stdout.split()
        assert f"127.0.0.1:{port}/" in url
        admin = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        with psycopg.connect(admin) as conn:  # the server stays for the next focused run
            assert conn.execute("SELECT count(*) FROM pg_database WHERE datname = %s", (name,)).fetchone()[0] == 0
    finally:
        bin_dir = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
        stop = [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
        subprocess.run(["runuser", "-u", "postgres", "--", *stop] if os.getuid() == 0 else stop, capture_output=True)
        shutil.rmtree(data, ignore_errors=True)
