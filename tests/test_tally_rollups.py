"""Week, month and quarter rollup rows: exact sums of the day rows, moved by edits, read by the boards."""
import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from fieldapp.leaderboards import queries as boards
from fieldapp.leaderboards.queries import _rollup_for, board, period_for
from fieldapp.extensions import db
from fieldapp.models import TallyDay
from fieldapp.rules import RuleError
from fieldapp.tallies.operations import rebuild_counters
from fieldapp.counting import period_cover, period_end, today
from fieldapp.timeutil import from_local
from fieldapp.visits.operations import VisitData, delete_visit, log_visit, restore_visit, update_visit
from tests.tally_helpers import add_rollups, recount, stored
from tests.test_dashboards import _age


def _at(day: date) -> datetime:
    return from_local(datetime.combine(day, time(9, 30)))


def _first_of_month(months_back: int) -> date:
    d = today().replace(day=1)
    for _ in range(months_back):
        d = (d - timedelta(days=1)).replace(day=1)
    return d


def _spread_visits(app, world, n=70, days=200, seed=4):
    """Visits by every member over the last `days` days, some with services (refused ones skipped)."""
    _age(world, days=days + 10)
    u = world.users
    who = [(u["member"], "h1"), (u["leader"], "h2"), (u["member"], "h2"), (u["member2"], "h3"), (u["member3"], "h4")]
    rng = random.Random(seed)
    logged = []
    with app.test_request_context():
        for _ in range(n):
            actor, hh = rng.choice(who)
            outcome = rng.choice(["helped", "helped", "not_home", "revisit", "declined"])
            counts = {rng.choice(["dvc", "ehealth", "vneid"]): 1} if outcome == "helped" else {}
            savepoint = db.session.begin_nested()
            try:
                logged.append(log_visit(actor, world.households[hh], VisitData(
                    outcome, _at(today() - timedelta(days=rng.randrange(days))), counts=counts)))
                savepoint.commit()
            except RuleError:
                savepoint.rollback()
        db.session.commit()
    return logged


def _rollups(kind_prefix=None):
    return {k: v for k, v in stored(reach=False)[0].items() if ":" in k[0] and (kind_prefix is None or k[0].startswith(kind_prefix))}


def test_rollup_rows_equal_the_sums_of_the_day_rows(app, world):
    _spread_visits(app, world)
    day_rows, _totals, _stats, _reach = stored()
    plain = {k: dict(v) for k, v in day_rows.items() if ":" not in k[0]}
    expected = defaultdict(lambda: dict.fromkeys(next(iter(plain.values())), 0), plain)
    add_rollups(expected)
    expected = {k: v for k, v in expected.items() if any(v.values())}
    assert day_rows == expected
    # Not trivially empty: teams, members and communes (not villages nor the province) have rollups.
    kinds = {(k[0], k[1]) for k in day_rows if ":" in k[0]}
    assert ("team:q", world.team1.id) in kinds and ("member:w", world.users["member"].id) in kinds
    assert ("area:m", world.commune.id) in kinds and ("area:m", world.other_commune.id) in kinds
    assert ("area:m", world.village1.id) not in kinds and ("area:m", world.province.id) not in kinds
    assert stored()[0] == recount()[0]


def test_a_visit_edited_to_another_month_moves_between_month_rows(app, world):
    _age(world, days=120)
    u = world.users
    old_month, new_month = _first_of_month(3), _first_of_month(2)
    with app.test_request_context():
        v = log_visit(u["member"], world.households["h1"],
                      VisitData("helped", _at(old_month + timedelta(days=14)), counts={"dvc": 2}))
        db.session.commit()
        key = lambda kind, ref, start, sid=0: (kind, ref, start, sid)  # noqa: E731
        rows = _rollups()
        assert rows[key("member:m", u["member"].id, old_month)]["visits"] == 1
        assert rows[key("team:m", world.team1.id, old_month, 0)]["reached"] == 1
        assert rows[key("area:m", world.commune.id, old_month, 0)]["helped"] == 1
        dvc = next(sid for (_k, _r, _d, sid) in rows if sid)
        assert rows[key("team:m", world.team1.id, old_month, dvc)]["people"] == 2
        update_visit(u["leader"], v, VisitData("helped", _at(new_month + timedelta(days=3)), counts={"dvc": 1}))
        db.session.commit()
        rows = _rollups()
        assert not any(k[2] == old_month and k[0].endswith(":m") for k in rows)  # moved out, nothing left
        assert rows[key("member:m", u["member"].id, new_month)]["visits"] == 1
        assert rows[key("team:m", world.team1.id, new_month, dvc)]["people"] == 1
        assert stored() == recount()
        delete_visit(u["leader"], v)
        db.session.commit()
        assert _rollups() == {}
        restore_visit(u["leader"], v)
        db.session.commit()
        assert rows == _rollups()
        assert stored() == recount()


