"""A ward rebuilt from a source document (seeds/001, Tuần Châu, Hạ Long: three khu phố, the indicator table with
its denominators) produces its quarterly report, its 10/10 review and its commendation proposal as .docx and as
print pages in the decree's layout. Every expected figure below was counted by hand from the fixture, in the
comments beside it; none is computed by the app.

The ward (registered 01/09/2025): 12 households.
    KP1: h11 5/4/3 (residents / 14+ / 18+), 3 smartphones; h12 3/3/2, 2; h13 4/3/3, 1; h14 2/2/2, 2
    KP2: h21 6/5/4, 3; h22 4/4/3, 2; h23 3/2/2, 1; h24 5/4/4, 4
    KP3: h31 2/2/2, 1; h32 4/3/2, 2; h33 3/3/3, 0; h34 1/1/1, 1
    Totals: 12 households, 42 residents, 36 aged 14+, 31 aged 18+, 22 smartphones.
    h15 (KP1, 4/3/3, 2) is added on 15/10/2026, after both periods.
Teams: one per khu phố, a leader and three members each (12); Phạm Thị Dung (KP1) leaves on 20/09/2026.
An admin adds two services: a survey platform (all residents, 1 point) and the essential apps on a smartphone
(people with a smartphone, 1 point).
"""
import io
import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from docx import Document as ReadDocx
from sqlalchemy import select

from fieldapp.admin.operations import ServiceData, create_service
from fieldapp.areas.operations import create_village
from fieldapp.extensions import db
from fieldapp.households.operations import HouseholdData, create_household
from fieldapp.models import AreaLevel, Role, Service
from fieldapp.outreach.operations import SessionData, create_session
from fieldapp.reports.commendation import build_proposal
from fieldapp.reports.operations import ActivityData, create_activity
from fieldapp.reports.periods import Period
from fieldapp.reports.queries import build_report
from fieldapp.teams.operations import create_account, create_team, deactivate_member
from tests.factories import area, user
from tests.report_helpers import at, visit
from tests.test_dashboards import plain

HOUSEHOLDS = {
    "KP1": [("h11", 5, 4, 3, 3), ("h12", 3, 3, 2, 2), ("h13", 4, 3, 3, 1), ("h14", 2, 2, 2, 2)],
    "KP2": [("h21", 6, 5, 4, 3), ("h22", 4, 4, 3, 2), ("h23", 3, 2, 2, 1), ("h24", 5, 4, 4, 4)],
    "KP3": [("h31", 2, 2, 2, 1), ("h32", 4, 3, 2, 2), ("h33", 3, 3, 3, 0), ("h34", 1, 1, 1, 1)],
}
MEMBERS = {
    "KP1": [("L1", "Nguyễn Văn An"), ("M11", "Trần Thị Bình"), ("M12", "Lê Văn Cường"), ("M13", "Phạm Thị Dung")],
    "KP2": [("L2", "Hoàng Văn Em"), ("M21", "Vũ Thị Giang"), ("M22", "Đỗ Văn Hùng"), ("M23", "Bùi Thị Lan")],
    "KP3": [("L3", "Ngô Văn Minh"), ("M31", "Đặng Thị Nga"), ("M32", "Dương Văn Phú"), ("M33", "Lý Thị Quyên")],
}
# (day, who, household, outcome, counts)
VISITS = [
    (date(2025, 10, 5), "L1", "h11", "helped", {"vneid": 2}),                            # before the review year
    (date(2025, 10, 20), "M11", "h12", "helped", {"vneid": 2, "payment": 1}),
    (date(2025, 11, 5), "L2", "h21", "helped", {"vneid": 3, "skills5": 1}),
    (date(2025, 12, 10), "M21", "h22", "not_home", {}),
    (date(2026, 3, 15), "M12", "h13", "helped", {"vneid": 2, "dvc": 2}),
    (date(2026, 5, 20), "M22", "h23", "helped", {"payment": 2}),                          # Q2: the previous quarter
    (date(2026, 7, 10), "L1", "h14", "helped", {"vneid": 2, "payment": 2, "skills5": 1, "survey": 2}),
    (date(2026, 7, 15), "M11", "h11", "helped", {"payment": 2, "dvc": 1, "apps": 2}),
    (date(2026, 8, 5), "L2", "h24", "helped", {"vneid": 4, "payment": 3, "apps": 3}),
    (date(2026, 8, 6), "M21", "h22", "helped", {"vneid": 3}),
    (date(2026, 8, 20), "M13", "h13", "helped", {"skills5": 1}),
    (date(2026, 9, 2), "L3", "h31", "not_home", {}),
    (date(2026, 9, 3), "M31", "h32", "declined", {}),
    (date(2026, 9, 25), "M22", "h21", "helped", {"survey": 4, "dvc": 3}),
    (date(2026, 10, 5), "M23", "h24", "helped", {"skills5": 1}),                          # after Q3, in the review
    (date(2026, 10, 12), "L3", "h33", "helped", {"vneid": 3}),                            # after the review year
]
# (day, khu phố, kind, attendees, services)
SESSIONS = [
    (date(2026, 5, 10), "KP1", "meeting", 50, []),
    (date(2026, 7, 22), "KP1", "training", 25, ["ecommerce"]),
    (date(2026, 8, 12), "KP1", "training", 20, ["ecommerce"]),
    (date(2026, 8, 8), "KP2", "training", 30, ["payment"]),
    (date(2026, 8, 28), "KP2", "training", 28, ["payment"]),
    (date(2026, 9, 12), "KP2", "training", 35, ["payment"]),
    (date(2026, 9, 5), "KP3", "meeting", 40, []),
]


