"""Every area-prefix filter has an index PostgreSQL can use, under the database's own collation (the test
server runs C.UTF-8, where a b-tree index cannot serve `LIKE 'prefix%'`).

The pages that filter by an area prefix are opened by each role; every statement they send with a
range on an area path (`models.areas.within`) is EXPLAINed with sequential scans disabled, and the
range must be an index condition, not a filter applied to rows read some other way. The audit log's
pages must walk an index too. A source check keeps new prefix filters on `within`.
"""
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from fieldapp.extensions import db
from fieldapp.models import Campaign
from fieldapp.timeutil import to_local, utcnow
from fieldapp.visits.operations import VisitData, log_visit
from tests.conftest import PG_URL

ROOT = Path(__file__).resolve().parent.parent
PATH_RANGE = re.compile(r"\b(path|area_path)\)?(::text)?\s*(>=|~~|LIKE)", re.I)
PATH_TABLES = {"areas", "audit_log", "jobs"}


def test_prefix_filters_go_through_within():
    """`Area.path.startswith(...)` in a query would be `LIKE 'prefix%'` again: no index under C.UTF-8."""
    column = re.compile(r"\b(Area|Village|Commune|AuditLog|Job|c)\.(area_)?path\.(startswith|like|"
                        r"contains)\(")
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in (ROOT / "fieldapp").rglob("*.py")
                 for n, line in enumerate(p.read_text().splitlines(), 1) if column.search(line)]
    assert offenders == []


def _plan_nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _plan_nodes(child)


def _captured(app, client, paths):
    seen = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if not executemany and statement.lstrip().upper().startswith("SELECT") and PATH_RANGE.search(statement):
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        for path in paths:
            assert client.get(path).status_code == 200, path
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    return seen


def _explain(statement, parameters) -> dict:
    conn = db.session.connection()
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    (plan,), = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).all()
    return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]


def _range_is_an_index_condition(plan: dict) -> tuple[bool, str]:
    """The path range is an index condition, or a filter on rows an index lookup found (the plan starts
    from another table and checks the path of the few areas it reaches); never a filter over a scan of a
    whole table (a sequential scan, or a full index scan standing in for one)."""
    nodes = list(_plan_nodes(plan))
    ok = True
    for n in nodes:
        if n["Node Type"] == "Seq Scan" and n.get("Relation Name") in PATH_TABLES:
            ok = False
        if PATH_RANGE.search(n.get("Filter", "")) or PATH_RANGE.search(n.get("Join Filter", "")):
            ok = ok and n["Node Type"] in ("Index Scan", "Index Only Scan", "Bitmap Heap Scan") and \
                bool(n.get("Index Cond") or n.get("Recheck Cond"))
    summary = "; ".join(f"{n['Node Type']} {n.get('Index Name') or n.get('Relation Name') or ''} "
                        f"{n.get('Index Cond') or ''} {n.get('Filter') or ''}" for n in nodes)
    return ok and any(PATH_RANGE.search(n.get("Index Cond", "") + n.get("Filter", "")) for n in nodes), summary


def _other_provinces(villages: int = 3000) -> None:
    """Villages of other provinces, and fresh statistics: the planner then plans as it does at size. A test
    world's handful of areas, once autovacuum has counted them (at some point of a whole suite), is cheapest
    to walk whole by its primary key, and the plans would say nothing about a real database."""
    from fieldapp.models import Area
    other = db.session.scalar(select(func.max(Area.id))) + 1
    rows = [{"id": other, "level": "province", "code": "P99", "name": "Tỉnh khác", "name_folded": "tinh khac",
             "parent_id": None, "path": f"/{other}/", "created_at": utcnow()}]
    rows += [{"id": other + i, "level": "village", "code": None, "name": f"Thôn {i}", "name_folded": f"thon {i}",
              "parent_id": other, "path": f"/{other}/{other + i}/", "created_at": utcnow()}
             for i in range(1, villages + 1)]
    db.session.execute(Area.__table__.insert(), rows)
    db.session.connection().exec_driver_sql("ANALYZE")
    db.session.commit()


