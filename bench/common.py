"""Pieces the benchmarks share: a fresh database to run against, a free port for a server."""
import socket
from pathlib import Path


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