@pytest.fixture
def ward(app, restore_services):
    """Tuần Châu as its documents describe it, built through the app's own operations on their dates."""
    with at(date(2025, 9, 1)):
        province = area(AreaLevel.PROVINCE, "Tỉnh Quảng Ninh", code="22")
        ward = area(AreaLevel.COMMUNE, "Phường Tuần Châu", province, code="99999")
        ward.division_type = "phường"
        admin = user("0900000000", Role.ADMIN, "Quản trị")
        officer = user("0900000001", Role.COMMUNE_OFFICER, "Cán bộ phường", area_=ward)
        create_service(admin, ServiceData(name="Tham gia khảo sát, góp ý trên nền tảng số của tỉnh",
                                          short_name="Khảo sát trực tuyến", eligibility="all", points=1, code="survey"))
        create_service(admin, ServiceData(name="Cài đặt, sử dụng ứng dụng thiết yếu trên điện thoại thông minh",
                                          short_name="Ứng dụng thiết yếu", eligibility="smartphone", points=1,
                                          code="apps"))
        people, homes, villages = {}, {}, {}
        serial = 10
        for n, kp in enumerate(("KP1", "KP2", "KP3"), 1):
            village = create_village(officer, ward, f"Khu phố {n}", "Tổ dân phố")
            villages[kp] = village
            team = create_team(officer, village, f"Tổ CNSCĐ khu phố {n}")
            for i, (key, name) in enumerate(MEMBERS[kp]):
                people[key] = create_account(officer, phone=f"09120000{serial:02d}", name=name,
                                             password="mat-khau-du-dai-9", role=Role.LEADER if i == 0 else Role.MEMBER,
                                             team=team)
                serial += 1
            for code, total, a14, a18, phones in HOUSEHOLDS[kp]:
                homes[code] = create_household(people[MEMBERS[kp][0][0]], village, HouseholdData(
                    code=code.upper(), residents_total=total, residents_14plus=a14, residents_18plus=a18,
                    smartphones=phones))
        db.session.commit()
    for day, who, home, outcome, counts in VISITS:
        with at(day):
            visit(app, people[who], homes[home], day, outcome, **counts)
    ids = {s.code: s.id for s in db.session.scalars(select(Service))}
    for day, kp, kind, attendees, codes in SESSIONS:
        with at(day):
            create_session(people[MEMBERS[kp][0][0]], villages[kp], SessionData(
                held_on=day, kind=kind, topic="Tập huấn" if kind == "training" else "Tuyên truyền chuyển đổi số",
                attendees=attendees, service_ids=[ids[c] for c in codes]))
            db.session.commit()
    for day, kind, title, quantity, attendees in (
            (date(2026, 7, 20), "member_training", "Tập huấn kỹ năng số cho thành viên các tổ", 1, 12),
            (date(2026, 8, 15), "leaflets", "Tờ rơi phòng chống lừa đảo trên mạng", 500, 0),
            (date(2026, 9, 1), "news", "Tin bài trên trang thông tin điện tử phường", 3, 0),
            (date(2026, 9, 10), "broadcast", "Chương trình phát thanh về VNeID", 6, 0)):
        with at(day):
            create_activity(officer, ward, ActivityData(kind, day, title, quantity, attendees))
            db.session.commit()
    with at(date(2026, 9, 20)):
        deactivate_member(officer, people["M13"], "left")
        db.session.commit()
    with at(date(2026, 10, 15)):
        create_household(people["L1"], villages["KP1"], HouseholdData(code="H15", residents_total=4,
                                                                     residents_14plus=3, residents_18plus=3,
                                                                     smartphones=2))
        db.session.commit()
    with at(date(2027, 1, 5)):
        yield {"ward": ward, "officer": officer, "villages": villages, "people": people}


