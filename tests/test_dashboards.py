"""Dashboards, drill-down and anomalies through the real stack."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import event

from fieldapp.counting import local_day
from fieldapp.extensions import db
from fieldapp.models import Role, Team, User
from fieldapp.passwords import hash_password
from fieldapp.timeutil import utcnow
from fieldapp.visits.operations import VisitData, log_visit
from tests.factories import household


def plain(html: str) -> str:
    """The page's text without tags, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split()).replace(" / ", "/")


def _age(world, days=40):
    for h in world.households.values():
        h.created_at = utcnow() - timedelta(days=days)
    db.session.commit()


def _visit(app, actor, hh, outcome="helped", days_ago=1, **counts):
    with app.test_request_context():
        v = log_visit(actor, hh, VisitData(outcome, utcnow() - timedelta(days=days_ago), counts=counts))
        db.session.commit()
    return v


@pytest.fixture
def count_queries(app):
    """Counts the SQL statements sent while the block runs."""
    class Counter:
        n = 0
    counter = Counter()

    def on_execute(*_a, **_k):
        counter.n += 1
    event.listen(db.engine, "before_cursor_execute", on_execute)
    yield counter
    event.remove(db.engine, "before_cursor_execute", on_execute)


def test_leader_dashboard_shows_coverage_with_denominator(app, client, world, auth):
    _age(world)
    u, h = world.users, world.households
    _visit(app, u["member"], h["h1"], vneid=2)
    _visit(app, u["leader"], h["h2"], outcome="not_home")
    auth.login(u["leader"].phone)
    r = client.get(f"/dashboard/{world.village1.id}")
    assert r.status_code == 200
    text = plain(r.text)
    # Residents 14+ of village 1: 3 + 2 = 5; two helped -> 40%.
    assert "VNeID mức 2 2/5 (40%)" in text
    assert "Đã thăm: 2/2 hộ (100%)" in text  # both households visited at least once
    assert "<svg" in r.text and "style=" not in r.text
    assert u["member"].name in text  # members' activity


def test_vietnamese_number_formatting(app, client, world, auth):
    from fieldapp.text import number
    from fieldapp.web import percent
    with app.test_request_context():
        assert number(1328) == "1.328"
        assert percent(1328, 1929) == "68,84%"
        assert percent(263, 216) == "121,76%" and percent(3, 0) == "–"


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_whole_numbers_are_grouped_as_babel_groups_them(app, lang):
    """text.number groups whole numbers itself (a board shows a thousand): exactly Babel's output."""
    import random

    from babel.numbers import format_decimal

    from fieldapp.text import number
    values = [0, 9, 10, 999, 1000, 1328, 99999, 10**6, 10**9 + 7, -1, -1000, -1234567]
    values += [random.Random(lang).randint(-10**12, 10**12) for _ in range(300)]
    with app.test_request_context(headers={"Cookie": f"lang={lang}"}):  # the language chosen (a cookie)
        from flask_babel import get_locale
        locale = str(get_locale())
        assert locale == lang
        assert [number(v) for v in values] == [format_decimal(v, locale=locale) for v in values]
        assert number(None) == "0" and number(12.5) == format_decimal(12.5, locale=locale)


@pytest.mark.parametrize("who,area,status", [
    ("leader", "village1", 200), ("leader", "village2", 404), ("leader", "commune", 404),
    ("member", "village1", 403), ("officer", "commune", 200), ("officer", "village2", 200),
    ("officer", "village3", 404), ("officer", "province", 404), ("province", "province", 200),
    ("province", "village3", 200), ("other_officer", "village1", 404),
])
def test_dashboard_scope(client, world, auth, who, area, status):
    auth.login(world.users[who].phone)
    assert client.get(f"/dashboard/{getattr(world, area).id}").status_code == status
    assert client.get(f"/dashboard/{getattr(world, area).id}/visits").status_code == status


def test_commune_and_province_dashboards_side_by_side(app, client, world, auth):
    _age(world)
    _visit(app, world.users["member2"], world.households["h3"], payment=1)
    auth.login(world.users["officer"].phone)
    r = client.get(f"/dashboard/{world.commune.id}?service=payment")
    assert r.status_code == 200
    assert "Thôn Vinh Thạnh 1" in r.text and "Thôn 2" in r.text
    assert "Thôn Phú Mỹ" not in r.text
    auth.logout()
    auth.login(world.users["province"].phone)
    r = client.get(f"/dashboard/{world.province.id}")
    assert "Xã Tuy Phước Đông" in r.text


