"""The lock every write that reads, then checks, takes before it reads what it checks.

A visit reads what its household already achieved and how many residents it has, then checks the cap;
a household edit reads what was achieved, then checks the residents it keeps. Two of them at the same
instant must not both read the old state. So each begins the same way:

- SQLite: BEGIN IMMEDIATE first (the database's write lock, before the first read), so the second
  writer waits for the first to commit, then reads what it wrote;
- PostgreSQL: the household rows, read afresh with SELECT ... FOR UPDATE (in id order, so two
  writers never deadlock), held to the commit.
"""
from types import SimpleNamespace

from sqlalchemy import Select, String, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY

from . import bulk
from .extensions import db
from .models import Area, Household, HouseholdReach


def begin_write() -> None:
    """SQLite: open the transaction now with the write lock (BEGIN IMMEDIATE, waiting on busy_timeout),
    unless this request already writes (then it holds the lock). pysqlite opens transactions lazily,
    at the first write: a read before it would run outside any transaction, on data another worker
    is about to change. PostgreSQL: nothing (the row locks below)."""
    conn = db.session.connection()
    if conn.dialect.name == "sqlite":
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        if not dbapi.in_transaction:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


class HouseholdRow(SimpleNamespace):
    """A household's columns read under the lock, and its village (an ORM Area), with the model's
    names: the checks take it as they take a Household. Not ORM objects: the visit writer writes the
    rows with Core (an ORM copy would be stale at once), and a plain row read afresh under FOR UPDATE
    leaves the session's own Household objects, and their unsaved changes, alone."""


def lock_households(ids, reach: bool = False) -> dict[str, HouseholdRow]:
    """The households of these ids, locked for the rest of the transaction and read afresh.

    reach=True: each row's `reach` is also read, its household_reach row as a tuple (first_day, team_id,
    member_id, first_at), or None: the visit writer's counters start from it (tallies.apply_new_visits).
    Every writer of that row holds this lock, so it stays as read. SQLite: in the same statement (the write
    lock is held from its BEGIN). PostgreSQL: by a second statement sent with the lock's in one pipeline
    (one wait): a statement that waited for a row lock reads the locked rows as they are now but the other
    tables of a join as they were when it began, so a join would miss a first visit the writer it waited
    for has just stored."""
    begin_write()
    ids = sorted(set(ids))
    if not ids:
        return {}
    db.session.flush()  # households created earlier in this transaction, for the Core read below
    conn = db.session.connection()
    dialect = conn.dialect.name
    firsts: dict[str, tuple] | None = None
    early = conn.info.pop(_EARLY, None)
    if early is not None:  # sent by lock_early: its answer first
        bulk.close_pipeline(conn, early.piped)
        if not (reach and early.ids.issuperset(ids)):
            early = None  # not these households: asked again below
    if reach and dialect == "postgresql":
        if early is None:  # sent now, answered at once
            lock_early(ids)
            early = conn.info.pop(_EARLY)
            bulk.close_pipeline(conn, early.piped)
        wanted = set(ids)
        rows = [row for row in early.locked.fetchall() if row[0] in wanted]
        firsts = {row[0]: tuple(row[1:]) for row in early.read.fetchall()}
    else:
        one = dialect == "postgresql" and len(ids) == 1
        rows = list(conn.execute(_lock_statement(dialect, reach, one), {"ids": ids[0] if one else ids}))
    # Usually one village, the member's own: already in the session (loaded with the user's team, web._load_user).
    n, village = len(_NAMES), _NAMES.index("village_id")
    villages = {vid: db.session.get(Area, vid) for vid in {row[village] for row in rows}}
    out = {}
    for row in rows:
        household = HouseholdRow(**dict(zip(_NAMES, row, strict=False)), village=villages[row[village]])
        if firsts is not None:
            household.reach = firsts.get(household.id)
        elif reach:
            household.reach = tuple(row[n:]) if row[n] is not None else None
        out[household.id] = household
    return out


_EARLY = "fieldapp.locks.early"


