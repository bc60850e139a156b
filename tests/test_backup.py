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


def test_backups_are_readable_by_their_owner_only(app, world, tmp_path):
    """They hold names and phones (issue 17, item 15): 0600 even under a permissive umask."""
    import os
    old = os.umask(0o022)
    try:
        target = tmp_path / "nightly" / "b.bin"
        r = app.test_cli_runner().invoke(args=["backup", "--output", str(target)])
        assert r.exit_code == 0, r.output
        existing = tmp_path / "existing.bin"
        existing.write_bytes(b"")
        existing.chmod(0o644)
        r = app.test_cli_runner().invoke(args=["backup", "--output", str(existing)])
        assert r.exit_code == 0, r.output
    finally:
        os.umask(old)
    assert target.stat().st_mode & 0o777 == 0o600
    assert target.parent.stat().st_mode & 0o777 == 0o700
    assert existing.stat().st_mode & 0o777 == 0o600 and existing.stat().st_size > 0


def _area_names() -> list[str]:
    return list(db.session.scalars(text("SELECT name FROM areas ORDER BY id")))


def test_restore_a_backup_from_an_old_migration_onto_the_upgraded_database(template_db, tmp_path):
    """Issue 18: a rollback after an upgrade. Back up at the first migration, upgrade, restore, upgrade again."""
    from flask_migrate import upgrade

    from fieldapp import create_app
    from fieldapp.backup import backup, restore
    from tests.conftest import PG_URL, _config
    url = PG_URL or f"sqlite:///{tmp_path / 'old.sqlite'}"
    app = create_app(_config(url))
    with app.app_context():
        try:
            if PG_URL:
                db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
                db.session.commit()
            upgrade(revision="0001")
            db.session.execute(text(
                "INSERT INTO areas (level, name, name_folded, path, created_at) "
                "VALUES ('province', 'Gia Lai', 'gia lai', '/1/', '2026-01-01 00:00:00')"))
            db.session.commit()
            dump = backup(url, tmp_path / "before-upgrade.bin")
            db.session.remove()
            upgrade()
            db.session.execute(text("UPDATE areas SET name = 'after the upgrade'"))
            db.session.commit()
            head = db.session.scalar(text("SELECT version_num FROM alembic_version"))
            assert head != "0001"

            restore(url, dump)
            assert db.session.scalar(text("SELECT version_num FROM alembic_version")) == "0001"
            assert _area_names() == ["Gia Lai"]
            tables = set(inspect(db.engine).get_table_names())
            assert "login_attempts" not in tables  # made by a later migration: gone with the rollback
            db.session.remove()
            upgrade()
            assert db.session.scalar(text("SELECT version_num FROM alembic_version")) == head
            assert _area_names() == ["Gia Lai"]
        finally:
            db.session.remove()
            if PG_URL:  # leave the shared test database as the template made it
                db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
                db.session.commit()
                upgrade()
            db.session.remove()
            db.engine.dispose()


def test_restore_is_refused_while_another_process_uses_the_database(app, world, tmp_path):
    """Issue 17, item 14: visits acknowledged during a restore would be lost; stop the app first."""
    import subprocess
    import sys
    target = tmp_path / "b.bin"
    member_id = world.users["member"].id
    assert app.test_cli_runner().invoke(args=["backup", "--output", str(target)]).exit_code == 0
    url = db.engine.url.render_as_string(hide_password=False)
    holder = ("import sys, time, sqlalchemy as sa; e = sa.create_engine(sys.argv[1]); c = e.connect(); "
              "c.execute(sa.text('SELECT count(*) FROM users')); print('ready', flush=True); time.sleep(60)")
    serving = subprocess.Popen([sys.executable, "-c", holder, url], stdout=subprocess.PIPE, text=True)
    try:
        assert serving.stdout.readline().strip() == "ready"
        db.session.get(User, member_id).name = "Tên mới"
        db.session.commit()
        r = app.test_cli_runner().invoke(args=["restore", str(target), "--yes"])
        assert r.exit_code != 0 and "Cơ sở dữ liệu đang được dùng (1 kết nối khác" in r.output
        assert db.session.scalar(select(User.name).where(User.id == member_id)) == "Tên mới"
    finally:
        serving.kill()
        serving.wait()
    r = app.test_cli_runner().invoke(args=["restore", str(target), "--yes"])
    assert r.exit_code == 0, r.output
    assert db.session.scalar(select(User.name).where(User.id == member_id)) == "Nguyễn Văn Ba"


def test_nightly_backup_into_a_folder_keeps_the_last_days(app, world, tmp_path):
    """What deploy/systemd/fieldapp-backup.service runs."""
    import os
    import time
    old = tmp_path / "fieldapp-20200101-023000.dump"
    old.write_bytes(b"old")
    os.utime(old, (time.time() - 20 * 86400,) * 2)
    recent = tmp_path / "fieldapp-recent.dump"
    recent.write_bytes(b"recent")
    other = tmp_path / "notes.txt"
    other.write_text("kept")
    os.utime(other, (time.time() - 20 * 86400,) * 2)
    r = app.test_cli_runner().invoke(args=["backup", "--output-dir", str(tmp_path), "--keep-days", "14"])
    assert r.exit_code == 0, r.output
    assert "Đã xóa 1 bản sao lưu" in r.output
    names = sorted(p.name for p in tmp_path.iterdir())
    assert "fieldapp-20200101-023000.dump" not in names and "fieldapp-recent.dump" in names and "notes.txt" in names
    assert len([n for n in names if n.startswith("fieldapp-")]) == 2