@pytest.mark.skipif(not PG_URL, reason="query plans are PostgreSQL's (TEST_DATABASE_URL)")
def test_every_area_prefix_query_uses_an_index(app, world, auth, client):
    member, when = world.users["member"], utcnow() - timedelta(hours=2)
    log_visit(member, world.households["h1"], VisitData(outcome="helped", visited_at=when, counts={"vneid": 1}))
    today = to_local(utcnow()).date()
    db.session.add(Campaign(name="Chiến dịch tỉnh", area_id=world.province.id, starts_on=today - timedelta(days=3),
                            ends_on=today + timedelta(days=3)))
    db.session.commit()
    campaign_id = db.session.query(Campaign.id).scalar()
    month = f"from={(today - timedelta(days=29)).isoformat()}&to={today.isoformat()}"
    p, c = world.province.id, world.commune.id
    by_role = {
        "0900000012": [f"/dashboard/{p}/visits", f"/dashboard/{p}/households", f"/leaderboard/{p}?period=month",
                       f"/campaigns/{campaign_id}", "/campaigns", f"/reports/{p}", f"/outreach/{p}",
                       f"/exports/download?area={p}&{month}&format=csv"],
        "0900000001": [f"/dashboard/{c}/anomalies?{month}", f"/dashboard/{c}/visits", f"/outreach/{c}",
                       f"/reports/{c}", f"/campaigns/{campaign_id}"],
        "0900000000": ["/admin/integrations"],
    }
    statements = []
    for phone, paths in by_role.items():
        auth.login(phone)
        statements += _captured(app, client, paths)
        auth.logout()
    assert len(statements) >= 10  # the pages above do filter by prefix
    _other_provinces()
    bad = []
    for statement, parameters in {(s, json.dumps(p, sort_keys=True, default=str)): (s, p)
                                  for s, p in statements}.values():
        ok, summary = _range_is_an_index_condition(_explain(statement, parameters))
        if not ok:
            bad.append(f"{statement[:300]}\n  -> {summary}")
        db.session.rollback()
    assert not bad, "\n\n".join(bad)


@pytest.mark.skipif(not PG_URL, reason="query plans are PostgreSQL's (TEST_DATABASE_URL)")
def test_the_audit_log_pages_walk_an_index(app, world, auth, client):
    seen = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "FROM audit_log" in statement and "ORDER BY" in statement:
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    for phone in ("0900000001", "0900000000"):
        auth.login(phone)
        assert client.get("/audit").status_code == 200
        auth.logout()
    event.remove(db.engine, "before_cursor_execute", capture)
    assert len(seen) == 2
    for statement, parameters in seen:
        plan = _explain(statement, parameters)
        nodes = list(_plan_nodes(plan))
        assert not any(n["Node Type"] == "Sort" for n in nodes), nodes
        assert any(n.get("Index Name") in ("ix_audit_at", "ix_audit_commune_at") for n in nodes), nodes
        db.session.rollback()


def _seed_counter_rows():
    """Enough counter rows for the planner to plan as it does at size: 200 members' and teams' days and rollups
    over two years, service rows beside the visit rows (a visit row holds visits, a service row people), and
    fresh statistics. Returns today."""
    from fieldapp.counting import period_start
    from fieldapp.models import TallyDay
    from fieldapp.models.tallies import rollup_kind
    today = to_local(utcnow()).date()
    rows = {}
    for owner in ("member", "team"):
        for ref in range(1, 201):
            for back in range(0, 730, 9 + ref % 5):
                day = today - timedelta(days=back)
                for kind, first in ((owner, day), *((rollup_kind(owner, p), period_start(p, day)) for p in "wmq")):
                    for sid in (0, 1, 2):
                        rows[(kind, ref, first, sid)] = {"kind": kind, "ref_id": ref, "day": first, "service_id": sid,
                                                         "visits": int(sid == 0), "helped": int(sid == 0),
                                                         "not_home": 0, "declined": 0, "revisit": 0, "reached": 0,
                                                         "people": sid}
    db.session.execute(TallyDay.__table__.insert(), list(rows.values()))
    db.session.commit()
    db.session.connection().exec_driver_sql("ANALYZE tally_day")
    db.session.commit()
    return today