def test_the_quarterly_report_matches_the_hand_count(ward):
    report = build_report(ward["ward"], Period.quarter(2026, 3))
    t = report.total
    s = {x.code: x for x in report.services}
    assert (t.households, t.stats["residents_total"], t.stats["residents_14plus"], t.stats["residents_18plus"],
            t.stats["smartphones"]) == (12, 42, 36, 31, 22)                # h15 came after the quarter
    assert (t.teams, t.villages_with_team, t.villages, t.members) == (3, 3, 3, 11)   # Dung left on 20/09
    assert (t.teams_active, t.members_active) == (3, 7)   # L1, M11, L2, M21, M22, L3, M31 (Dung is gone)
    assert (t.visits, t.outcome("helped"), t.outcome("not_home"), t.outcome("declined")) == (8, 6, 1, 1)
    assert (t.reached, t.visited) == (4, 10)              # first visits: h14, h24, h31, h32; ever: all but h33, h34
    # In the quarter / cumulative to 30/09 / eligible then.
    assert (t.people(s["vneid"]), t.people_ever(s["vneid"]), t.eligible(s["vneid"])) == (9, 18, 36)
    assert (t.people(s["payment"]), t.people_ever(s["payment"]), t.eligible(s["payment"])) == (7, 10, 31)
    assert (t.people(s["skills5"]), t.people_ever(s["skills5"]), t.eligible(s["skills5"])) == (2, 3, 12)
    assert (t.people(s["survey"]), t.people_ever(s["survey"]), t.eligible(s["survey"])) == (6, 6, 42)
    assert (t.people(s["apps"]), t.people_ever(s["apps"]), t.eligible(s["apps"])) == (5, 5, 22)
    assert (t.people(s["dvc"]), t.people_ever(s["dvc"]), t.eligible(s["dvc"])) == (4, 6, None)
    assert report.sessions_by_kind["training"] == [5, 138] and report.sessions_by_kind["meeting"] == [1, 40]
    assert report.sessions_by_topic["training"] == {s["ecommerce"].id: 2, s["payment"].id: 3}
    assert report.activities == {"member_training": [1, 1, 12], "leaflets": [1, 500, 0], "news": [1, 3, 0],
                                 "broadcast": [1, 6, 0]}
    assert (report.previous.visits, report.previous.sessions, report.previous.attendees) == (1, 1, 50)
    rows = {r.area.name: r for r in report.rows}
    assert [(rows[f"Khu phố {n}"].visits, rows[f"Khu phố {n}"].members) for n in (1, 2, 3)] == [(3, 3), (3, 4), (2, 4)]


