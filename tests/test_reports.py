"""The periodic report: periods, pages (figures, the official document), XLSX, CSV, .docx, drafts, commune
activities, bad input, scope, and a fixed number of queries."""
import csv
import io
from datetime import date

import pytest
from docx import Document as ReadDocx
from openpyxl import load_workbook
from sqlalchemy import select

from fieldapp.areas.operations import create_village
from fieldapp.extensions import db
from fieldapp.models import AuditLog, ReportDraft, Service, Team
from fieldapp.outreach.operations import SessionData, create_session
from fieldapp.reports.document import place_date
from fieldapp.reports.operations import ActivityData, create_activity
from fieldapp.reports.periods import Period, parse_period, PeriodError
from fieldapp.reports.queries import build_report
from tests.conftest import csrf_from
from tests.factories import build_world, household
from tests.report_helpers import at, visit
from tests.test_dashboards import count_queries, plain  # noqa: F401

Q3, Q4 = Period.quarter(2026, 3), Period.quarter(2026, 4)


def _services():
    return {s.code: s for s in db.session.scalars(select(Service))}


@pytest.fixture
def busy(app):
    """A world made on 01/07/2026, visits and sessions in Q3 and Q4, now 05/01/2027."""
    with at(date(2026, 7, 1)):
        w = build_world()
    u, h = w.users, w.households
    with at(date(2026, 8, 20)):
        visit(app, u["member"], h["h2"], date(2026, 8, 20), vneid=1)
        create_session(u["member"], w.village1, SessionData(held_on=date(2026, 8, 20), kind="meeting",
                                                            topic="Tuyên truyền", attendees=12))
        db.session.commit()
    with at(date(2026, 11, 10)):
        visit(app, u["member"], h["h1"], date(2026, 11, 10), vneid=2, payment=1, dvc=3)
        visit(app, u["leader"], h["h2"], date(2026, 11, 10), outcome="not_home")
        visit(app, u["member3"], h["h4"], date(2026, 11, 10), vneid=3, skills5=1)
        for who, village, kind, attendees, services in (
                ("member2", w.village2, "training", 30, ["ecommerce"]),
                ("member2", w.village2, "training", 20, ["payment"]),
                ("member", w.village1, "training", 10, ["payment"])):
            create_session(u[who], village, SessionData(held_on=date(2026, 11, 10), kind=kind, topic="Tập huấn",
                                                        attendees=attendees,
                                                        service_ids=[_services()[c].id for c in services]))
        create_activity(u["officer"], w.commune, ActivityData("leaflets", date(2026, 11, 9), "Tờ rơi VNeID", 350))
        create_activity(u["officer"], w.commune, ActivityData("member_training", date(2026, 11, 10),
                                                              "Lớp tập huấn cho tổ", 1, 18))
        db.session.commit()
    with at(date(2027, 1, 5)):
        yield w


def test_quarterly_report_figures(app, busy):
    w, s = busy, _services()
    report = build_report(w.commune, Q4)
    t = report.total
    assert (t.teams, t.teams_active, t.members, t.members_active) == (2, 2, 3, 2)
    assert (t.villages, t.villages_with_team, t.households, t.visits, t.reached, t.visited) == (2, 2, 3, 2, 1, 2)
    assert (t.people(s["vneid"]), t.people_ever(s["vneid"]), t.eligible(s["vneid"])) == (2, 3, 8)
    assert (t.sessions, t.attendees) == (3, 60)
    assert report.sessions_by_kind["training"] == [3, 60]
    assert report.sessions_by_topic["training"] == {s["ecommerce"].id: 1, s["payment"].id: 2}
    assert report.activities["leaflets"] == [1, 350, 0] and report.activities["member_training"] == [1, 1, 18]
    prev = report.previous
    assert (prev.visits, prev.sessions, prev.people(s["vneid"])) == (1, 1, 1)
    assert report.period.previous() == Q3
    province = build_report(w.province, Q4).total
    assert (province.communes, province.communes_with_team, province.teams, province.visits) == (2, 2, 3, 3)


@pytest.mark.parametrize("period", [Q4, Q3, Period("custom", date(2026, 8, 3), date(2027, 1, 4)),
                                    Period("custom", date(2026, 11, 11), date(2026, 12, 31))])