def test_drill_down_lists_the_visits_behind_a_figure(app, client, world, auth):
    _age(world)
    u, h = world.users, world.households
    _visit(app, u["member"], h["h1"], vneid=1)
    _visit(app, u["member"], h["h2"], outcome="declined")
    auth.login(u["officer"].phone)
    r = client.get(f"/dashboard/{world.village1.id}/visits?service=vneid")
    assert r.status_code == 200 and "VT1-001" in r.text and "VT1-002" not in r.text
    r = client.get(f"/dashboard/{world.commune.id}/visits?outcome=declined")
    assert "VT1-002" in r.text and "VT1-001" not in r.text
    r = client.get(f"/dashboard/{world.commune.id}/households?status=unvisited")
    assert "T2-001" in r.text and "VT1-001" not in r.text


@pytest.mark.parametrize("query", ["from=2025-13-01", "from=2025-10-10&to=2025-10-01", "from=2020-01-01&to=2025-01-01",
                                   "outcome=bad"])
def test_bad_filters_are_400(client, world, auth, query):
    auth.login(world.users["officer"].phone)
    r = client.get(f"/dashboard/{world.commune.id}/visits?{query}")
    assert r.status_code == 400


def test_query_count_does_not_grow_with_villages_or_visits(app, client, world, auth, count_queries):
    from fieldapp.areas.operations import create_village
    from fieldapp.models import Area
    _age(world)
    commune_id, village1_id = world.commune.id, world.village1.id
    auth.login(world.users["officer"].phone)
    url = f"/dashboard/{commune_id}"
    db.session.remove()  # each page is measured from an empty session, as a production request starts
    count_queries.n = 0
    assert client.get(url).status_code == 200
    small = count_queries.n
    with app.test_request_context():
        commune = db.session.get(Area, commune_id)
        for i in range(4):
            v = create_village(None, commune, f"Thôn mới {i}")
            t = Team(village=v, name=f"Tổ {i}")
            db.session.add(t)
            db.session.flush()
            m = User(phone=f"091000000{i}", name=f"TV {i}", role=Role.MEMBER, team_id=t.id, password_hash=hash_password("x"))
            db.session.add(m)
            db.session.flush()
            for j in range(3):
                hh = household(m, v, f"N{i}-{j}")
                hh.created_at = utcnow() - timedelta(days=10)
                log_visit(m, hh, VisitData("helped", utcnow() - timedelta(days=j), counts={"vneid": 1}))
        db.session.commit()
    db.session.remove()
    count_queries.n = 0
    r = client.get(url)
    assert r.status_code == 200 and "Thôn mới 3" in r.text
    assert count_queries.n == small
    assert small <= 12, small
    for page in (f"/leaderboard/{commune_id}?period=month", f"/dashboard/{village1_id}"):
        db.session.remove()
        count_queries.n = 0
        assert client.get(page).status_code == 200
        assert count_queries.n <= 16, page


def test_anomalies_for_the_commune_officer(app, client, world, auth):
    _age(world)
    u, h = world.users, world.households
    # A second team in village 1 also visits h1.
    t = Team(village=world.village1, name="Tổ Đề án 06")
    db.session.add(t)
    db.session.flush()
    other = User(phone="0910000099", name="Võ Văn Sáu", role=Role.MEMBER, team_id=t.id, password_hash=hash_password("x"))
    db.session.add(other)
    db.session.commit()
    _visit(app, u["member"], h["h1"], outcome="not_home")
    _visit(app, other, h["h1"], outcome="not_home")
    # 13 visits inside one hour by one member.
    with app.test_request_context():
        base = utcnow() - timedelta(hours=3)
        if local_day(base) != local_day(base + timedelta(minutes=48)):  # all 13 on one day in Vietnam
            base -= timedelta(hours=1)
        for i in range(13):
            hh = household(u["member"], world.village1, f"F-{i}", total=3, a14=3, a18=3)
            hh.created_at = base - timedelta(days=1)
            log_visit(u["member"], hh, VisitData("helped", base + timedelta(minutes=4 * i), counts={"vneid": 3}))
        db.session.commit()
    auth.login(u["leader"].phone)
    assert client.get(f"/dashboard/{world.commune.id}/anomalies").status_code == 404
    auth.logout()
    auth.login(u["officer"].phone)
    r = client.get(f"/dashboard/{world.commune.id}/anomalies")
    assert r.status_code == 200
    assert "13 lượt" in r.text               # too fast
    assert "13 hộ được ghi bằng đúng số người" in r.text  # at the cap, many households at once
    assert "VT1-001" in r.text              # visited by two teams


def test_rebuild_tallies_cli(app, world):
    _age(world)
    _visit(app, world.users["member"], world.households["h1"], vneid=1)
    result = app.test_cli_runner().invoke(args=["rebuild-tallies"])
    assert result.exit_code == 0, result.output
    assert "Đã tính lại" in result.output