@pytest.mark.skipif(not PG_URL, reason="query plans are PostgreSQL's (TEST_DATABASE_URL)")
def test_a_province_campaign_board_reads_its_days_by_day(app, world, monkeypatch):
    """A province campaign's board of 5,000 teams and 25,000 members reads the campaign's days of their counter
    rows by day: the visit rows from ix_tally_day_visit_rows, the service rows from ix_tally_day_service_rows,
    each an index range on kind and day, not one range of the primary key per owner (250-340 ms at 1 M visits)."""
    from fieldapp.campaigns.operations import CampaignData, create_campaign
    from fieldapp.leaderboards import queries
    from fieldapp.models import Service
    monkeypatch.setattr(queries, "MANY_OWNERS", 0)
    today = _seed_counter_rows()
    services = list(db.session.scalars(select(Service).order_by(Service.id)))[:2]
    campaign = create_campaign(world.users["province"], world.province, CampaignData(
        "Đợt toàn tỉnh", today - timedelta(days=13), today, {s.id: 2 for s in services}))
    db.session.commit()
    seen = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "UNION ALL" in statement and "tally_day" in statement:
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        for kind, kw in (("teams", {}), ("members", {"limit": 20})):
            queries.board(kind, world.province, campaign.starts_on, campaign.ends_on, campaign, **kw)
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert len(seen) == 3, seen  # the teams' sums, the members' points, the top members' sums (MANY_OWNERS 0)
    definition = db.session.connection().exec_driver_sql(
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_tally_day_service_rows'").scalar()
    assert "(kind, day, ref_id, service_id, people) WHERE ((service_id <> 0)" in definition
    # Index only while the pages stay all-visible: autovacuum comes often and cleans the indexes (0023_board_rows).
    options = db.session.connection().exec_driver_sql(
        "SELECT reloptions FROM pg_class WHERE relname = 'tally_day'").scalar()
    assert {"autovacuum_vacuum_scale_factor=0.02", "vacuum_index_cleanup=on"} <= set(options), options
    for statement, parameters in seen:
        nodes = list(_plan_nodes(_explain(statement, parameters)))
        assert not any(n["Node Type"] == "Seq Scan" for n in nodes), nodes
        lookups = sorted((n["Index Name"], "day" in n.get("Index Cond", "")) for n in nodes if n.get("Index Name"))
        assert lookups == [("ix_tally_day_service_rows", True), ("ix_tally_day_visit_rows", True)], lookups


@pytest.mark.skipif(not PG_URL, reason="query plans are PostgreSQL's (TEST_DATABASE_URL)")
def test_who_was_active_in_a_year_reads_the_visit_rows_by_day(app, world, monkeypatch):
    """A province's report finds its active members (25,000 at province size) one index range per period
    of the cover on ix_tally_day_visit_rows: each range an index condition on kind and day, never a walk of
    the whole primary key (6 s at 1 M visits)."""
    from fieldapp.models import TallyKind
    from fieldapp.reports import figures
    seen = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "SELECT DISTINCT" in statement and "tally_day" in statement:
            seen.append((statement, parameters))

    monkeypatch.setattr(figures, "MANY_OWNERS", 0)
    today = _seed_counter_rows()
    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        figures.active_owners(TallyKind.MEMBER, [world.users["member"].id], today - timedelta(days=364), today, True)
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    (statement, parameters), = seen
    nodes = list(_plan_nodes(_explain(statement, parameters)))
    assert not any(n["Node Type"] == "Seq Scan" for n in nodes), nodes
    definition = db.session.connection().exec_driver_sql(
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_tally_day_visit_rows'").scalar()
    assert "(kind, day, ref_id, visits) WHERE (service_id = 0)" in definition  # a range of days of one kind
    lookups = [n for n in nodes if n.get("Index Name")]  # index scans, index-only scans, bitmap index scans
    assert len(lookups) >= 3 and all(n["Index Name"] == "ix_tally_day_visit_rows" and "day" in n.get("Index Cond", "")
                                     for n in lookups), [(n["Node Type"], n.get("Index Name"), n.get("Index Cond"))
                                                         for n in nodes]
