"""fieldapp.bulk stores the rows SQLAlchemy's own executemany stores (the visit writer's visits, audit entries and
households' list columns), column by column as the database holds them: a time with and without microseconds, a
day, NULLs, the text "NULL", quotes, braces, commas, a backslash and a line break, a JSON null, Vietnamese text
inside JSON; on SQLite and on PostgreSQL, many rows at once (on PostgreSQL as one JSON parameter, up to
bulk.JSON_ROWS, and as arrays) and one row alone (its values)."""
from datetime import date, datetime

import pytest
from sqlalchemy import Table, insert, text

from fieldapp import bulk
from fieldapp.extensions import db
from fieldapp.models import AuditLog, Visit
from fieldapp.visits import operations as writer

CORE = ["00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002"]
BULK = ["10000000-0000-4000-8000-000000000001", "10000000-0000-4000-8000-000000000002"]
TIMES = [datetime(2026, 11, 30, 8, 15, 0), datetime(2026, 11, 30, 8, 15, 0, 123456)]


def _raw(table: Table, key: str, ids: list[str]) -> list[tuple]:
    """The rows of these ids (in id order) as the database holds them, every column cast to text, without the
    key and the serial id."""
    quote = db.engine.dialect.identifier_preparer.quote
    cols = [c.name for c in table.c if c.name not in (key, "id")]
    rows = db.session.execute(text(
        f"SELECT {', '.join(f'CAST({quote(c)} AS TEXT)' for c in cols)} FROM {table.name} "
        f"WHERE {key} IN (:a, :b) ORDER BY {key}"), {"a": ids[0], "b": ids[1]}).all()
    assert len(rows) == 2
    return [tuple(r) for r in rows]


def _core(table: Table, names: list[str], rows: list[tuple]) -> None:
    db.session.connection().execute(insert(table), [dict(zip(names, row, strict=True)) for row in rows])


def _run(statement, rows: list[tuple], one_by_one: bool) -> None:
    for part in ([[row] for row in rows] if one_by_one else [rows]):
        statement.run(db.session.connection(), part)


@pytest.fixture(params=["json", "arrays"])
def many_as(request, monkeypatch):
    """On PostgreSQL, a few rows go as one JSON parameter; "arrays": as many rows as would go as arrays."""
    if request.param == "arrays":
        monkeypatch.setattr(bulk, "JSON_ROWS", 1)
    return request.param


@pytest.mark.parametrize("one_by_one", [False, True])
def test_visit_rows_are_the_ones_core_writes(app, world, one_by_one, many_as):
    member, h1, h2 = world.users["member"], world.households["h1"], world.households["h2"]

    def rows(ids):
        return [(ids[0], h1.id, member.id, member.team_id, TIMES[0], TIMES[1], "not_home", "NULL", None, None),
                (ids[1], h2.id, member.id, member.team_id, TIMES[1], TIMES[0], "come_back",
                 'Hẹn chiều “mai”, {ngõ 3} "nhà" \\ số 5\nNULL', date(2026, 12, 2), member.id)]
    _core(Visit.__table__, ["id", "household_id", "member_id", "team_id", "visited_at", "received_at", "outcome",
                            "note", "return_on", "entered_by_id"], rows(CORE))
    writer._VISITS._compiled.clear()
    _run(writer._VISITS, rows(BULK), one_by_one)
    assert _raw(Visit.__table__, "id", BULK) == _raw(Visit.__table__, "id", CORE)
    if db.engine.dialect.name == "postgresql":  # the form these rows went as
        assert {form for _dialect, form in writer._VISITS._compiled} == {bulk.VALUES if one_by_one else many_as}


@pytest.mark.parametrize("one_by_one", [False, True])
def test_audit_rows_are_the_ones_core_writes(app, world, one_by_one):
    member, h1 = world.users["member"], world.households["h1"]
    after = {"household_id": h1.id, "outcome": "helped", "visited_at": TIMES[1].isoformat(), "note": 'Đã cài "VNeID" \\ {}',
             "assists": {"vneid": 2}, "return_on": None}

    def rows(ids):
        return [(TIMES[0], member.id, "create", "visit", ids[0], "/1/2/3/", 2, None, after),
                (TIMES[1], None, "create", "visit", ids[1], "", None, None, {**after, "from_paper": True})]
    names = ["at", "actor_id", "action", "entity_type", "entity_id", "area_path", "commune_id", "before", "after"]
    _core(AuditLog.__table__, [n for n in names if n != "commune_id"],  # the model's default fills it (2, None)
          [row[:6] + row[7:] for row in rows(CORE)])
    _run(writer._AUDIT, rows(BULK), one_by_one)
    assert _raw(AuditLog.__table__, "entity_id", BULK) == _raw(AuditLog.__table__, "entity_id", CORE)


def test_household_columns_move_as_the_database_computes_them(app, world, many_as):
    """Later or equal wins, an earlier visit leaves the latest alone; visit_count adds up."""
    h1, h2 = world.households["h1"], world.households["h2"]
    now = datetime(2026, 11, 30, 9, 0, 0)
    conn = db.session.connection()
    writer._HOUSEHOLDS.run(conn, [(h1.id, 2, datetime(2026, 11, 30, 8, 0), "come_back", date(2026, 12, 1), now),
                                  (h2.id, 1, datetime(2026, 11, 29, 8, 0), "declined", None, now)])
    writer._HOUSEHOLDS.run(conn, [(h1.id, 1, datetime(2026, 11, 29, 8, 0), "helped", None, now)])
    rows = dict(db.session.execute(text(
        "SELECT id, CAST(visit_count AS TEXT) || ' ' || last_outcome || ' ' || COALESCE(CAST(return_on AS TEXT), '-')"
        " FROM households WHERE id IN (:a, :b)"), {"a": h1.id, "b": h2.id}).all())
    assert rows == {h1.id: "3 come_back 2026-12-01", h2.id: "1 declined -"}
