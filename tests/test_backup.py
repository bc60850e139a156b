"""Backup and restore through the CLI, on SQLite (online backup API) and PostgreSQL (pg_dump/pg_restore)."""
from datetime import timedelta

from sqlalchemy import inspect, select, text

from fieldapp.extensions import db
from fieldapp.households.operations import HouseholdData, create_household
from fieldapp.models import User, Visit
from fieldapp.timeutil import utcnow
from fieldapp.visits.operations import VisitData, delete_visit, log_visit


def every_table() -> dict[str, list[tuple]]:
    """Every row of every table (alembic_version included), in primary-key order."""
    out = {}
    insp = inspect(db.engine)
    for name in sorted(insp.get_table_names()):
        pk = insp.get_pk_constraint(name)["constrained_columns"] or [
            c["name"] for c in insp.get_columns(name)]
        order = ", ".join(f'"{c}"' for c in pk)
        out[name] = [tuple(row) for row in db.session.execute(text(f'SELECT * FROM "{name}" ORDER BY {order}'))]
    db.session.commit()
    return out


def test_backup_then_restore_gives_back_every_row(app, world, tmp_path):
    member = world.users["member"]
    member_id = member.id
    v = log_visit(member, world.households["h1"], VisitData(
        outcome="helped", visited_at=utcnow() - timedelta(hours=1), counts={"vneid": 2}))
    db.session.commit()
    before = every_table()
    assert len(before["households"]) == 4 and len(before["visits"]) == 1 and before["alembic_version"]

    runner = app.test_cli_runner()
    target = tmp_path / "backup.bin"
    r = runner.invoke(args=["backup", "--output", str(target)])
    assert r.exit_code == 0, r.output
    assert target.stat().st_size > 0 and "Đã sao lưu" in r.output

    # Life goes on after the backup.
    create_household(member, world.village1, HouseholdData(code="NEW-1", residents_total=1,
                                                           residents_14plus=1, residents_18plus=1))
    delete_visit(member, db.session.get(Visit, v.id))
    db.session.get(User, member.id).name = "Tên mới"
    db.session.commit()
    assert every_table() != before

    r = runner.invoke(args=["restore", str(target)], input="n\n")
    assert r.exit_code != 0  # asks first, and "no" changes nothing
    assert len(every_table()["households"]) == 5

    r = runner.invoke(args=["restore", str(target), "--yes"])
    assert r.exit_code == 0, r.output
    assert every_table() == before
    # The app keeps working on the restored database.
    assert db.session.scalar(select(User.name).where(User.id == member_id)) == "Nguyễn Văn Ba"


def test_restore_refuses_a_missing_or_broken_file(app, world, tmp_path):
    runner = app.test_cli_runner()
    r = runner.invoke(args=["restore", str(tmp_path / "nope.bin"), "--yes"])
    assert r.exit_code != 0 and "Không tìm thấy tệp sao lưu" in r.output
    broken = tmp_path / "broken.bin"
    broken.write_bytes(b"this is not a backup" * 100)
    r = runner.invoke(args=["restore", str(broken), "--yes"])
    assert r.exit_code != 0
    assert db.session.scalar(select(User.name).where(User.phone == "0900000003")) == "Nguyễn Văn Ba"


def test_default_backup_location(app, world, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    r = app.test_cli_runner().invoke(args=["backup"])
    assert r.exit_code == 0, r.output
    files = list((tmp_path / "backups").iterdir())
    assert len(files) == 1 and files[0].name.startswith("fieldapp-")


def test_sqlite_backup_is_online_and_consistent(app, world, tmp_path):
    """A writer in the middle of a transaction neither blocks the backup nor leaks into it."""
    import sqlite3
    if db.engine.dialect.name != "sqlite":
        return
    writer = sqlite3.connect(db.engine.url.database)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO login_attempts (key, at) VALUES ('phone:0911000000', '2026-11-22 06:00:00')")
    try:
        target = tmp_path / "online.sqlite"
        r = app.test_cli_runner().invoke(args=["backup", "--output", str(target)])
        assert r.exit_code == 0, r.output
    finally:
        writer.commit()
        writer.close()
    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("SELECT count(*) FROM login_attempts").fetchone()[0] == 0
    assert copy.execute("SELECT count(*) FROM households").fetchone()[0] == 4
    copy.close()
