"""The periodic report: the same figures as the tallies, print page, XLSX, CSV, periods, scope."""
import csv
import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from fieldapp.areas.operations import create_village
from fieldapp.extensions import db
from fieldapp.models import Service, Team
from fieldapp.outreach.operations import SessionData, create_session
from fieldapp.reports.queries import build_report, period_dates, previous_period
from fieldapp.reports.tables import service_lines, summary_lines
from fieldapp.tallies.queries import area_tallies, services_for_tallies, today
from tests.factories import household
from tests.test_dashboards import _age, _visit, count_queries, plain  # noqa: F401


def _services():
    return {s.code: s for s in db.session.scalars(select(Service))}


def _activity(app, world):
    """Visits in the last 30 days and one 40 days ago (the previous period), and two sessions."""
    _age(world, days=90)
    u, h = world.users, world.households
    _visit(app, u["member"], h["h1"], vneid=2, payment=1, dvc=3)
    _visit(app, u["leader"], h["h2"], outcome="not_home", days_ago=3)
    _visit(app, u["member"], h["h2"], vneid=1, days_ago=40)
    _visit(app, u["member3"], h["h4"], vneid=3, skills5=1)
    for who, village, attendees, days_ago in (("member2", "village2", 30, 2), ("member", "village1", 12, 45)):
        create_session(u[who], getattr(world, village), SessionData(
            held_on=today() - timedelta(days=days_ago), kind="meeting", topic="Tuyên truyền", attendees=attendees))
    db.session.commit()
    return today() - timedelta(days=29), today()


def test_report_figures_equal_the_tallies(app, world):
    start, end = _activity(app, world)
    services = services_for_tallies()
    for area, kids in ((world.commune, [world.village1, world.village2]),
                       (world.province, [world.commune, world.other_commune])):
        report = build_report(area, start, end)
        tallies = area_tallies([area, *kids], start, end, services)
        assert sorted(r.area.id for r in report.rows) == sorted(k.id for k in kids)
        for row in (report.total, *report.rows):
            t = tallies[row.area.id]
            assert (row.tally.visits, row.tally.reached, row.tally.visited, row.households) == \
                (t.visits, t.reached, t.visited, t.households)
            for s in services:
                assert row.people(s) == t.services[s.id].people
                assert row.people_ever(s) == t.services[s.id].people_ever
                cov = row.coverage(s)
                assert cov.eligible == t.services[s.id].eligible
                if cov.rate is not None:
                    assert cov.rate == t.services[s.id].coverage <= 1
    s = _services()
    commune = build_report(world.commune, start, end)
    t = commune.total
    # Two teams, both active (team 1 visited, team 2 held a session); three members, one visited in range
    # (the leader's visit counts too); two villages, one with a visit.
    assert (t.teams_active, t.teams_total) == (2, 2)
    assert (t.members_active, t.members_total) == (2, 3)
    assert (t.villages_covered, t.villages_total) == (1, 2)
    assert (t.households_visited, t.households) == (2, 3)
    assert (t.sessions.sessions, t.sessions.attendees) == (1, 30)
    assert t.people(s["vneid"]) == 2 and t.people_ever(s["vneid"]) == 3 and t.people(s["dvc"]) == 3
    # Coverage: VNeID helped ever 3 of 3 + 2 + 3 = 8 residents 14+.
    assert t.coverage(s["vneid"]).eligible == 8 and t.coverage(s["vneid"]).helped_ever == 3
    by_id = {r.area.id: r for r in commune.rows}
    v1, v2 = by_id[world.village1.id], by_id[world.village2.id]
    assert (v1.teams_active, v1.households_visited, v1.tally.visits) == (1, 2, 2)
    assert (v2.teams_active, v2.households_visited, v2.sessions.attendees) == (1, 0, 30)
    province = build_report(world.province, start, end).total
    assert (province.teams_active, province.teams_total, province.villages_covered, province.villages_total) == \
        (3, 3, 2, 3)


def test_coverage_is_shown_as_it_is(app, world):
    """The caps keep coverage at most 100% (the property tests prove it); the report does not mask a
    figure above it, which would be a fault to see."""
    _age(world)
    report = build_report(world.commune, today() - timedelta(days=29), today())
    s = _services()
    report.total.tally.services[s["vneid"].id].people_ever = 16  # as if the counters were off
    cov = report.total.coverage(s["vneid"])
    assert (cov.helped_ever, cov.eligible, cov.rate) == (16, 8, 2.0)