def test_active_members_and_teams_read_by_day_equal_those_read_by_owner(app, busy, monkeypatch, period):
    """A province's 25,000 members are read by day (ix_tally_day_visit_rows), a commune's by owner: the
    same members and teams are active whichever way (MANY_OWNERS 0 reads every area by day)."""
    from fieldapp.reports import figures
    w = busy
    by_owner = [build_report(a, period).as_dict() for a in (w.commune, w.province)]
    monkeypatch.setattr(figures, "MANY_OWNERS", 0)
    by_day = [build_report(a, period).as_dict() for a in (w.commune, w.province)]
    assert by_day == by_owner
    active = [(r["total"]["members_active"], r["total"]["teams_active"]) for r in by_day]
    assert active == ([(2, 2), (3, 3)] if period == Q4 else active)
    if period.start == date(2026, 11, 11):
        assert active == [(0, 0), (0, 0)]  # nobody visited after 10/11


@pytest.mark.parametrize("args,expected", [
    ({}, Period.quarter(2026, 4)),                                   # the previous quarter by default
    ({"period": "quarter", "year": "2026", "q": "3"}, Period("quarter", date(2026, 7, 1), date(2026, 9, 30))),
    ({"period": "month", "year": "2026", "month": "2"}, Period("month", date(2026, 2, 1), date(2026, 2, 28))),
    ({"period": "year", "year": "2026"}, Period("year", date(2026, 1, 1), date(2026, 12, 31))),
    ({"period": "review", "year": "2026"}, Period("review", date(2025, 10, 10), date(2026, 10, 9))),
    ({"period": "custom", "from": "2022-01-01", "to": "2024-12-31"},
     Period("custom", date(2022, 1, 1), date(2024, 12, 31))),       # a multi-year review
])
def test_periods(args, expected):
    with at(date(2027, 1, 5)):
        assert parse_period(args) == expected


def test_previous_periods_and_names():
    assert Period.quarter(2026, 1).previous() == Period.quarter(2025, 4)
    assert Period.year_of(2026).previous() == Period.year_of(2025)
    assert Period.review(2026).previous() == Period("review", date(2024, 10, 10), date(2025, 10, 9))
    assert Period("custom", date(2026, 3, 1), date(2026, 3, 10)).previous() == \
        Period("custom", date(2026, 2, 19), date(2026, 2, 28))
    assert Period.quarter(2026, 4).name() == "quý IV năm 2026"
    assert Period("custom", date(2022, 1, 1), date(2024, 12, 31)).name() == "giai đoạn 2022 – 2024"
    assert Period.review(2026).name() == "năm 2026 (từ ngày 10/10/2025 đến ngày 09/10/2026)"


@pytest.mark.parametrize("today,start,end", [
    (date(2026, 10, 10), date(2025, 10, 10), date(2026, 10, 9)),    # on 10/10 itself: the year just ended
    (date(2026, 10, 9), date(2025, 10, 10), date(2026, 10, 9)),
    (date(2026, 12, 1), date(2025, 10, 10), date(2026, 10, 9)),
])
def test_the_yearly_review_on_and_after_10_october(today, start, end):
    with at(today):
        p = parse_period({"period": "review"})
    assert (p.start, p.end) == (start, end)


def test_place_and_date_line_pads_as_the_decree_says(app):
    with at(date(2027, 1, 5)):
        w = build_world()
    w.commune.set_name("Xã Hà Nha")
    assert place_date(w.commune, date(2027, 1, 5)) == "Hà Nha, ngày 05 tháng 01 năm 2027"
    assert place_date(w.commune, date(2026, 3, 15)) == "Hà Nha, ngày 15 tháng 3 năm 2026"
    assert place_date(w.commune, date(2026, 2, 28)) == "Hà Nha, ngày 28 tháng 02 năm 2026"
    assert place_date(w.commune, date(2026, 12, 9)) == "Hà Nha, ngày 09 tháng 12 năm 2026"
    assert place_date(w.province, date(2026, 11, 1)) == "Gia Lai, ngày 01 tháng 11 năm 2026"


def test_report_page(client, busy, auth):
    w = busy
    auth.login(w.users["officer"].phone)
    r = client.get(f"/reports/{w.commune.id}")
    assert r.status_code == 200
    assert "style=" not in r.text and "<script>" not in r.text
    text = plain(r.text)
    assert "Báo cáo quý IV năm 2026" in text
    assert "Tập huấn: 3 buổi, 60 lượt người tham dự (theo chuyên đề: 2 Tài khoản thanh toán, 1 Sàn TMĐT)" in text
    assert "Tờ rơi, tài liệu tuyên truyền đã phát: 350 tờ" in text
    assert "Tập huấn cho thành viên tổ: 1 lớp, 18 lượt thành viên tham dự" in text
    for key in ("period=quarter&year=2026&q=3", "period=year&year=2026", "period=review&year=2026",
                "period=month&year=2026&month=11", "period=custom&from=2022-01-01&to=2024-12-31"):
        assert client.get(f"/reports/{w.commune.id}?{key}").status_code == 200


