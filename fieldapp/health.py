"""What /healthz checks besides the database: migrations still to run and free disk."""
import shutil
from functools import lru_cache
from pathlib import Path

from flask import current_app
from sqlalchemy.engine import Connection, make_url


@lru_cache(maxsize=4)
def _script_heads(directory: str) -> frozenset[str]:
    """The heads of the migration scripts shipped with this code (fixed for the life of the process)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    config = Config()
    config.set_main_option("script_location", directory)
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def migration_state(connection: Connection) -> str:
    """"up to date", "pending" (run `flask db upgrade`) or "unknown revision" (the database is newer than the code)."""
    from alembic.runtime.migration import MigrationContext
    heads = _script_heads(current_app.extensions["migrate"].directory)
    current = frozenset(MigrationContext.configure(connection).get_current_heads())
    if current == heads:
        return "up to date"
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    config = Config()
    config.set_main_option("script_location", current_app.extensions["migrate"].directory)
    known = {rev.revision for rev in ScriptDirectory.from_config(config).walk_revisions()}
    return "pending" if current <= known else "unknown revision"


def disk_free_mb() -> int:
    """Free space where the app writes: the instance folder and, on SQLite, the database's folder (the smaller)."""
    places = [Path(current_app.instance_path)]
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        places.append(Path(url.database).parent)
    free = []
    for place in places:
        while not place.exists() and place != place.parent:
            place = place.parent
        free.append(shutil.disk_usage(place).free)
    return min(free) // (1024 * 1024)
