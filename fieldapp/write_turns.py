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
from contextlib import contextmanager

from .extensions import db


def _lock_path() -> str | None:
    bind = db.session.get_bind()
    if bind.dialect.name != "sqlite":
        return None
    database = bind.engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return database + "-writers"


@contextmanager
def write_turn():
    """Hold the writers' turn for the block: take it before the transaction's first write, leave it
    after the commit (an exception rolls back first). A new file description per turn, so threads
    of one process (the development server) queue too; the kernel drops the lock if the process
    dies holding it."""
    path = _lock_path()
    fd = None
    if path is not None:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:  # a read-only folder: SQLite's busy handler alone, as before
            fd = None
    try:
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        except BaseException:
            db.session.rollback()  # the transaction ends within the turn: the next writer finds it free
            raise
    finally:
        if fd is not None:
            os.close(fd)  # closing the last descriptor of the description releases the lock
