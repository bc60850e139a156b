"""Province scale (issue 19): what keeps the heavy pages cheap, checked on both databases."""
from datetime import datetime

from flask_migrate import upgrade
from sqlalchemy import String, func, insert, literal, select, text

from fieldapp import create_app
from fieldapp.extensions import db
from fieldapp.models import AuditLog
from fieldapp.models.areas import within
from fieldapp.models.audit import commune_of
from tests.conftest import _config


def test_within_is_the_prefix_test_on_paths(app, world):
    from fieldapp.models import Area
    for prefix in ("", world.province.path, world.commune.path, world.village1.path):
        got = set(db.session.scalars(select(Area.id).where(within(Area.path, prefix))))
        assert got == {a.id for a in db.session.scalars(select(Area)) if a.path.startswith(prefix)}
    # "/1/2/" must not take "/1/20/" (the next byte after "/" is "0")
    for path, inside in (("/1/20/", False), ("/1/2/", True), ("/1/2/77/", True), ("/1/1/", False), ("/1/3/", False)):
        assert db.session.scalar(select(within(literal(path, String), "/1/2/"))) == inside, path


def test_every_audit_insert_gets_its_commune(app, world):
    assert commune_of("/1/5/9/") == 5 and commune_of("/1/5/") == 5 and commune_of("/1/") is None
    assert commune_of("") is None and commune_of(None) is None
    db.session.add(AuditLog(action="x", entity_type="t", area_path=world.village1.path))
    db.session.execute(insert(AuditLog.__table__), [
        {"action": "y", "entity_type": "t", "area_path": world.village3.path, "at": datetime(2026, 1, 1)},
        {"action": "y", "entity_type": "t", "area_path": world.province.path, "at": datetime(2026, 1, 1)}])
    db.session.commit()
    got = {(a.action, a.area_path): a.commune_id for a in db.session.scalars(select(AuditLog).where(
        AuditLog.entity_type == "t"))}
    assert got == {("x", world.village1.path): world.commune.id, ("y", world.village3.path): world.other_commune.id,
                   ("y", world.province.path): None}


def test_the_upgrade_fills_the_commune_of_existing_audit_rows(spare_url):
    app = create_app(_config(spare_url))
    with app.app_context():
        upgrade(revision="0014_recount")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO audit_log (at, action, entity_type, area_path) VALUES "
                              "(:t, 'a', 'v', '/1/23/456/'), (:t, 'b', 'v', '/1/23/'), (:t, 'c', 'v', '/1/'), "
                              "(:t, 'd', 'v', '')"), {"t": datetime(2026, 1, 1)})
        db.session.remove()
        upgrade()
        assert dict(db.session.execute(text("SELECT action, commune_id FROM audit_log")).all()) == {
            "a": 23, "b": 23, "c": None, "d": None}
        db.session.remove()
        db.engine.dispose()


def test_a_province_campaign_board_sends_the_top_members_and_one_page_of_teams(app, world, auth, client, monkeypatch):
    """The board ranks every team and member but sends only what it shows: the top members and one page
    of teams (with a pager), read from the counters."""
    from datetime import timedelta

    from fieldapp.campaigns import queries as campaign_queries
    from fieldapp.campaigns import routes
    from fieldapp.counting import today
    from fieldapp.models import Campaign, CampaignService, Service
    from fieldapp.timeutil import utcnow
    from fieldapp.visits.operations import VisitData, log_visit
    u, h = world.users, world.households
    for actor, hh, n in ((u["member"], "h1", 2), (u["member2"], "h3", 1), (u["member3"], "h4", 3)):
        log_visit(actor, h[hh], VisitData(outcome="helped", visited_at=utcnow() - timedelta(hours=1),
                                          counts={"vneid": n}))
    c = Campaign(name="Chiến dịch tỉnh", area_id=world.province.id, starts_on=today() - timedelta(days=9),
                 ends_on=today() + timedelta(days=4))
    db.session.add(c)
    db.session.flush()
    db.session.add(CampaignService(campaign_id=c.id, service_id=db.session.scalar(
        select(Service.id).where(Service.code == "vneid")), points=1))
    db.session.commit()
    monkeypatch.setattr(campaign_queries, "TOP_MEMBERS", 2)
    monkeypatch.setattr(routes, "TEAMS_PER_PAGE", 2)
    auth.login("0900000012")
    page = client.get(f"/campaigns/{c.id}").text
    assert "Phạm Văn Năm" in page and "Nguyễn Văn Ba" in page and "Lê Thị Bốn" not in page  # top 2 of 4
    assert page.count('class="board-row"') == 2 + 2 + 2  # the 2 communes, a page of 2 teams, the top 2 members
    assert "Trang 1/2" in page and "3 tổ" in page
    second = client.get(f"/campaigns/{c.id}?page=2").text
    assert "Trang 2/2" in second and "Tổ CNSCĐ Thôn 2" in second  # the third team, ranked on all
    assert client.get(f"/campaigns/{c.id}?page=99").status_code == 200


