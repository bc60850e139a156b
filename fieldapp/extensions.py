"""Every Flask extension object, created once and bound in create_app()."""
from typing import TYPE_CHECKING, ClassVar

from flask_babel import Babel
from flask_compress import Compress
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, Table
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names so Alembic (and SQLite batch mode) can alter them later.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    if TYPE_CHECKING:  # every model is mapped to a Table (DeclarativeBase says only FromClause)
        __table__: ClassVar[Table]


db = SQLAlchemy(model_class=Base)
# The models' base class is db.Model; mypy takes no base class from an attribute (python/mypy#8603), so to it
# they derive from Base, which db.Model extends.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
compress = Compress()


def plain_rows(statement):
    """The rows of a select of columns through the session's connection, without the ORM's row processing:
    for the reads of thousands of rows (a province's 25,000 members), where that processing cost 2-3x the
    driver's own time. Same transaction as the session (its pending changes are flushed first)."""
    db.session.flush()
    return db.session.connection().execute(statement)


def in_list(column, values):
    """column IN (values), for a list of ids that changes with every call (a sync batch's).

    On PostgreSQL it is sent as `= ANY(array)`: one parameter, so the statement text stays the same
    whatever the number of ids (psycopg caches its conversion and can prepare it; `IN (...)` with
    100 parameters was parsed again on every call, ~1 ms each). One id (the PWA's online save) is `= $1`:
    the server keeps that statement's generic plan, while `= ANY($1)` is planned again at every call.
    Elsewhere a plain IN.
    """
    values = list(values)
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy import any_, bindparam
        from sqlalchemy.dialects.postgresql import ARRAY
        if len(values) == 1:
            return column == bindparam(None, values[0], type_=column.type)
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)