def test_document_page_has_the_decree_layout(client, busy, auth):
    w = busy
    auth.login(w.users["officer"].phone)
    text = plain(client.get(f"/reports/{w.commune.id}/document").text)
    assert "ỦY BAN NHÂN DÂN XÃ TUY PHƯỚC" in text
    assert "TỔ CÔNG NGHỆ SỐ" not in text  # the issuer is the committee, never the team
    for piece in ("Số: …/BC-UBND", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                  "Tuy Phước, ngày 05 tháng 01 năm 2027", "BÁO CÁO",
                  "Kết quả hoạt động của Tổ công nghệ số cộng đồng quý IV năm 2026", "Kính gửi: …",
                  "Thực hiện Công văn số … ngày … của …; Ủy ban nhân dân xã Tuy Phước báo cáo",
                  "I. KẾT QUẢ THỰC HIỆN", "II. ĐÁNH GIÁ", "III. ĐỀ XUẤT, KIẾN NGHỊ", "Nơi nhận:", "Như trên;",
                  "Lưu: VT.", "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"):
        assert piece in text, piece


def test_draft_is_saved_and_offered_to_the_next_period(client, busy, auth, app):
    w = busy
    app.config["WTF_CSRF_ENABLED"] = True  # a real form, with its CSRF token
    auth_page = client.get("/login")
    client.post("/login", data={"phone": w.users["officer"].phone, "password": "secret-pass-1",
                                "csrf_token": csrf_from(auth_page.text)})
    url = f"/reports/{w.commune.id}/draft?period=quarter&year=2026&q=3"
    form = client.get(url)
    assert form.status_code == 200
    r = client.post(url, data={
        "csrf_token": csrf_from(form.text), "number": "12", "doc_date": "2026-10-05",
        "recipients": "UBND tỉnh Gia Lai\nSở Khoa học và Công nghệ",
        "reference": "Công văn số 389/SKHCN ngày 26/9/2026 của Sở Khoa học và Công nghệ về việc báo cáo",
        "signer_role": "deputy", "signer_name": "Nguyễn Hùng Tân", "strengths": "Các tổ hoạt động đều.",
        "weaknesses": "Người dân sợ lừa đảo.", "causes": "", "proposals": "Hỗ trợ kinh phí.", "highlights": "",
        "copies": "CT, các PCT UBND xã"})
    assert r.status_code == 302
    doc = plain(client.get(f"/reports/{w.commune.id}/document?period=quarter&year=2026&q=3").text)
    assert "Số: 12/BC-UBND" in doc and "Tuy Phước, ngày 05 tháng 10 năm 2026" in doc
    assert "Kính gửi: - UBND tỉnh Gia Lai; - Sở Khoa học và Công nghệ" in doc
    assert ("Thực hiện Công văn số 389/SKHCN ngày 26/9/2026 của Sở Khoa học và Công nghệ về việc báo cáo; Ủy ban "
            "nhân dân xã Tuy Phước báo cáo") in doc
    assert "Người dân sợ lừa đảo." in doc and "Nguyễn Hùng Tân" in doc and "CT, các PCT UBND xã;" in doc
    # Q4 starts from Q3's text (not its number or date) until it is saved.
    nxt = plain(client.get(f"/reports/{w.commune.id}/draft?period=quarter&year=2026&q=4").text)
    assert "lấy từ văn bản kỳ trước (quý III năm 2026)" in nxt and "Người dân sợ lừa đảo." in nxt
    assert db.session.scalar(select(ReportDraft.id).where(ReportDraft.starts_on == date(2026, 10, 1))) is None
    assert db.session.scalar(select(AuditLog.id).where(AuditLog.action == "draft_save")) is not None
    too_long = client.post(url, data={"csrf_token": csrf_from(form.text), "number": "1" * 30,
                                      "signer_role": "deputy"})
    assert too_long.status_code == 422 and "tối đa 20 ký tự" in too_long.text


