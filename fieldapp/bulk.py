"""Many rows in one statement, for the sync batch's hot writes (its visits, their audit entries, the
households' list columns).

Through SQLAlchemy's executemany every row costs Python (its dict of parameters processed one by one), and
psycopg then sends one execution per row: ~0.1 ms of CPU a row for the app, as much again for the server.
A `Bulk` statement is built with Core once per dialect, compiled once, and run through the driver
(`exec_driver_sql`):

- PostgreSQL: one execution whose parameters are one array per column, read back as rows by
  `unnest(...) WITH ORDINALITY` (in the order given); its text is the same whatever the number of rows,
  so psycopg prepares it once;
- SQLite: the driver's own executemany over tuples (sqlite3 loops in C).

Each value goes through its column type's bind processor for the dialect (a time or a day becomes what
SQLAlchemy would have sent), and a JSON value through json.dumps (SQLAlchemy's serializer: no engine here
sets another), so the stored rows are the ones a Core executemany writes.
"""
import json
from collections.abc import Callable, Sequence
from typing import cast as cast_to

from sqlalchemy import (
    JSON,
    ColumnElement,
    Date,
    DateTime,
    Integer,
    Select,
    String,
    Text,
    bindparam,
    cast,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, CursorResult, Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.types import TypeEngine


class Source:
    """The rows a Bulk statement reads: `c[name]` is a column of them; `ordered`, on PostgreSQL, all of them in
    the order given (a SELECT from the arrays), None elsewhere (`c` are then one row's parameters)."""

    def __init__(self, columns: dict[str, ColumnElement], ordered: Select | None):
        self.c, self.ordered = columns, ordered


def insert_rows(table, rows: Source):
    """INSERT of these rows into a table (the dialect's own, for an ON CONFLICT clause): from the arrays on
    PostgreSQL, VALUES (?, ...) a row elsewhere."""
    if rows.ordered is not None:
        return pg_insert(table).from_select(list(rows.c), rows.ordered)
    return sqlite_insert(table).values(rows.c)


def _base(type_: TypeEngine) -> TypeEngine:
    """The type of a PostgreSQL array element: the column's kind without its length or collation."""
    for kind in (JSON, DateTime, Date, Integer, String):
        if isinstance(type_, kind):
            return Text() if kind is JSON else kind()
    return type_


class Bulk:
    """A statement over many rows, `build(source)` giving it in Core; `run(conn, rows)` with one tuple a
    row, in the order of `columns` ({name: type})."""

    def __init__(self, columns: dict[str, TypeEngine], build: Callable[[Source], ClauseElement]):
        self.columns, self.build = columns, build
        self._position = {n: i for i, n in enumerate(columns)}
        self._compiled: dict[str, tuple[str, list[str], list]] = {}

    def _source(self, dialect: Dialect) -> Source:
        names = list(self.columns)
        if dialect.name == "postgresql":
            rows = func.unnest(*[bindparam(n, type_=ARRAY(_base(t))) for n, t in self.columns.items()]) \
                .table_valued(*names, with_ordinality="ord").render_derived()
            c: dict[str, ColumnElement] = {
                n: cast(rows.c[n], t) if isinstance(t, JSON) else rows.c[n] for n, t in self.columns.items()}
            return Source(c, select(*c.values()).order_by(rows.c.ord))
        return Source({n: bindparam(n, type_=t) for n, t in self.columns.items()}, None)

    def _prepare(self, dialect: Dialect) -> tuple[str, list[str], list]:
        """(the statement's text, its parameters' names in order, their value processors): once per dialect."""
        found = self._compiled.get(dialect.name)
        if found is None:
            compiled = cast_to(SQLCompiler, self.build(self._source(dialect)).compile(dialect=dialect))
            order = list(compiled.positiontup or []) if compiled.positional else list(self.columns)
            assert set(order) == set(self.columns), (order, list(self.columns))  # a name may come twice (SQLite)
            processors = [_dumps if isinstance(self.columns[n], JSON)
                          else self.columns[n].dialect_impl(dialect).bind_processor(dialect) for n in order]
            sql = compiled.string
            if dialect.name == "postgresql":  # arrays in binary: no quoting of each element in Python
                for name in order:
                    sql = sql.replace(f"%({name})s", f"%({name})b")
            found = self._compiled[dialect.name] = (sql, order, processors)
        return found

    def run(self, conn: Connection, rows: Sequence[tuple]) -> CursorResult | None:
        """Run it over these rows (nothing without any); its result (PostgreSQL: rows a RETURNING gives)."""
        if not rows:
            return None
        sql, order, processors = self._prepare(conn.dialect)
        columns: dict[str, list] = {}  # each column's values once, even where the statement takes it twice
        for name, proc in zip(order, processors, strict=True):
            if name not in columns:
                i = self._position[name]
                columns[name] = [row[i] for row in rows] if proc is None else _processed([row[i] for row in rows], proc)
        if conn.dialect.name == "postgresql":
            return conn.exec_driver_sql(sql, columns)
        return conn.exec_driver_sql(sql, list(zip(*(columns[n] for n in order), strict=True)))


def _processed(values: list, proc: Callable) -> list:
    """proc(value) for each value; a value met before (a batch's time of receipt, its day) is processed once."""
    if proc is _dumps:  # a JSON value: a dict, not a key
        return [proc(v) for v in values]
    done: dict = {}
    out = []
    for v in values:
        if v not in done:
            done[v] = proc(v)
        out.append(done[v])
    return out


def _dumps(value) -> str:
    """A JSON column's value as SQLAlchemy sends it (None is JSON null, as with none_as_null=False)."""
    return json.dumps(value)