def test_the_review_and_the_commendation_match_the_hand_count(ward):
    review = Period.review(2026)                                     # 10/10/2025 – 09/10/2026
    t = build_report(ward["ward"], review).total
    s = {x.code: x for x in build_report(ward["ward"], review).services}
    assert (t.visits, t.people(s["vneid"]), t.people_ever(s["vneid"])) == (14, 16, 18)  # V2–V15; V1 before
    proposal = build_proposal(ward["ward"], review)
    # KP2: 59 points (VNeID 10×3, payment 5×2, 5 skills 2×3, apps 3, survey 4, dossiers 3×2), 7 visits;
    # KP1: 44 points, 5 visits. KP3 made 2 visits and helped nobody: not proposed.
    assert [(r.name, r.points, r.visits) for r in proposal.teams] == [("Tổ CNSCĐ khu phố 2", 59, 7),
                                                                       ("Tổ CNSCĐ khu phố 1", 44, 5)]
    # Goals: the khu phố's eligible residents on 09/10/2026, weighted by points (19 over the services with one):
    # KP2 (3×10/15 + 2×5/13 + 3×2/4 + 1×4/18 + 1×3/10) / 19 = 25,22%; KP1 (3×6/12 + 2×5/10 + 3×2/4 + 1×2/14
    # + 1×2/8) / 19 = 23,12%.
    assert [round(100 * r.score, 2) for r in proposal.teams] == [25.22, 23.12]
    # Members by points; nobody with zero points (Ngô Văn Minh, Đặng Thị Nga) or no visit; Phạm Thị Dung left.
    assert [(r.name, r.points, r.visits) for r in proposal.members] == [
        ("Hoàng Văn Em", 33, 2), ("Trần Thị Bình", 16, 2), ("Nguyễn Văn An", 15, 1), ("Đỗ Văn Hùng", 14, 2),
        ("Lê Văn Cường", 10, 1)]
    everyone = build_proposal(ward["ward"], review, teams_n=50, members_n=50)
    assert len(everyone.members) == 7 and all(r.points > 0 and r.visits > 0 for r in everyone.members)


def _officer(client, ward):
    r = client.post("/login", data={"phone": ward["officer"].phone, "password": "secret-pass-1"})
    assert r.status_code == 302


Q3 = "period=quarter&year=2026&q=3"
REVIEW = "period=review&year=2026"
QUARTER_LINES = [
    "ỦY BAN NHÂN DÂN", "PHƯỜNG TUẦN CHÂU", "Số: …/BC-UBND", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc", "Tuần Châu, ngày 05 tháng 01 năm 2027", "BÁO CÁO",
    "Kết quả hoạt động của Tổ công nghệ số cộng đồng quý III năm 2026",
    "Đến ngày 30/09/2026, trên địa bàn có 3 Tổ công nghệ số cộng đồng tại 3/3 thôn, tổ dân phố, với 11 thành viên.",
    "Trong kỳ có 3/3 tổ hoạt động",
    "7/11 thành viên",
    "Tập huấn: 5 buổi, 138 lượt người tham dự (theo chuyên đề: 3 Tài khoản thanh toán, 2 Sàn TMĐT).",
    "Tập huấn cho thành viên tổ: 1 lớp, 12 lượt thành viên tham dự.",
    "Tờ rơi, tài liệu tuyên truyền đã phát: 500 tờ.",
    "Chương trình phát thanh, loa truyền thanh: 6 chương trình.",
    "Các tổ đã thực hiện 8 lượt thăm hộ",
    "lũy kế đến ngày 30/09/2026 đã thăm 10/12 hộ (đạt 83,33%).",
    "18/36", "50%", "10/31", "32,26%", "3/12", "25%", "22/42", "52,38%", "6/42", "14,29%", "5/22", "22,73%",
    "6 hồ sơ",
    "27,78% (tính trên 36 người từ 14 tuổi) đến 32,26% (tính trên 31 người từ 18 tuổi)",
    "12 hộ, 42 nhân khẩu, 36 người từ 14 tuổi trở lên, 31 người từ 18 tuổi trở lên, 22 điện thoại thông minh.",
    "I. KẾT QUẢ THỰC HIỆN", "II. ĐÁNH GIÁ", "III. ĐỀ XUẤT, KIẾN NGHỊ", "Nơi nhận:", "Lưu: VT.",
    "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH",
]
COMMENDATION_LINES = [
    "ỦY BAN NHÂN DÂN", "PHƯỜNG TUẦN CHÂU", "Số: …/TTr-UBND", "TỜ TRÌNH",
    "Về việc đề nghị khen thưởng tập thể, cá nhân có thành tích xuất sắc trong hoạt động của Tổ công nghệ số cộng đồng "
    "năm 2026 (từ ngày 10/10/2025 đến ngày 09/10/2026)",
    "khen thưởng 2 tập thể và 5 cá nhân",
    "Tổ CNSCĐ khu phố 2 (Khu phố 2)", "25,22%", "59", "Tổ CNSCĐ khu phố 1 (Khu phố 1)", "23,12%", "44",
    "Hoàng Văn Em", "33", "Trần Thị Bình", "Nguyễn Văn An", "Đỗ Văn Hùng", "Lê Văn Cường",
    "TM. ỦY BAN NHÂN DÂN", "PHÓ CHỦ TỊCH",
]


