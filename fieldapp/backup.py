"""Backups that are consistent while the app runs: SQLite's online backup API, PostgreSQL's pg_dump."""
import glob
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from .extensions import db


class BackupError(Exception):
    pass


def pg_binary(name: str) -> str:
    """pg_dump / pg_restore on PATH, else the newest under /usr/lib/postgresql/*/bin (Debian)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if not candidates:
        raise BackupError(f"Không tìm thấy {name}. Hãy cài gói postgresql-client.")
    return candidates[-1]


def _pg_args(url) -> tuple[list[str], dict]:
    """libpq arguments without putting the password on the command line (it goes in PGPASSWORD)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    plain = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return [f"--dbname={plain}"], env


def _sqlite_path(url) -> str:
    if not url.database or url.database == ":memory:":
        raise BackupError("Cơ sở dữ liệu SQLite trong bộ nhớ không sao lưu được.")
    return url.database


def default_name(url, stamp: str) -> str:
    return f"fieldapp-{stamp}.{'sqlite' if url.get_backend_name() == 'sqlite' else 'dump'}"


def _private_file(output: Path) -> None:
    """The backup holds names and phones: its folder 0700 when made here, the file 0600 before any byte is written."""
    if not output.parent.exists():
        output.parent.mkdir(parents=True, mode=0o700)
    fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)
    os.chmod(output, 0o600)  # an existing file keeps its mode through O_CREAT


def backup(database_url: str, output: Path) -> Path:
    url = make_url(database_url)
    output = Path(output)
    _private_file(output)
    if url.get_backend_name() == "sqlite":
        src = sqlite3.connect(_sqlite_path(url))
        dst = sqlite3.connect(str(output))
        try:
            with dst:
                src.backup(dst)  # online and page-consistent, even with writers
        finally:
            dst.close()
            src.close()
    elif url.get_backend_name() == "postgresql":
        args, env = _pg_args(url)
        _run([pg_binary("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={output}", *args], env)
    else:
        raise BackupError(f"Không hỗ trợ sao lưu {url.get_backend_name()}.")
    return output


def prune(folder: Path, days: int, *, keep: Path) -> list[Path]:
    """Delete fieldapp-*.dump|.sqlite in `folder` older than `days` (never `keep`, the one just made)."""
    import time
    limit = time.time() - days * 86400
    removed = []
    for path in folder.glob("fieldapp-*"):
        if path.suffix in (".dump", ".sqlite") and path != keep and path.stat().st_mtime < limit:
            path.unlink()
            removed.append(path)
    return removed


def restore(database_url: str, source: Path) -> None:
    """Replace the whole database by the backup, whatever migrations ran since it was made.

    Refused while anything else is connected (the app serving, a timer): visits acknowledged during a
    restore would be lost. The app's own connections are closed first.
    """
    url = make_url(database_url)
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"Không tìm thấy tệp sao lưu {source}.")
    db.session.remove()
    db.engine.dispose()
    others = other_connections(url)
    if others:
        raise BackupError(
            f"Cơ sở dữ liệu đang được dùng ({others} kết nối khác: ứng dụng đang chạy?). Không khôi phục khi ứng dụng "
            "đang phục vụ: dữ liệu ghi trong lúc khôi phục sẽ mất. Dừng ứng dụng và các bộ hẹn giờ trước "
            "(systemctl stop fieldapp.service fieldapp-*.timer), rồi chạy lại.")
    if url.get_backend_name() == "sqlite":
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        dst = sqlite3.connect(_sqlite_path(url))
        try:
            if src.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError("Tệp sao lưu bị hỏng (integrity_check).")
            with dst:
                src.backup(dst)  # page by page over the whole file: tables added by a later migration go too
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"Tệp sao lưu không phải cơ sở dữ liệu SQLite: {exc}") from None
        finally:
            dst.close()
            src.close()
    elif url.get_backend_name() == "postgresql":
        _pg_restore(url, source)
    else:
        raise BackupError(f"Không hỗ trợ khôi phục {url.get_backend_name()}.")


def _pg_restore(url, source: Path) -> None:
    """Drop the schema and load the dump in ONE transaction (psql --single-transaction): objects added by
    later migrations go with the schema, and a failure anywhere leaves the database as it was."""
    args, env = _pg_args(url)
    _run([pg_binary("pg_restore"), "--list", str(source)], env)  # not a dump: refused before anything changes
    psql = subprocess.Popen([pg_binary("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction",
                             "-f", "-", *args], env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    dump = subprocess.Popen([pg_binary("pg_restore"), "--no-owner", "--no-privileges", "--file=-", str(source)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert psql.stdin is not None and dump.stdout is not None and dump.stderr is not None
    try:
        psql.stdin.write(b"DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n")
        shutil.copyfileobj(dump.stdout, psql.stdin, 1 << 20)
    except BrokenPipeError:
        pass  # psql stopped on an error: its message is read below
    if dump.wait() != 0:
        psql.kill()  # before its input ends, so it never commits the half
        psql.wait()
        raise BackupError(f"pg_restore thất bại: {dump.stderr.read().decode(errors='replace').strip()[-2000:]}")
    try:
        psql.stdin.close()
    except BrokenPipeError:
        pass
    err = psql.stderr.read() if psql.stderr else b""
    if psql.wait() != 0:
        raise BackupError(f"psql thất bại (cơ sở dữ liệu không đổi): {err.decode(errors='replace').strip()[-2000:]}")


def other_connections(url) -> int:
    """How many other clients use the database now: PostgreSQL sessions, or processes holding the SQLite file."""
    if url.get_backend_name() == "postgresql":
        args, env = _pg_args(url)
        out = subprocess.run([pg_binary("psql"), "-X", "-A", "-t", "-c",
                              "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                              "AND pid <> pg_backend_pid() AND backend_type = 'client backend'", *args],
                             env=env, capture_output=True, text=True)
        if out.returncode != 0:
            raise BackupError(f"psql thất bại: {out.stderr.strip()[-2000:]}")
        return int(out.stdout.strip() or 0)
    if url.get_backend_name() == "sqlite":
        return len(_processes_holding(Path(_sqlite_path(url))))
    return 0


def _processes_holding(database: Path) -> set[int]:
    """Other processes with the SQLite file (or its -wal/-shm) open; SQLite lives on one machine, so /proc sees them all."""
    names = {str(database.resolve()) + suffix for suffix in ("", "-wal", "-shm")}
    found = set()
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        pid = int(fd_dir.parent.name)
        if pid == os.getpid():
            continue
        try:
            if any(os.readlink(fd) in names for fd in fd_dir.iterdir()):
                found.add(pid)
        except OSError:
            continue  # gone, or not ours to read
    return found


def _run(cmd: list[str], env: dict) -> None:
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(cmd[0]).name} thất bại: {result.stderr.strip()[-2000:]}")
