"""Campaigns, targets, fair leaderboards, snapshots and the commendation print page."""
import re
from datetime import timedelta

from sqlalchemy import select

from fieldapp.campaigns.operations import CampaignData, create_campaign, freeze_campaign, set_targets
from fieldapp.leaderboards.queries import BoardRow, board, period_for, rank, weekly_streaks
from fieldapp.extensions import db
from fieldapp.models import AuditLog, Campaign, Service
from fieldapp.counting import today
from fieldapp.timeutil import utcnow
from fieldapp.visits.operations import VisitData, update_visit
from tests.conftest import csrf_from
from tests.factories import household
from tests.test_dashboards import _age, _visit, plain


def _services():
    return {s.code: s for s in db.session.scalars(select(Service))}


def _campaign(world, days_back=10, ends_days_back=1, **points):
    s = _services()
    points = points or {"vneid": 3, "payment": 2}
    c = create_campaign(world.users["officer"], world.commune, CampaignData(
        "Tháng cao điểm VNeID", today() - timedelta(days=days_back), today() - timedelta(days=ends_days_back),
        {s[k].id: v for k, v in points.items()}))
    db.session.commit()
    return c


def test_officer_creates_a_campaign_with_csrf(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from tests.factories import build_world
        world = build_world()
        client = app.test_client()
        client.post("/login", data={"phone": world.users["officer"].phone, "password": "secret-pass-1",
                                    "csrf_token": csrf_from(client.get("/login").text)})
        page = client.get("/campaigns/new")
        assert page.status_code == 200
        token = csrf_from(page.text)
        bad = client.post("/campaigns/new", data={"csrf_token": token, "name": "", "starts_on": "2026-01-10",
                                                  "ends_on": "2026-01-01", "pts_vneid": "3"})
        assert bad.status_code == 422 and "Vui lòng nhập tên đợt thi đua." in bad.text
        r = client.post("/campaigns/new", data={"csrf_token": token, "name": "Đợt VNeID", "starts_on": "2026-01-01",
                                                "ends_on": "2026-01-31", "pts_vneid": "3", "pts_payment": "0"})
        assert r.status_code == 302
        c = db.session.scalar(select(Campaign))
        assert c.name == "Đợt VNeID" and c.area_id == world.commune.id
        assert {cs.service.code: cs.points for cs in c.services}["vneid"] == 3
        assert "payment" not in {cs.service.code for cs in c.services}
        assert db.session.scalar(select(AuditLog).where(AuditLog.entity_type == "campaign"))


def test_only_officers_and_province_viewers_run_campaigns(client, world, auth):
    auth.login(world.users["leader"].phone)
    assert client.get("/campaigns/new").status_code == 403
    auth.logout()
    auth.login(world.users["province"].phone)
    r = client.post("/campaigns/new", data={"name": "Toàn tỉnh", "starts_on": "2026-01-01", "ends_on": "2026-01-31",
                                            "pts_vneid": "1"})
    assert r.status_code == 302
    c = db.session.scalar(select(Campaign))
    assert c.area_id == world.province.id
    auth.logout()
    # The commune officer sees the province campaign, from their commune, and sets their villages' targets.
    auth.login(world.users["officer"].phone)
    r = client.get(f"/campaigns/{c.id}")
    assert r.status_code == 200 and "Tổ CNSCĐ Thôn Phú Mỹ" not in r.text
    assert client.get(f"/campaigns/{c.id}/targets/{world.commune.id}").status_code == 200
    assert client.get(f"/campaigns/{c.id}/targets/{world.other_commune.id}").status_code == 404


def test_fair_ranking_by_share_of_target_not_raw_totals(app, world):
    u = world.users
    _age(world)
    with app.test_request_context():
        for i in range(5):  # village 1 becomes big: 5 more households of 4 people aged 14+
            h = household(u["member"], world.village1, f"BIG-{i}", total=4, a14=4, a18=4)
            h.created_at = utcnow() - timedelta(days=40)
        db.session.commit()
    _visit(app, u["member"], world.households["h1"], vneid=3)
    _visit(app, u["leader"], world.households["h2"], vneid=2)
    _visit(app, u["member2"], world.households["h3"], vneid=3)
    p = period_for("month")
    start = min(p.start, today() - timedelta(days=2))
    rows = board("teams", world.commune, start, today())
    assert [r.key for r in rows] == [world.team2.id, world.team1.id]  # 3/3 beats 5/25
    big, small = rows[1], rows[0]
    assert big.points > small.points  # raw totals would have favoured the big village
    assert small.people["vneid"] == 3 and small.goals["vneid"] == 3
    # An explicit target changes the denominator.
    c = _campaign(world, days_back=5, ends_days_back=0, vneid=3)
    with app.test_request_context():
        set_targets(u["officer"], c, world.commune, {(world.village1.id, _services()["vneid"].id): 5})
        db.session.commit()
    rows = board("teams", world.commune, c.starts_on, c.ends_on, c)
    assert rows[0].score == 1.0 and rows[1].score == 1.0
    assert rows[0].key == world.team1.id  # equal share: more points wins


def test_ties_are_broken_deterministically(world):
    rows = board("teams", world.commune, today() - timedelta(days=6), today())
    # Nothing done anywhere: equal share, points and visits, so by name ("Thôn 2" before "Thôn Vinh...").
    assert [r.name for r in rows] == ["Tổ CNSCĐ Thôn 2", "Tổ CNSCĐ Thôn Vinh Thạnh 1"]
    same = [BoardRow(key=k, name="Tổ A", score=0.5, points=10, visits=3) for k in (9, 4, 7)]
    assert [r.key for r in rank(same)] == [4, 7, 9]
    mixed = [BoardRow(key=1, name="B", score=None, points=99), BoardRow(key=2, name="A", score=0.1, points=1),
             BoardRow(key=3, name="C", score=0.1, points=5)]
    assert [r.key for r in rank(mixed)] == [3, 2, 1]


def test_rank_change_and_streak(app, world):
    _age(world, days=60)
    u = world.users
    d = today()
    monday = d - timedelta(days=d.weekday())
    # Member: visits this week, last week and the week before -> streak 3; member (leader) only 3 weeks ago.
    for weeks in (0, 1, 2):
        days_ago = (d - (monday - timedelta(weeks=weeks))).days
        _visit(app, u["member"], world.households["h1"], outcome="not_home", days_ago=days_ago)
    _visit(app, u["leader"], world.households["h2"], outcome="not_home", days_ago=(d - monday).days + 21)
    streaks = weekly_streaks([u["member"].id, u["leader"].id])
    assert streaks.get(u["member"].id) == 3
    assert streaks.get(u["leader"].id, 0) == 0
    p = period_for("week")
    rows = board("members", world.village1, p.start, p.end, previous=(p.previous.start, p.previous.end),
                        team_id=world.team1.id)
    assert rows[0].key == u["member"].id and rows[0].move == "same"


def test_campaign_snapshot_is_not_changed_by_later_edits(app, client, world, auth):
    _age(world)
    u = world.users
    v = _visit(app, u["member"], world.households["h1"], vneid=2, days_ago=3)
    _visit(app, u["member2"], world.households["h3"], vneid=1, days_ago=3)
    c = _campaign(world)
    auth.login(u["officer"].phone)
    assert client.get(f"/campaigns/{c.id}/commendation").status_code == 302  # not frozen yet
    r = client.post(f"/campaigns/{c.id}/freeze")
    assert r.status_code == 302
    db.session.refresh(c)
    assert c.frozen_at is not None
    frozen = client.get(f"/campaigns/{c.id}").text
    snap = dict(c.snapshot)
    # A later edit inside the campaign's dates.
    with app.test_request_context():
        update_visit(u["leader"], db.session.get(type(v), v.id),
                     VisitData("helped", v.visited_at, counts={"vneid": 3}))
        db.session.commit()
    db.session.expire_all()
    assert db.session.get(Campaign, c.id).snapshot == snap
    boards = lambda html: html.split("<h2>", 1)[1]  # noqa: E731 (the boards, without flash messages)
    assert boards(client.get(f"/campaigns/{c.id}").text) == boards(frozen)
    live = board("teams", world.commune, c.starts_on, c.ends_on, db.session.get(Campaign, c.id))
    assert {r.key: r.points for r in live}[world.team1.id] == 9  # the live figure did move
    assert {r["key"]: r["points"] for r in snap["teams"]}[world.team1.id] == 6
    # Refrozen? No: a second freeze is refused.
    assert "đã được chốt" in client.post(f"/campaigns/{c.id}/freeze", follow_redirects=True).text
    # The edit shows in the anomalies list.
    assert "VT1-001" in client.get(f"/dashboard/{world.commune.id}/anomalies").text.split("kết thúc")[-1]
    page = client.get(f"/campaigns/{c.id}/commendation")
    assert page.status_code == 200
    text = plain(page.text)
    assert "Danh sách đề nghị khen thưởng" in text
    # Share weighted by points (VNeID 3, payment 2): village 1 (3 x 2/5) / 5 = 24% > village 2 (3 x 1/3) / 5 = 20%.
    assert text.index("1 Tổ CNSCĐ Thôn Vinh Thạnh 1 Thôn Vinh Thạnh 1 24% 6") < text.index("2 Tổ CNSCĐ Thôn 2 Thôn 2 20% 3")
    assert u["member"].name in text


def test_cannot_freeze_a_running_campaign(app, world):
    c = _campaign(world, days_back=2, ends_days_back=-3)
    with app.test_request_context():
        try:
            freeze_campaign(world.users["officer"], c)
        except Exception as err:  # RuleError
            assert "chưa kết thúc" in str(err)
        else:
            raise AssertionError("froze a running campaign")


def test_leaderboard_scope_and_periods(client, world, auth):
    auth.login(world.users["leader"].phone)
    r = client.get(f"/leaderboard/{world.village1.id}?period=month")
    assert r.status_code == 200
    assert world.users["member"].name in r.text and world.users["member2"].name not in r.text
    assert client.get(f"/leaderboard/{world.commune.id}").status_code == 404
    assert client.get(f"/leaderboard/{world.village1.id}?period=year").status_code == 400
    auth.logout()
    auth.login(world.users["province"].phone)
    r = client.get(f"/leaderboard/{world.province.id}?period=quarter")
    assert r.status_code == 200 and "Xã Tuy Phước Đông" in r.text


def test_freeze_campaigns_cli_freezes_only_ended_ones(app, world):
    ended = _campaign(world)
    running = _campaign(world, days_back=2, ends_days_back=-3)
    result = app.test_cli_runner().invoke(args=["freeze-campaigns"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(Campaign, ended.id).frozen_at is not None
    assert db.session.get(Campaign, running.id).frozen_at is None


def test_leaderboard_figures_link_to_the_visits_behind_them(app, client, world, auth):
    _age(world)
    _visit(app, world.users["member"], world.households["h1"], vneid=1, days_ago=0)
    auth.login(world.users["officer"].phone)
    r = client.get(f"/leaderboard/{world.commune.id}?period=week")
    links = re.findall(r'href="(/dashboard/\d+/visits\?[^"]+)"', r.text)
    team_link = [link for link in links if f"team={world.team1.id}" in link]
    assert team_link
    page = client.get(team_link[0].replace("&amp;", "&"))
    assert page.status_code == 200 and "VT1-001" in page.text


def test_targets_form(client, world, auth):
    from fieldapp.models import CampaignTarget
    c = _campaign(world, days_back=2, ends_days_back=-10, vneid=3)
    vneid = _services()["vneid"].id
    name = f"t_{world.village1.id}_{vneid}"
    auth.login(world.users["leader"].phone)
    assert client.get(f"/campaigns/{c.id}/targets/{world.commune.id}").status_code == 404
    auth.logout()
    auth.login(world.users["other_officer"].phone)
    assert client.get(f"/campaigns/{c.id}/targets/{world.commune.id}").status_code == 404
    auth.logout()
    auth.login(world.users["officer"].phone)
    page = client.get(f"/campaigns/{c.id}/targets/{world.commune.id}")
    assert page.status_code == 200 and 'placeholder="5"' in page.text  # eligible 14+ of village 1
    bad = client.post(f"/campaigns/{c.id}/targets/{world.commune.id}", data={name: "mười"})
    assert bad.status_code == 422 and 'value="mười"' in bad.text
    assert client.post(f"/campaigns/{c.id}/targets/{world.commune.id}", data={name: "4"}).status_code == 302
    assert db.session.scalar(select(CampaignTarget.target).where(CampaignTarget.campaign_id == c.id)) == 4
    assert client.post(f"/campaigns/{c.id}/targets/{world.commune.id}", data={name: ""}).status_code == 302
    assert db.session.scalar(select(CampaignTarget.target).where(CampaignTarget.campaign_id == c.id)) is None


def test_boards_read_by_day_equal_those_read_by_owner(app, world, monkeypatch):
    """A province's 5,000 teams and 25,000 members are read by day (leaderboards.queries._by_day, the partial
    indexes of the visit and service rows), a commune's by owner: the same boards whichever way. MANY_OWNERS 0
    reads every board by day, with the rows of owners outside the board (the other commune) left out."""
    from fieldapp.leaderboards import queries
    _age(world, days=60)
    u, hh = world.users, world.households
    _visit(app, u["member"], hh["h1"], vneid=2, payment=1, days_ago=1)
    _visit(app, u["leader"], hh["h2"], vneid=1, days_ago=3)
    _visit(app, u["leader"], hh["h2"], outcome="not_home", days_ago=4)
    _visit(app, u["member2"], hh["h3"], vneid=2, days_ago=2)
    _visit(app, u["member3"], hh["h4"], vneid=3, payment=2, days_ago=1)  # the other commune
    _visit(app, u["member"], hh["h1"], outcome="not_home", days_ago=20)  # before the campaign
    _visit(app, u["member2"], hh["h3"], outcome="not_home", days_ago=7)  # its first day
    _visit(app, u["member3"], hh["h4"], outcome="not_home", days_ago=0)  # its last
    c = _campaign(world, days_back=7, ends_days_back=0, vneid=3, payment=2)
    c = db.session.get(Campaign, c.id)
    calls = []

    def boards():
        return [[r.as_dict() for r in board(kind, where, c.starts_on, c.ends_on, c, **kw)]
                for kind, where, kw in (("teams", world.commune, {}), ("teams", world.province, {}),
                                        ("members", world.commune, {"limit": 20}),
                                        ("members", world.province, {"limit": 2}),
                                        ("members", world.village1, {"team_id": world.team1.id}))]

    by_owner = boards()
    real = queries._by_day
    monkeypatch.setattr(queries, "_by_day", lambda *a: calls.append(a[0]) or real(*a))
    monkeypatch.setattr(queries, "MANY_OWNERS", 0)
    by_day = boards()
    assert by_day == by_owner and sorted(set(calls)) == ["member", "team"]
    teams = {r["key"]: (r["visits"], r["points"], r["people"]) for r in by_day[1]}
    assert teams[world.team1.id] == (3, 6 + 3 + 2, {"vneid": 3, "payment": 1})
    assert teams[world.team3.id] == (2, 9 + 4, {"vneid": 3, "payment": 2})
    assert teams[world.team2.id] == (2, 6, {"vneid": 2, "payment": 0})
    assert [(r["name"], r["points"], r["visits"]) for r in by_day[2]] == [
        ("Nguyễn Văn Ba", 8, 1), ("Lê Thị Bốn", 6, 2), ("Tổ trưởng Một", 3, 2)]
    assert [r["name"] for r in by_day[3]] == ["Phạm Văn Năm", "Nguyễn Văn Ba"]
