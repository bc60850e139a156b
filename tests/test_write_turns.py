"""SQLite writers (the sync batch) take turns through a file lock, held to the request's commit point;
PostgreSQL goes straight through."""
import fcntl
import os
import threading

from fieldapp import unit_of_work
from fieldapp.extensions import db
from fieldapp.models import Area
from fieldapp.write_turns import _lock_path, take_write_turn


def _other_writer(app, events):
    with app.test_request_context():
        take_write_turn()
        events.append("other in")
        unit_of_work.finish(True)


def test_a_second_writer_waits_for_the_turn_until_the_commit_on_sqlite_only(app):
    events = []
    with app.test_request_context():
        take_write_turn()
        other = threading.Thread(target=_other_writer, args=(app, events))
        other.start()
        if db.engine.dialect.name == "sqlite":
            other.join(0.3)
            assert other.is_alive() and events == []  # queued in the kernel until this turn ends
        else:
            other.join(5)
            assert not other.is_alive() and events == ["other in"]  # no file lock: row locks do the work
        events.append("first out")
        unit_of_work.finish(True)
    other.join(5)
    assert not other.is_alive()
    expected = ["first out", "other in"] if db.engine.dialect.name == "sqlite" else ["other in", "first out"]
    assert events == expected


def test_a_refused_request_rolls_back_and_frees_the_turn(app, client):
    with app.test_request_context():
        take_write_turn()
        db.session.add(Area(level="province", code="ZZ", name="Tạm", name_folded="tam", path="/"))
        db.session.flush()
        unit_of_work.finish(False)  # what the commit point does for a 4xx or a 500
        assert not db.session.new and db.session.query(Area).filter_by(code="ZZ").count() == 0
    path = _lock_path()
    if path is not None:  # SQLite: the lock is free again (a non-blocking try succeeds)
        fd = os.open(path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(fd)