def test_the_shared_household_check_is_bounded_by_the_dates(app, client, world, auth):
    from datetime import timedelta

    from fieldapp.counting import today
    from fieldapp.models import Role, Team, User
    from fieldapp.passwords import hash_password
    from fieldapp.timeutil import utcnow
    from fieldapp.visits.operations import VisitData, log_visit
    from tests.test_dashboards import _age
    _age(world, days=80)
    t = Team(village=world.village1, name="Tổ Đề án 06")
    db.session.add(t)
    db.session.flush()
    other = User(phone="0910000099", name="Võ Văn Sáu", role=Role.MEMBER, team_id=t.id, password_hash=hash_password("x"))
    db.session.add(other)
    for actor in (world.users["member"], other):  # two teams at VT1-001, 40 days ago
        log_visit(actor, world.households["h1"], VisitData("not_home", utcnow() - timedelta(days=40)))
    db.session.commit()
    auth.login(world.users["officer"].phone)
    url = f"/dashboard/{world.commune.id}/anomalies?from={{}}&to={today().isoformat()}"
    shared = lambda page: page.split("cùng thăm")[1].split("<h2>")[0]  # noqa: E731
    assert "VT1-001" not in shared(client.get(url.format((today() - timedelta(days=29)).isoformat())).text)
    assert "VT1-001" in shared(client.get(url.format((today() - timedelta(days=60)).isoformat())).text)


def test_the_export_count_from_the_counters_equals_the_visits_it_would_write(app, world):
    """The refusal of a too-large export reads the area's counters, not every visit: the same number."""
    from datetime import timedelta

    from fieldapp.counting import today
    from fieldapp.exports.queries import _visits_in, count_visits
    from fieldapp.households.operations import delete_household
    from fieldapp.timeutil import utcnow
    from fieldapp.visits.operations import VisitData, delete_visit, log_visit
    from tests.test_dashboards import _age
    _age(world, days=60)
    u, h = world.users, world.households
    made = [log_visit(u["member"], h["h1"], VisitData("not_home", utcnow() - timedelta(days=d))) for d in (1, 5, 20, 45)]
    made += [log_visit(u["member2"], h["h3"], VisitData("revisit", utcnow() - timedelta(days=d))) for d in (2, 3)]
    log_visit(u["member3"], h["h4"], VisitData("not_home", utcnow() - timedelta(days=2)))
    delete_visit(u["member"], made[1])
    delete_household(u["member2"], h["h3"])
    db.session.commit()
    raw = lambda area, a, b: db.session.scalar(select(func.count()).select_from(  # noqa: E731
        _visits_in(area, a, b).subquery()))
    for area in (world.province, world.commune, world.village1, world.village2, world.other_commune):
        for days in (0, 3, 10, 30, 59):
            a, b = today() - timedelta(days=days), today()
            assert count_visits(area, a, b) == raw(area, a, b), (area.name, days)
    assert count_visits(world.province, today() - timedelta(days=59), today()) == 4