def test_rebuild_gives_the_same_rollups(app, world):
    _spread_visits(app, world, n=40)
    live = stored()
    assert _rollups("team:")
    rebuild_counters()
    db.session.commit()
    db.session.expire_all()
    assert stored() == live


def _as_dicts(rows):
    return [r.as_dict() for r in rows]


@pytest.mark.parametrize("key", ["week", "month", "quarter"])
def test_boards_read_from_rollups_equal_boards_read_from_day_rows(app, world, key, monkeypatch):
    _spread_visits(app, world)
    # Today, and past dates in the middle of a period (the rollup minus the days after that date).
    ons = [today(), today() - timedelta(days=40), today() - timedelta(days=95), _first_of_month(2) + timedelta(days=17)]
    used = 0
    for on in ons:
        p = period_for(key, on)
        prev = (p.previous.start, p.previous.end)
        used += (_rollup_for(p.start, p.end) is not None) + (_rollup_for(*prev) is not None)
        results = []
        for use in (True, False):
            monkeypatch.setattr(boards, "USE_ROLLUPS", use)
            results.append((_as_dicts(board("teams", world.commune, p.start, p.end, previous=prev)),
                            _as_dicts(board("communes", world.province, p.start, p.end, previous=prev)),
                            _as_dicts(board("members", world.commune, p.start, p.end, previous=prev))))
        assert results[0] == results[1]
    assert used >= len(ons)  # at least every previous period (a whole one) came from the rollups
    # The figures are not all zero.
    assert any(r.points for r in board("teams", world.commune, today() - timedelta(days=200), today()))


def test_the_rollup_plan(app):
    with app.test_request_context():
        d = today()
        monday = d - timedelta(days=d.weekday())
        assert _rollup_for(monday - timedelta(days=7), monday - timedelta(days=1)) == ("w", monday - timedelta(days=1))
        q = date(2025, 4, 1)
        assert _rollup_for(q, date(2025, 6, 30)) == ("q", date(2025, 6, 30))
        assert _rollup_for(date(2025, 5, 1), date(2025, 5, 31)) == ("m", date(2025, 5, 31))
        assert _rollup_for(date(2025, 5, 1), date(2025, 5, 20)) == ("m", date(2025, 5, 31))  # minus 11 days
        assert _rollup_for(date(2025, 5, 2), date(2025, 5, 31)) is None  # not a period start: day rows
        assert _rollup_for(date(2025, 5, 1), date(2025, 5, 3)) is None  # 3 days are cheaper than 1 + 28
        assert db.session.scalar(select(TallyDay.kind).limit(1)) is None


def test_upgrading_a_database_with_counters_fills_its_rollups(app, world):
    """Migration 0012 sums the rollups from the day rows a database already holds (no rebuild needed)."""
    from flask_migrate import downgrade, upgrade
    _spread_visits(app, world, n=40)
    expected = stored()
    assert _rollups("team:") and _rollups("area:")
    db.session.close()
    downgrade(revision="0010_sessions")
    assert not _rollups()  # the rollups are gone, the day rows stay
    db.session.close()
    upgrade()
    assert stored() == expected == recount()


def _tiles(cover) -> list[tuple[date, date]]:
    """period_cover's runs as (first day, last day) of each period or day, in order."""
    out = []
    for period, first, last in cover:
        d = first
        while d <= last:
            stop = d if period == "d" else period_end(period, d)
            out.append((d, stop))
            d = stop + timedelta(days=1)
    return out


