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


def backup(database_url: str, output: Path) -> Path:
    url = make_url(database_url)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
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


def restore(database_url: str, source: Path) -> None:
    """Replace the whole database by the backup. The app's connections are closed first."""
    url = make_url(database_url)
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"Không tìm thấy tệp sao lưu {source}.")
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        dst = sqlite3.connect(_sqlite_path(url))
        try:
            if src.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError("Tệp sao lưu bị hỏng (integrity_check).")
            with dst:
                src.backup(dst)
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"Tệp sao lưu không phải cơ sở dữ liệu SQLite: {exc}") from None
        finally:
            dst.close()
            src.close()
    elif url.get_backend_name() == "postgresql":
        args, env = _pg_args(url)
        _run([pg_binary("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
              "--single-transaction", "--exit-on-error", *args, str(source)], env)
    else:
        raise BackupError(f"Không hỗ trợ khôi phục {url.get_backend_name()}.")


def _run(cmd: list[str], env: dict) -> None:
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(cmd[0]).name} thất bại: {result.stderr.strip()[-2000:]}")