def test_docx_reads_back(client, busy, auth):
    w = busy
    auth.login(w.users["officer"].phone)
    r = client.get(f"/reports/{w.commune.id}.docx")
    assert r.status_code == 200 and r.data[:2] == b"PK"
    assert r.headers["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    doc = ReadDocx(io.BytesIO(r.data))
    words = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert "ỦY BAN NHÂN DÂN" in cells and "XÃ TUY PHƯỚC" in cells and "Số: …/BC-UBND" in cells
    assert "Tuy Phước, ngày 05 tháng 01 năm 2027" in cells
    assert "BÁO CÁO" in words and "I. KẾT QUẢ THỰC HIỆN" in words and "III. ĐỀ XUẤT, KIẾN NGHỊ" in words
    assert "TM. ỦY BAN NHÂN DÂN" in cells and "Lưu: VT." in cells
    section = doc.sections[0]
    assert round(section.page_width.cm, 1) == 21.0 and round(section.page_height.cm, 1) == 29.7


def test_xlsx_and_csv(client, busy, auth):
    w, s = busy, _services()
    auth.login(w.users["province"].phone)
    r = client.get(f"/reports/{w.province.id}.xlsx")
    assert r.status_code == 200
    book = load_workbook(io.BytesIO(r.data))
    assert book.sheetnames == ["Tổng hợp", "Các xã, phường", "Buổi tuyên truyền", "Hoạt động của xã"]
    summary = {row[0].value: row for row in book["Tổng hợp"].iter_rows(min_row=2)}
    visits = summary["Lượt thăm hộ trong kỳ"]
    assert visits[2].value == 3 and visits[2].data_type == "n" and visits[3].value == 1
    assert summary[s["dvc"].name][1].value == "hồ sơ"
    assert summary[s["skills5"].name][1].value == "hộ"
    assert summary[s["vneid"].name][1].value == "người"
    assert summary["Từ ngày"][1].is_date and summary["Từ ngày"][1].value.date() == date(2026, 10, 1)
    sessions = list(book["Buổi tuyên truyền"].iter_rows(min_row=2, values_only=True))
    assert len(sessions) == 3 and {row[3] for row in sessions} == {"Tập huấn"}
    activities = list(book["Hoạt động của xã"].iter_rows(min_row=2, values_only=True))
    assert sorted(row[4] for row in activities) == [1, 350]
    communes = list(book["Các xã, phường"].iter_rows(min_row=2, values_only=True))
    assert communes[-1][0] == "Tổng cộng"
    r = client.get(f"/reports/{w.province.id}.csv")
    assert r.status_code == 200 and r.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    names = [row[0] if row else "" for row in rows]
    assert rows[0][0] == "Chỉ tiêu" and "Xã Tuy Phước" in names
    assert rows[names.index(s["dvc"].name)][1] == "hồ sơ"
    assert rows[names.index("Đến ngày")][1] == "2026-12-31"


@pytest.mark.parametrize("query,message", [
    ("period=custom&from=2026-13-01&to=2026-12-01", "Ngày không hợp lệ"),
    ("from=hôm-qua&to=2026-01-01", "Ngày không hợp lệ"),
    ("period=custom&from=1899-12-31&to=2026-05-01", "nằm ngoài khoảng ứng dụng dùng được"),  # timeutil's one rule
    ("period=week", "Kỳ báo cáo không hợp lệ."),
    ("period=quarter&year=2026&q=5", "Tham số “q” phải là số từ 1 đến 4."),
    ("period=month&year=abc", "Tham số “year”"),
    ("period=custom&from=2026-05-01", "Hãy nhập cả ngày bắt đầu và ngày kết thúc."),
    ("period=custom&from=2026-05-02&to=2026-05-01", "Ngày bắt đầu phải trước ngày kết thúc."),
    ("period=custom&from=2010-01-01&to=2026-05-01", "Một báo cáo dài tối đa"),
    ("period=custom&from=2026-01-01&to=2030-05-01", "Ngày kết thúc không được ở tương lai."),
])
def test_bad_periods_are_a_400_in_vietnamese(client, world, auth, query, message):
    auth.login(world.users["officer"].phone)
    for suffix in ("", ".xlsx", ".csv", ".docx", "/document", "/late"):
        r = client.get(f"/reports/{world.commune.id}{suffix}?{query}")
        assert r.status_code == 400 and message in r.text, (suffix, r.status_code)


@pytest.mark.parametrize("who,area,status", [
    ("officer", "commune", 200), ("officer", "province", 404), ("officer", "other_commune", 404),
    ("officer", "village1", 404), ("other_officer", "commune", 404), ("province", "province", 200),
    ("province", "other_commune", 200), ("admin", "commune", 200), ("leader", "commune", 404),
    ("member", "commune", 404), ("member", "village1", 403), ("leader", "village1", 403),
])
def test_report_scope(client, world, auth, who, area, status):
    auth.login(world.users[who].phone)
    area_id = getattr(world, area).id
    for suffix in ("", ".xlsx", ".csv", ".docx", "/document", "/late"):
        assert client.get(f"/reports/{area_id}{suffix}").status_code == status, suffix


def test_province_issuer_from_settings(client, world, auth):
    auth.login(world.users["admin"].phone)
    r = client.post(f"/reports/{world.province.id}/settings", data={
        "body": "Sở Khoa học và Công nghệ", "abbreviation": "skhcn", "head_title": "giám đốc", "parent": ""})
    assert r.status_code == 302
    assert client.post(f"/reports/{world.province.id}/settings", data={
        "body": "", "abbreviation": "?", "head_title": ""}).status_code == 422
    auth.logout()
    auth.login(world.users["province"].phone)
    text = plain(client.get(f"/reports/{world.province.id}/document").text)
    assert "UBND GIA LAI SỞ KHOA HỌC VÀ CÔNG NGHỆ" in text and "Số: …/BC-SKHCN" in text
    assert "KT. GIÁM ĐỐC PHÓ GIÁM ĐỐC" in text and "TM. ỦY BAN" not in text
    assert client.post(f"/reports/{world.province.id}/settings", data={"body": "x"}).status_code == 403


def test_commune_activities_are_recorded_by_the_officer(client, world, auth):
    auth.login(world.users["officer"].phone)
    base = f"/reports/{world.commune.id}/activities"
    assert client.get(base).status_code == 200
    bad = client.post(base, data={"kind": "member_training", "held_on": "2026-11-01", "title": "Lớp 1",
                                  "quantity": "1", "attendees": ""})
    assert bad.status_code == 422 and "cần số thành viên tham dự" in bad.text
    ok = client.post(base, data={"kind": "news", "held_on": date.today().isoformat(), "title": "Tin VNeID",
                                 "quantity": "4"})
    assert ok.status_code == 302
    assert "Tin VNeID" in client.get(base).text
    auth.logout()
    auth.login(world.users["province"].phone)
    assert client.post(base, data={"kind": "news", "held_on": "2026-11-01", "title": "x",
                                   "quantity": "1"}).status_code == 403
    assert client.get(f"/reports/{world.other_commune.id}/activities").status_code == 200


def _more_villages(app, world, numbers, day):
    from fieldapp.history import backfill
    from fieldapp.models import Role
    from tests.factories import user
    for i in numbers:
        village = create_village(None, world.commune, f"Thôn Mới {i}")
        team = Team(village=village, name=f"Tổ {i}")
        db.session.add(team)
        db.session.flush()
        m = user(f"0911{i:06d}", Role.MEMBER, f"Thành viên {i}", team=team)
        backfill(db.session)
        hh = household(m, village, f"M{i}")
        db.session.commit()
        visit(app, m, hh, day, vneid=1)
        create_session(m, village, SessionData(held_on=day, kind="help_point", topic="Hỗ trợ", attendees=3))
        db.session.commit()


def test_queries_do_not_grow_with_villages(app, client, auth, count_queries):
    with at(date(2026, 10, 2)):
        w = build_world()
        _more_villages(app, w, range(1), date(2026, 10, 2))
    with at(date(2026, 11, 3)):
        auth.login(w.users["officer"].phone)
        client.get(f"/reports/{w.commune.id}?period=quarter&year=2026&q=4")
        counts = []
        for numbers in (range(1, 1), range(1, 8)):
            _more_villages(app, w, numbers, date(2026, 11, 3))
            db.session.expire_all()
            count_queries.n = 0
            r = client.get(f"/reports/{w.commune.id}?period=quarter&year=2026&q=4")
            assert r.status_code == 200
            counts.append(count_queries.n)
        assert "Thôn Mới 7" in r.text
        assert counts[0] == counts[1] <= 45, counts
        report = build_report(w.commune, Q4)
    assert report.total.teams_active == 8 and report.total.visits == 8


def test_coverage_over_100_is_shown_as_it_is(app, world):
    report = build_report(world.commune, Period.quarter(2026, 4))
    s = _services()
    report.total.ever[s["vneid"].id] = {"people": 16}  # as if the counters were off
    assert (report.total.people_ever(s["vneid"]), report.total.eligible(s["vneid"]), report.total.rate(s["vneid"])) \
        == (16, 8, 2.0)


def test_parse_period_refuses_a_period_that_has_not_started():
    with at(date(2026, 5, 1)):
        with pytest.raises(PeriodError):
            parse_period({"period": "quarter", "year": "2026", "q": "4"})