def test_comparison_with_the_previous_period(app, world):
    start, end = _activity(app, world)
    report = build_report(world.commune, start, end)
    assert (report.prev_start, report.prev_end) == (start - timedelta(days=30), start - timedelta(days=1))
    p = report.previous
    assert p.tally.visits == 1 and p.sessions.sessions == 1 and p.sessions.attendees == 12
    lines = {line.label: line for line in summary_lines(report)}
    assert lines["Lượt thăm hộ"].value == 2 and lines["Lượt thăm hộ"].delta == 1
    assert lines["Lượt người tham dự"].delta == 30 - 12
    assert lines["Hộ đã được thăm (lũy kế)"].delta is None
    vneid = next(line for line in service_lines(report) if line.label == _services()["vneid"].short_name)
    assert (vneid.value, vneid.previous, vneid.delta, vneid.ever) == (2, 1, 1, 3)


@pytest.mark.parametrize("key,on,expected", [
    ("quarter", date(2026, 11, 29), (date(2026, 10, 1), date(2026, 11, 29))),
    ("quarter", date(2026, 3, 31), (date(2026, 1, 1), date(2026, 3, 31))),
    ("quarter", date(2026, 7, 1), (date(2026, 7, 1), date(2026, 7, 1))),
    ("year", date(2026, 11, 29), (date(2026, 1, 1), date(2026, 11, 29))),
    ("review", date(2026, 10, 9), (date(2025, 10, 10), date(2026, 10, 9))),
    ("review", date(2026, 10, 10), (date(2026, 10, 10), date(2026, 10, 10))),
    ("review", date(2026, 10, 11), (date(2026, 10, 10), date(2026, 10, 11))),
    ("review", date(2027, 1, 5), (date(2026, 10, 10), date(2027, 1, 5))),
])
def test_quick_pick_periods(key, on, expected):
    assert period_dates(key, on) == expected


def test_previous_period_has_the_same_length():
    assert previous_period(date(2026, 10, 1), date(2026, 12, 31)) == (date(2026, 7, 1), date(2026, 9, 30))
    assert previous_period(date(2026, 3, 1), date(2026, 3, 1)) == (date(2026, 2, 28), date(2026, 2, 28))


def test_print_page(app, client, world, auth):
    start, end = _activity(app, world)
    auth.login(world.users["officer"].phone)
    r = client.get(f"/reports/{world.commune.id}?period=custom&from={start}&to={end}")
    assert r.status_code == 200
    assert "style=" not in r.text and "<script>" not in r.text
    text = plain(r.text)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert "Kết quả hoạt động của Tổ công nghệ số cộng đồng" in text
    assert "2/2 tổ có hoạt động, 2/3 thành viên có lượt thăm hộ; 1/2 thôn có lượt thăm." in text
    assert world.village1.name in text and world.village2.name in text
    assert f"Kỳ báo cáo: từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}" in text
    assert "NGƯỜI LẬP BÁO CÁO" in text
    # The quick picks answer too, and the dashboard links to the report.
    for key in ("quarter", "year", "review"):
        assert client.get(f"/reports/{world.commune.id}?period={key}").status_code == 200
    assert f"/reports/{world.commune.id}" in client.get(f"/dashboard/{world.commune.id}").text


def test_xlsx_holds_numbers(app, client, world, auth):
    start, end = _activity(app, world)
    auth.login(world.users["province"].phone)
    r = client.get(f"/reports/{world.province.id}.xlsx?period=custom&from={start}&to={end}")
    assert r.status_code == 200 and r.headers["Content-Disposition"].startswith("attachment")
    book = load_workbook(io.BytesIO(r.data))
    assert book.sheetnames == ["Tổng hợp", "Các xã, phường"]
    summary = {row[0].value: row for row in book["Tổng hợp"].iter_rows(min_row=2)}
    visits = summary["Lượt thăm hộ"]
    assert visits[1].value == 3 and visits[1].data_type == "n"   # 2 in the commune + 1 in the other
    assert visits[3].value == 1 and visits[4].value == 2
    assert summary["Từ ngày"][1].is_date and summary["Từ ngày"][1].value.date() == start
    communes = list(book["Các xã, phường"].iter_rows(min_row=2, values_only=False))
    assert sorted(row[0].value for row in communes[:-1]) == sorted([world.commune.name, world.other_commune.name])
    assert communes[-1][0].value == "Tổng cộng"
    assert all(c.data_type == "n" for c in communes[0][1:] if c.value is not None)
    report = build_report(world.province, start, end)
    header = [c.value for c in book["Các xã, phường"][1]]
    assert communes[-1][header.index("Lượt thăm")].value == report.total.tally.visits