def lock_early(ids) -> None:
    """PostgreSQL: send the lock of these households, and the read of their reach, now, without waiting for
    the answer (a pipeline): the server takes the row locks while the app reads the rest of the request (the
    sync batch's records). The next lock_households(reach=True) of some of these ids takes that answer
    instead of asking again; any other statement first waits for it (bulk.pipeline's rule), so nothing
    reads before the lock is held. end_early() after the work, whatever happened. Elsewhere nothing: SQLite's
    lock is begin_write."""
    conn = db.session.connection()
    ids = sorted(set(ids))
    if conn.dialect.name != "postgresql" or not ids or _EARLY in conn.info:
        return
    db.session.flush()  # households created earlier in this transaction, as lock_households reads them
    one = len(ids) == 1
    lock_sql, reach_sql = _pg_texts(conn, one)
    param = {"ids": ids[0] if one else ids}
    piped = bulk.open_pipeline(conn)
    try:
        locked, read = piped.send(lock_sql, param), piped.send(reach_sql, param)
    except BaseException:
        bulk.close_pipeline(conn, piped)
        raise
    conn.info[_EARLY] = SimpleNamespace(ids=set(ids), piped=piped, locked=locked, read=read)


def end_early() -> None:
    """Wait for a lock_early answer nobody took (every record refused before the lock), so that the
    connection leaves pipeline mode before its commit or rollback."""
    conn = db.session.connection()
    early = conn.info.pop(_EARLY, None)
    if early is not None:
        bulk.close_pipeline(conn, early.piped)


_REACH = ("first_day", "team_id", "member_id", "first_at")
_NAMES = [c.name for c in Household.__table__.c]
_LOCKS: dict[tuple[str, bool, bool], Select] = {}


_PG_TEXTS: dict[bool, tuple[str, str]] = {}


def _pg_texts(conn, one: bool) -> tuple[str, str]:
    """PostgreSQL: the lock's statement and the household_reach read, as the driver takes them (compiled once
    per form). one=True: for one household (the PWA's online save), `id = $1`, whose generic plan the server
    keeps once the statement is prepared; `= ANY($1)` was planned again at every call (~0.15 ms of the
    server's CPU a visit, docs/performance.md)."""
    if one not in _PG_TEXTS:
        first = HouseholdReach.__table__
        read = select(*[first.c[n] for n in ("household_id", *_REACH)]).where(_matches(first.c.household_id, one))
        _PG_TEXTS[one] = (str(_lock_statement("postgresql", False, one).compile(dialect=conn.dialect)),
                          str(read.compile(dialect=conn.dialect)))
    return _PG_TEXTS[one]


def _matches(column, one: bool):
    """PostgreSQL: column = the "ids" parameter: one id, or any of an array of them."""
    return column == (bindparam("ids", type_=String) if one else any_(bindparam("ids", type_=ARRAY(String))))


def _lock_statement(dialect: str, reach: bool, one: bool = False) -> Select:
    """Built once per dialect and form (the ids are one parameter: an array on PostgreSQL, or one id with
    one=True; an expanding IN elsewhere)."""
    stmt = _LOCKS.get((dialect, reach, one))
    if stmt is None:
        table, first = Household.__table__, HouseholdReach.__table__
        stmt = select(*table.c, *([first.c[n].label(f"reach_{n}") for n in _REACH] if reach else []))
        if reach:
            stmt = stmt.outerjoin(first, first.c.household_id == table.c.id)
        stmt = _LOCKS[(dialect, reach, one)] = stmt.where(
            _matches(table.c.id, one) if dialect == "postgresql" else table.c.id.in_(bindparam("ids", expanding=True))) \
            .order_by(table.c.id).with_for_update(of=table)
    return stmt


_COLUMNS = [attr.key for attr in Household.__mapper__.column_attrs]


def lock_household(household: Household) -> Household:
    """One household (an ORM object), locked and every column read again: what was loaded earlier in
    the request may predate a write another worker committed meanwhile."""
    begin_write()
    db.session.refresh(household, attribute_names=_COLUMNS, with_for_update={"of": Household})
    return household
