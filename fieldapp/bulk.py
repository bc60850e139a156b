"""Many rows in one statement, for the sync batch's hot writes (its visits, their audit entries, the
households' list columns).

Through SQLAlchemy's executemany every row costs Python (its dict of parameters processed one by one), and
psycopg then sends one execution per row: ~0.1 ms of CPU a row for the app, as much again for the server.
A `Bulk` statement is built with Core once per dialect, compiled once, and run through the driver
(`exec_driver_sql`):

- PostgreSQL: one execution whose parameters are one array per column, read back as rows by
  `unnest(...) WITH ORDINALITY` (in the order given); its text is the same whatever the number of rows,
  so psycopg prepares it once. A few rows (up to JSON_ROWS: the counters of a visit, ~20 rows of 11
  columns) go as one JSON parameter instead, read back by `jsonb_array_elements(...) WITH ORDINALITY`:
  psycopg dumps arrays in Python, element by element (~250 µs for a visit's counters on a slow VM), and
  json.dumps the same rows in C (~50 µs); from about a hundred rows the arrays cost less. One row goes
  as its values;
- SQLite: the driver's own executemany over tuples (sqlite3 loops in C).

Each value goes through its column type's bind processor for the dialect (a time or a day becomes what
SQLAlchemy would have sent), and a JSON value through json.dumps (SQLAlchemy's serializer: no engine here
sets another), so the stored rows are the ones a Core executemany writes.

`pipeline(conn)`, on PostgreSQL: the Bulk statements run inside it are sent without waiting for each one's
answer (psycopg's pipeline mode), so the server writes the visits while the app builds the audit entries,
and the answers come back together, in one wait, when the block ends. Any other statement run meanwhile
through SQLAlchemy first ends the pipeline (it waits for everything sent), so a read always sees the
writes sent before it. Elsewhere it changes nothing.
"""
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
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
    event,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, CursorResult, Dialect, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.types import TypeEngine


class Source:
    """The rows a Bulk statement reads: `c[name]` is a column of them; `ordered`, on PostgreSQL, all of them in
    the order given (a SELECT from the arrays), None elsewhere (`c` are then one row's parameters)."""

    def __init__(self, columns: dict[str, ColumnElement], ordered: Select | None, dialect: str):
        self.c, self.ordered, self.dialect = columns, ordered, dialect


def insert_rows(table, rows: Source):
    """INSERT of these rows into a table (the dialect's own, for an ON CONFLICT clause): from the arrays on
    PostgreSQL, VALUES (?, ...) a row elsewhere (and for a single row on PostgreSQL)."""
    if rows.ordered is not None:
        return pg_insert(table).from_select(list(rows.c), rows.ordered)
    return (pg_insert if rows.dialect == "postgresql" else sqlite_insert)(table).values(rows.c).inline()  # no RETURNING id


def _base(type_: TypeEngine) -> TypeEngine:
    """The type of a PostgreSQL array element: the column's kind without its length or collation."""
    for kind in (JSON, DateTime, Date, Integer, String):
        if isinstance(type_, kind):
            return Text() if kind is JSON else kind()
    return type_


JSON_ROWS = 60  # PostgreSQL: up to this many rows as one JSON parameter, more as arrays (see the module's docstring)
_ROWS = "rows"  # the JSON form's one parameter
VALUES, ARRAYS, AS_JSON = "values", "arrays", "json"  # the forms of a Bulk statement's parameters