def _text_of(docx_bytes: bytes) -> str:
    doc = ReadDocx(io.BytesIO(docx_bytes))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


def test_print_pages_and_docx_in_the_decree_layout(client, ward):
    _officer(client, ward)
    wid = ward["ward"].id
    for url, lines in ((f"/reports/{wid}/document?{Q3}", QUARTER_LINES),
                       (f"/reports/{wid}/document?{REVIEW}", ["Tổng kết hoạt động của Tổ công nghệ số cộng đồng năm 2026",
                                                              "Các tổ đã thực hiện 14 lượt thăm hộ"]),
                       (f"/reports/{wid}/commendation?{REVIEW}", COMMENDATION_LINES)):
        r = client.get(url)
        assert r.status_code == 200, url
        page = " ".join(plain(r.text).split())
        for line in lines:
            assert line in page, (url, line)
    assert "Ngô Văn Minh" not in plain(client.get(f"/reports/{wid}/commendation?{REVIEW}").text)
    for url, lines in ((f"/reports/{wid}.docx?{Q3}", QUARTER_LINES),
                       (f"/reports/{wid}/commendation.docx?{REVIEW}", COMMENDATION_LINES)):
        r = client.get(url)
        assert r.status_code == 200 and r.data[:2] == b"PK"
        text = " ".join(_text_of(r.data).split())
        for line in lines:
            assert line in text, (url, line)


def _soffice() -> str | None:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None and os.environ.get("CI"):
        pytest.fail("LibreOffice (soffice) is missing: .ci/run installs libreoffice-writer-nogui")
    return found


def _convert(soffice: str, source: Path, target: str, out: Path) -> Path:
    subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{out / 'profile'}",
                    "--convert-to", target, "--outdir", str(out), str(source)],
                   check=True, capture_output=True, timeout=180)
    return out / (source.stem + "." + target.split(":")[0])


def test_libreoffice_opens_the_docx(client, ward, tmp_path):
    soffice = _soffice()
    if soffice is None:
        pytest.skip("LibreOffice is not installed (CI installs it)")
    _officer(client, ward)
    wid = ward["ward"].id
    for name, url, lines, pages in (("quy3", f"/reports/{wid}.docx?{Q3}", QUARTER_LINES, (3, 6)),
                                    ("totrinh", f"/reports/{wid}/commendation.docx?{REVIEW}", COMMENDATION_LINES,
                                     (1, 3))):
        source = tmp_path / f"{name}.docx"
        source.write_bytes(client.get(url).data)
        pdf = _convert(soffice, source, "pdf", tmp_path)
        count = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
        assert pages[0] <= count <= pages[1], (name, count)
        text = " ".join(_convert(soffice, source, "txt:Text", tmp_path).read_text(encoding="utf-8-sig").split())
        for line in lines:
            assert line in text, (name, line)