@pytest.mark.parametrize("start, end, expected", [
    # a week from Monday 29 December would run into a quarter that fits whole: days, then the quarter
    (date(2025, 12, 29), date(2026, 4, 2), [("d", date(2025, 12, 29), date(2025, 12, 31)),
                                            ("q", date(2026, 1, 1), date(2026, 1, 1)),
                                            ("d", date(2026, 4, 1), date(2026, 4, 2))]),
    # a year from a Tuesday: 6 days, 3 weeks, 3 days, 3 quarters, 2 months, 1 day (was 25 weeks and more)
    (date(2025, 12, 2), date(2026, 12, 1), [("d", date(2025, 12, 2), date(2025, 12, 7)),
                                            ("w", date(2025, 12, 8), date(2025, 12, 22)),
                                            ("d", date(2025, 12, 29), date(2025, 12, 31)),
                                            ("q", date(2026, 1, 1), date(2026, 7, 1)),
                                            ("m", date(2026, 10, 1), date(2026, 11, 1)),
                                            ("d", date(2026, 12, 1), date(2026, 12, 1))]),
    # a week that ends in a month which does not fit whole is still a week
    (date(2026, 4, 27), date(2026, 5, 10), [("w", date(2026, 4, 27), date(2026, 5, 4))]),
])
def test_period_cover_tiles_the_range_with_the_fewest_rows(start, end, expected):
    cover = period_cover(start, end)
    assert cover == expected
    tiles = _tiles(cover)
    assert tiles[0][0] == start and tiles[-1][1] == end
    assert all(a[1] + timedelta(days=1) == b[0] for a, b in zip(tiles, tiles[1:], strict=False))


def test_period_cover_of_any_range_is_exact():
    rng = random.Random(7)
    for _ in range(500):
        start = date(2024, 1, 1) + timedelta(days=rng.randrange(900))
        end = start + timedelta(days=rng.randrange(500))
        tiles = _tiles(period_cover(start, end))
        assert tiles[0][0] == start and tiles[-1][1] == end
        assert all(a[1] + timedelta(days=1) == b[0] for a, b in zip(tiles, tiles[1:], strict=False))


def test_boards_of_any_dates_read_rollups_and_equal_the_day_rows(app, world, monkeypatch):
    """A campaign's dates are no period: its board sums the rollups of the periods inside the range
    and the day rows of its edges (counting.period_cover), and equals the board summed from the day rows."""
    from fieldapp.models import Campaign
    _spread_visits(app, world, n=90, days=200, seed=9)
    d = today()
    ranges = [(d - timedelta(days=13), d), (d - timedelta(days=97), d - timedelta(days=3)),
              (d - timedelta(days=190), d - timedelta(days=20)), (d - timedelta(days=5), d + timedelta(days=9)),
              (_first_of_month(3) + timedelta(days=2), _first_of_month(1) - timedelta(days=1))]
    campaign = Campaign(name="c", area_id=world.province.id, starts_on=d, ends_on=d)
    for start, end in ranges:
        cover = period_cover(start, end, open_end=end >= d)
        tiles = _tiles(cover)
        assert tiles[0][0] == start and all(a[1] + timedelta(days=1) == b[0] for a, b in zip(tiles, tiles[1:]))
        assert tiles[-1][1] >= min(end, d)
        if (end - start).days > 40:
            assert any(period != "d" for period, _a, _b in cover)  # some of it from rollups
        results = []
        for use in (True, False):
            monkeypatch.setattr(boards, "USE_ROLLUPS", use)
            results.append((_as_dicts(board("teams", world.province, start, end)),
                            _as_dicts(board("communes", world.province, start, end)),
                            _as_dicts(board("members", world.province, start, end)),
                            _as_dicts(board("members", world.province, start, end, limit=3)),
                            _as_dicts(board("members", world.commune, start, end, campaign=campaign, limit=2))))
        assert results[0] == results[1], (start, end)
        full, top3 = results[0][2], results[0][3]
        streaks = {r["key"]: r["streak"] for r in top3}
        assert [dict(r, streak=streaks[r["key"]]) for r in full[:3]] == top3  # the top of the whole board
    assert any(r.points for r in board("members", world.province, d - timedelta(days=190), d, limit=5))