class Bulk:
    """A statement over many rows, `build(source)` giving it in Core; `run(conn, rows)` with one tuple a
    row, in the order of `columns` ({name: type})."""

    def __init__(self, columns: dict[str, TypeEngine], build: Callable[[Source], ClauseElement]):
        self.columns, self.build = columns, build
        self._position = {n: i for i, n in enumerate(columns)}
        self._compiled: dict[tuple[str, str], tuple[str, list[str], list]] = {}
        # a JSON column's value would be a JSON text inside the JSON: such statements take arrays
        self._json_ok = not any(isinstance(t, JSON) for t in columns.values())

    def _source(self, dialect: Dialect, form: str) -> Source:
        names = list(self.columns)
        if form == ARRAYS:
            rows = func.unnest(*[bindparam(n, type_=ARRAY(_base(t))) for n, t in self.columns.items()]) \
                .table_valued(*names, with_ordinality="ord").render_derived()
            c: dict[str, ColumnElement] = {
                n: cast(rows.c[n], t) if isinstance(t, JSON) else rows.c[n] for n, t in self.columns.items()}
            return Source(c, select(*c.values()).order_by(rows.c.ord), dialect.name)
        if form == AS_JSON:  # each row a JSON array of its values, in the order of the columns
            elements = func.jsonb_array_elements(cast(bindparam(_ROWS, type_=Text()), JSONB)) \
                .table_valued("e", with_ordinality="ord").render_derived()
            c = {n: cast(elements.c.e.op("->>")(literal_column(str(i))), _base(t))
                 for i, (n, t) in enumerate(self.columns.items())}
            return Source(c, select(*[v.label(n) for n, v in c.items()]).order_by(elements.c.ord), dialect.name)
        return Source({n: bindparam(n, type_=t) for n, t in self.columns.items()}, None, dialect.name)

    def _prepare(self, dialect: Dialect, form: str) -> tuple[str, list[str], list]:
        """(the statement's text, its parameters' names in order, their value processors): once per dialect
        and form (arrays, one JSON parameter, or one row's values). The JSON form's names and processors are
        the columns', in their order (its one parameter holds them all)."""
        found = self._compiled.get((dialect.name, form))
        if found is None:
            compiled = cast_to(SQLCompiler, self.build(self._source(dialect, form)).compile(dialect=dialect))
            order = list(compiled.positiontup or []) if compiled.positional else list(self.columns)
            if form == AS_JSON:  # PostgreSQL's one parameter (pyformat, not positional)
                assert f"%({_ROWS})s" in compiled.string, compiled.string
                order = list(self.columns)
            assert set(order) == set(self.columns), (order, list(self.columns))  # a name may come twice (SQLite)
            processors = [_dumps if isinstance(self.columns[n], JSON)
                          else _iso if form == AS_JSON and isinstance(self.columns[n], (Date, DateTime))
                          else self.columns[n].dialect_impl(dialect).bind_processor(dialect) for n in order]
            sql = compiled.string
            if form == ARRAYS:  # in binary: no quoting of each element in Python
                for name in order:
                    sql = sql.replace(f"%({name})s", f"%({name})b")
            found = self._compiled[(dialect.name, form)] = (sql, order, processors)
        return found

    def run(self, conn: Connection, rows: Sequence[tuple]) -> CursorResult | None:
        """Run it over these rows (nothing without any); its result (PostgreSQL: rows a RETURNING gives)."""
        if not rows:
            return None
        if conn.dialect.name == "postgresql":
            sql, _order, params = self._pg(conn.dialect, rows)
            return _execute(conn, sql, params)
        sql, order, processors = self._prepare(conn.dialect, VALUES)
        columns = self._columns(rows, order, processors)
        return conn.exec_driver_sql(sql, list(zip(*(columns[n] for n in order), strict=True)))

    def _columns(self, rows: Sequence[tuple], order: list[str], processors: list) -> dict[str, list]:
        """Each column's values, processed (once, even where the statement takes it twice)."""
        columns: dict[str, list] = {}
        for name, proc in zip(order, processors, strict=True):
            if name not in columns:
                i = self._position[name]
                columns[name] = [row[i] for row in rows] if proc is None else _processed([row[i] for row in rows], proc)
        return columns

    def _pg(self, dialect: Dialect, rows: Sequence[tuple]) -> tuple[str, list[str], dict]:
        """PostgreSQL: (the text, its parameters' names, their values): one row as its values (psycopg dumps an
        array in Python, ~12 µs each), up to JSON_ROWS as one JSON parameter, more as one array a column."""
        if len(rows) == 1:
            sql, order, processors = self._prepare(dialect, VALUES)
            row = rows[0]
            return sql, order, {name: row[self._position[name]] if proc is None else proc(row[self._position[name]])
                                for name, proc in zip(order, processors, strict=True)}
        if self._json_ok and len(rows) <= JSON_ROWS:
            sql, order, processors = self._prepare(dialect, AS_JSON)
            if any(p is not None for p in processors):
                columns = self._columns(rows, order, processors)
                rows = list(zip(*(columns[n] for n in order), strict=True))
            return sql, [_ROWS], {_ROWS: json.dumps(rows, ensure_ascii=False, separators=(",", ":"))}
        sql, order, processors = self._prepare(dialect, ARRAYS)
        return sql, order, self._columns(rows, order, processors)


def run_together(conn: Connection, parts: Sequence[tuple["Bulk", Sequence[tuple]]]) -> None:
    """Run each Bulk statement over its rows; on PostgreSQL as one statement (each one a WITH query of it, all
    run on the same snapshot: for writes that do not read each other's rows, such as the counters' tables):
    one execution and one round trip, not one each. SQLite: one after the other."""
    parts = [(b, rows) for b, rows in parts if rows]
    if conn.dialect.name != "postgresql" or len(parts) < 2:
        for b, rows in parts:
            b.run(conn, rows)
        return
    texts, params = [], {}
    for i, (b, rows) in enumerate(parts):
        sql, order, values = b._pg(conn.dialect, rows)
        texts.append(_TOGETHER.get((i, sql)) or _TOGETHER.setdefault((i, sql), _renamed(sql, order, f"p{i}_")))
        params.update({f"p{i}_{name}": value for name, value in values.items()})
    *first, last = texts
    _execute(conn, "WITH " + ", ".join(f"p{i} AS ({t})" for i, t in enumerate(first)) + " " + last, params)


_TOGETHER: dict[tuple[int, str], str] = {}


