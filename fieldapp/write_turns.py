"""Writers take turns on SQLite through an OS file lock, handed over the moment it is released.

SQLite lets one writer in at a time; the others wait in its busy handler, which sleeps and retries
(after 1, 2, 5, 10, 15, 20, 25 ... ms). With two gunicorn workers sending sync batches that hold
the write lock ~25 ms each, the waiting worker overslept by several milliseconds at every turn:
half the CPU sat idle (measured with vmstat during bench/ingest.py). A blocking flock() on a file
beside the database queues the writers in the kernel instead, and wakes the next one at once.

It only orders the writers that use it (the sync batch, whose write lock is held longest); SQLite's
own locking still guarantees correctness for every writer, with or without it. PostgreSQL, or a
database without a file (":memory:"), goes straight through.
"""
import fcntl
import os

from .extensions import db
from .unit_of_work import when_done


def _lock_path() -> str | None:
    bind = db.session.get_bind()
    if bind.dialect.name != "sqlite":
        return None
    database = bind.engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return database + "-writers"


def _take() -> int | None:
    """Wait for the turn and hold it: the open file description holding the lock, or None where there is none."""
    path = _lock_path()
    if path is None:
        return None
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:  # a read-only folder: SQLite's busy handler alone, as before
        return None
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def take_write_turn() -> None:
    """Hold the writers' turn from now to the end of this request's transaction: take it before the first
    write; the request's commit point (fieldapp.unit_of_work) commits or rolls back, then lets it go. A new
    file description per turn, so threads of one process (the development server) queue too; the kernel
    drops the lock if the process dies holding it."""
    fd = _take()
    if fd is not None:
        when_done(lambda: os.close(fd))  # closing the last descriptor of the description releases the lock