def test_csv_with_bom_round_trips_diacritics(app, client, world, auth):
    start, end = _activity(app, world)
    auth.login(world.users["officer"].phone)
    r = client.get(f"/reports/{world.commune.id}.csv?from={start}&to={end}")
    assert r.status_code == 200 and r.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert rows[0][0] == "Chỉ tiêu"
    names = [row[0] if row else "" for row in rows]
    assert "Thôn Vinh Thạnh 1" in names and "Thành viên có lượt thăm" in names
    members = rows[names.index("Thành viên có lượt thăm")]
    assert members[1:3] == ["2", "3"]
    assert rows[names.index("Đến ngày")][1] == end.isoformat()
    assert rows[names.index("Địa bàn")][1] == "Xã Tuy Phước"


@pytest.mark.parametrize("query,message", [
    ("period=custom&from=2026-13-01&to=2026-12-01", "Ngày không hợp lệ"),
    ("from=hôm-qua", "Ngày không hợp lệ"),
    ("period=month", "Kỳ báo cáo không hợp lệ."),
    ("period=custom&from=2026-05-01", "Hãy nhập cả ngày bắt đầu và ngày kết thúc."),
    ("period=custom&from=2026-05-02&to=2026-05-01", "Ngày bắt đầu phải trước ngày kết thúc."),
    ("period=custom&from=2020-01-01&to=2026-05-01", "Một báo cáo dài tối đa"),
])
def test_bad_periods_are_a_400_in_vietnamese(client, world, auth, query, message):
    auth.login(world.users["officer"].phone)
    for suffix in ("", ".xlsx", ".csv"):
        r = client.get(f"/reports/{world.commune.id}{suffix}?{query}")
        assert r.status_code == 400 and message in r.text


def test_future_end_is_refused(client, world, auth):
    auth.login(world.users["officer"].phone)
    tomorrow = today() + timedelta(days=1)
    r = client.get(f"/reports/{world.commune.id}?from={today()}&to={tomorrow}")
    assert r.status_code == 400 and "Ngày kết thúc không được ở tương lai." in r.text


@pytest.mark.parametrize("who,area,status", [
    ("officer", "commune", 200), ("officer", "province", 404), ("officer", "other_commune", 404),
    ("officer", "village1", 404), ("other_officer", "commune", 404), ("province", "province", 200),
    ("province", "other_commune", 200), ("admin", "commune", 200), ("leader", "commune", 404),
    ("member", "commune", 404), ("member", "village1", 403), ("leader", "village1", 403),
])
def test_report_scope(client, world, auth, who, area, status):
    auth.login(world.users[who].phone)
    area_id = getattr(world, area).id
    for suffix in ("", ".xlsx", ".csv"):
        assert client.get(f"/reports/{area_id}{suffix}").status_code == status


def _more_villages(app, world, numbers):
    """Villages each with a team, a member, a household, a visit and a session."""
    from fieldapp.models import Role
    from tests.factories import user
    for i in numbers:
        village = create_village(None, world.commune, f"Thôn Mới {i}")
        team = Team(village=village, name=f"Tổ {i}")
        db.session.add(team)
        db.session.flush()
        m = user(f"0911{i:06d}", Role.MEMBER, f"Thành viên {i}", team=team)
        hh = household(m, village, f"M{i}")
        hh.created_at = hh.created_at - timedelta(days=90)
        db.session.commit()
        _visit(app, m, hh, vneid=1)
        create_session(m, village, SessionData(held_on=today(), kind="help_point", topic="Hỗ trợ", attendees=3))
        db.session.commit()


def test_queries_do_not_grow_with_villages(app, client, world, auth, count_queries):
    start, end = _activity(app, world)
    _more_villages(app, world, range(1))
    auth.login(world.users["officer"].phone)
    client.get(f"/reports/{world.commune.id}")
    counts = []
    for numbers in (range(1, 1), range(1, 8)):
        _more_villages(app, world, numbers)
        db.session.expire_all()  # the same start: nothing served from the identity map
        count_queries.n = 0
        r = client.get(f"/reports/{world.commune.id}")
        assert r.status_code == 200
        counts.append(count_queries.n)
    assert "Thôn Mới 7" in r.text
    assert counts[0] == counts[1] <= 30, counts
    report = build_report(world.commune, start, end)
    assert report.total.teams_active == 10 and report.total.tally.visits == 2 + 8