def _renamed(sql: str, names: list[str], prefix: str) -> str:
    for name in set(names):
        sql = sql.replace(f"%({name})", f"%({prefix}{name})")
    return sql


def _execute(conn: Connection, sql: str, params: dict):
    """PostgreSQL: in the connection's pipeline if one runs (its cursor), else at once (its result)."""
    piped = conn.info.get(_PIPELINE)
    if piped is not None and piped.active:
        return piped.send(sql, params)
    return conn.exec_driver_sql(sql, params)


def returned(result) -> list:
    """The first column of the rows a Bulk statement's RETURNING gave (run in a pipeline, read now: it waits)."""
    if isinstance(result, CursorResult):
        return list(result.scalars())
    return [row[0] for row in result.fetchall()]


_PIPELINE = "fieldapp.bulk.pipeline"
_running = 0  # pipelines running in this process: none, the usual case, costs other statements nothing


class Pipeline:
    """A connection's statements in flight (psycopg pipeline mode), and a savepoint to undo them."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.raw: Any = conn.connection.dbapi_connection  # a psycopg Connection
        self._mode: Any = None
        self.savepoint = False

    @property
    def active(self) -> bool:
        return self._mode is not None

    def start(self) -> None:
        global _running
        assert self.raw is not None
        self._mode = self.raw.pipeline()
        self._mode.__enter__()
        _running += 1

    def send(self, sql: str, params) -> Any:
        """Send a statement without waiting; its cursor (its rows are read with `returned`)."""
        assert self.raw is not None
        cursor = self.raw.cursor()
        cursor.execute(sql, params)
        return cursor

    def command(self, sql: str) -> None:
        assert self.raw is not None
        self.raw.execute(sql)  # in the pipeline while it lasts, else at once

    def end(self) -> None:
        """Wait for every answer (an error of any statement sent is raised here, as SQLAlchemy raises it)."""
        global _running
        mode, self._mode = self._mode, None
        if mode is not None:
            _running -= 1
            error = type(self.raw).Error
            try:
                mode.__exit__(None, None, None)
            except error as err:
                raise DBAPIError.instance(None, None, err, error) from err


@contextmanager
def pipeline(conn: Connection, savepoint: bool = False) -> Iterator[Pipeline | None]:
    """PostgreSQL: run the block's Bulk statements in a pipeline (see the module's docstring), answered in one
    wait at its end. savepoint=True opens one first, left open to the transaction's end (a RELEASE would cost
    a wait of its own): `undo()`, after the block, rolls back to it; an error does too (and is raised).
    Elsewhere: None."""
    if conn.dialect.name != "postgresql":
        yield None
        return
    piped = open_pipeline(conn)
    try:
        if savepoint:
            piped.command("SAVEPOINT bulk_write")
            piped.savepoint = True
        yield piped
        piped.end()
    except BaseException as exc:
        try:
            piped.end()
        except DBAPIError:
            pass  # the block's own error is the one raised; this one follows from it
        if piped.savepoint:
            undo(piped)
        error = type(piped.raw).Error
        if isinstance(exc, error):  # a statement's error, met while sending or reading: as SQLAlchemy raises it
            raise DBAPIError.instance(None, None, exc, error) from exc
        raise
    finally:
        conn.info.pop(_PIPELINE, None)


def open_pipeline(conn: Connection) -> Pipeline:
    """PostgreSQL: a pipeline left open after this call (`pipeline` is the block form): what is sent now is
    answered at close_pipeline, or first thing when another statement runs through SQLAlchemy."""
    piped = Pipeline(conn)
    piped.start()
    conn.info[_PIPELINE] = piped
    return piped


def close_pipeline(conn: Connection, piped: Pipeline) -> None:
    """Wait for every answer of an open_pipeline (an error of a statement sent is raised here)."""
    try:
        piped.end()
    finally:
        if conn.info.get(_PIPELINE) is piped:
            conn.info.pop(_PIPELINE, None)


def undo(piped: Pipeline) -> None:
    """Undo every statement run since the pipeline's savepoint (sent or already answered)."""
    assert piped.savepoint
    piped.command("ROLLBACK TO SAVEPOINT bulk_write")
    piped.command("RELEASE SAVEPOINT bulk_write")
    piped.savepoint = False


@event.listens_for(Engine, "before_cursor_execute")
def _end_pipeline(conn, _cursor, _statement, _parameters, _context, _executemany) -> None:
    """A statement through SQLAlchemy (a read, the ORM's flush) while a pipeline runs: first wait for
    everything sent, so it runs after them and SQLAlchemy reads its answer as usual."""
    if _running:
        piped = conn.info.get(_PIPELINE)
        if piped is not None and piped.active:
            piped.end()


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


def _iso(value) -> str | None:
    """A day or a naive time in a JSON row: its ISO text, which the statement casts back."""
    return None if value is None else value.isoformat()


def _dumps(value) -> str:
    """A JSON column's value as SQLAlchemy sends it (None is JSON null, as with none_as_null=False)."""
    return "null" if value is None else json.dumps(value)
