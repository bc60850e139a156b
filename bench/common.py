"""Pieces the benchmarks share: a fresh database to run against, a free port for a server, a COMMIT timer, a
statement timer, a yardstick of the machine's speed, the PostgreSQL server's own time per statement."""
import atexit
import collections
import json
import os
import platform
import re
import socket
import statistics
import time
from pathlib import Path

from sqlalchemy.engine.default import DefaultDialect

TICK = os.sysconf("SC_CLK_TCK")


def fresh_database(kind: str, pg_url: str, name: str, sqlite_path: Path) -> str:
    """The URL of an empty database: the SQLite file (and its -wal, -shm, -writers) removed, or the
    PostgreSQL database `name` dropped and created again beside pg_url's."""
    if kind == "sqlite":
        for suffix in ("", "-wal", "-shm", "-writers"):
            Path(str(sqlite_path) + suffix).unlink(missing_ok=True)
        return f"sqlite:///{sqlite_path}"
    from sqlalchemy import create_engine, text
    admin = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return pg_url.rsplit("/", 1)[0] + "/" + name


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_of(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def worker_pid(master: int) -> int:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


def time_commits() -> dict:
    """From now on, every COMMIT through SQLAlchemy in this process adds its wall time and this process's CPU
    to the dict returned ({"wall": s, "cpu": s, "n": commits}): SQLite's fsync of the WAL, or the wait for
    PostgreSQL's answer."""
    totals = {"wall": 0.0, "cpu": 0.0, "n": 0}
    do_commit = DefaultDialect.do_commit

    def timed(self, dbapi_connection):
        w0, c0 = time.perf_counter(), time.process_time()
        try:
            return do_commit(self, dbapi_connection)
        finally:
            totals["wall"] += time.perf_counter() - w0
            totals["cpu"] += time.process_time() - c0
            totals["n"] += 1
    DefaultDialect.do_commit = timed  # type: ignore[method-assign]
    return totals


def time_statements(engine) -> dict:
    """From now on, every statement this engine runs adds its wall time, from the driver's call to its return,
    to the dict returned ({"wall": s, "n": statements}): what the database itself takes (on SQLite, in this
    process), without SQLAlchemy's or the app's Python around it. COMMITs are time_commits'."""
    from sqlalchemy import event
    totals = {"wall": 0.0, "n": 0}
    started: list[float] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _before(*_args):
        started.append(time.perf_counter())

    @event.listens_for(engine, "after_cursor_execute")
    def _after(*_args):
        totals["wall"] += time.perf_counter() - started.pop()
        totals["n"] += 1
    return totals


def yardstick() -> str:
    """The machine's speed at a fixed piece of pure Python (dicts, strings, JSON, a sort: the kind of work a
    request does), as the best of 5 runs in ms of this process's CPU, with the CPU's name. CPU figures from two
    machines compare only through it: one visit through gunicorn, the same code, took 9.1 ms of CPU on one of
    this project's VMs and 2.3 ms on another (docs/performance.md)."""
    runs = []
    for _ in range(5):
        t0 = time.process_time()
        for i in range(20_000):
            record = {"id": str(i), "n": i, "tags": [str(j) for j in range(10)]}
            json.loads(json.dumps(record))
            sorted(record["tags"], reverse=True)
        runs.append((time.process_time() - t0) * 1000)
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "?")
    return f"yardstick {min(runs):.0f} ms ({cpu}, Python {platform.python_version()})"


_DURATION = re.compile(r"duration: ([0-9.]+) ms  (?:execute [^:]+|statement): (.{0,110})")


def log_statements(url: str, server_log: str):
    """PostgreSQL on this machine: from now on (new sessions) the server logs every statement's time
    (log_min_duration_statement = 0 on the database, reset when this process exits). Returns a function that
    prints the server's mean time per statement logged since, the slowest first."""
    from sqlalchemy import create_engine, text
    admin = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT").connect()
    name = url.rsplit("/", 1)[1]
    admin.execute(text(f"ALTER DATABASE {name} SET log_min_duration_statement = 0"))
    atexit.register(admin.execute, text(f"ALTER DATABASE {name} RESET log_min_duration_statement"))
    start = Path(server_log).stat().st_size

    def report(top: int = 12) -> None:
        found: dict[str, list[float]] = collections.defaultdict(list)
        with open(server_log, errors="replace") as f:
            f.seek(start)
            for match in _DURATION.finditer(f.read()):
                found[match.group(2)].append(float(match.group(1)))
        print("server's mean ms | runs | total ms | statement (from the server's log; warm-up included)")
        for statement, times in sorted(found.items(), key=lambda kv: -sum(kv[1]))[:top]:
            print(f"{statistics.mean(times):8.3f} | {len(times):5d} | {sum(times):8.1f} | {statement}")
    return report
