"""Imports of households, villages and members: preview first (nothing written), then all or nothing."""
import io
import re

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import Area, AreaLevel, AuditLog, Household, PendingImport, Role, User
from fieldapp.spreadsheets import csv_bytes
from tests.conftest import csrf_from
from tests.tally_helpers import recount, stored

HEAD = ["Mã hộ", "Họ tên chủ hộ", "Số điện thoại", "Số nhân khẩu", "Từ 14 tuổi", "Từ 18 tuổi",
        "Số điện thoại thông minh"]


def xlsx(headers, rows) -> bytes:
    book = Workbook()
    ws = book.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, url, data: bytes, filename: str, **fields):
    return client.post(url, data={"file": (io.BytesIO(data), filename), **fields},
                       content_type="multipart/form-data")


def token_of(html: str) -> str:
    m = re.search(r'name="token" type="hidden" value="([^"]+)"', html)
    assert m, "no confirm form on the preview"
    return m.group(1)


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def households_of(village) -> dict[str, Household]:
    db.session.expire_all()
    return {h.code: h for h in db.session.scalars(select(Household).where(Household.village_id == village.id))}


GOOD_ROWS = [
    ["VT1-101", "Nguyễn Thị Đào", "0912 345 678", 5, 4, 3, 2],
    ["VT1-102", "", "", 1, 1, 1, ""],
    ["VT1-001", "", "", 6, 5, 4, 1],  # already in the village (h1): an update, not a duplicate
]


def test_csv_import_with_csrf_previews_then_writes_everything(make_app, tmp_path):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from tests.factories import build_world
        world = build_world()
        v1 = world.village1
        client = app.test_client()
        client.post("/login", data={"phone": "0900000002", "password": "secret-pass-1",
                                    "csrf_token": csrf_from(client.get("/login").text)})
        assert "Nhập danh sách hộ từ tệp" in client.get(f"/villages/{v1.id}").text
        page = client.get(f"/villages/{v1.id}/import")
        assert page.status_code == 200 and "Số nhân khẩu" in page.text
        before = count(Household)
        preview = upload(client, f"/villages/{v1.id}/import", csv_bytes(HEAD, GOOD_ROWS), "hộ.csv",
                         csrf_token=csrf_from(page.text), consent="y")
        assert preview.status_code == 200, preview.text
        assert "Thêm mới: 2" in preview.text and "Cập nhật: 1" in preview.text
        assert "thêm mới" in preview.text and "cập nhật" in preview.text
        assert "Tên hoặc số điện thoại chủ hộ của 1 dòng sẽ được lưu" in preview.text
        assert count(Household) == before  # nothing written at preview
        assert count(PendingImport) == 1  # in the database, for every app host
        # The confirm form needs its CSRF token too.
        assert client.post(f"/villages/{v1.id}/import/confirm",
                           data={"token": token_of(preview.text)}).status_code == 400
        done = client.post(f"/villages/{v1.id}/import/confirm",
                           data={"token": token_of(preview.text), "csrf_token": csrf_from(preview.text)})
        assert done.status_code == 302, done.text
        assert count(Household) == before + 2
        rows = households_of(v1)
        assert rows["VT1-101"].head_name == "Nguyễn Thị Đào" and rows["VT1-101"].head_phone == "0912345678"
        assert rows["VT1-101"].consent_at is not None and rows["VT1-101"].search_text == "vt1-101 nguyen thi dao"
        assert rows["VT1-102"].smartphones == 0
        assert rows["VT1-001"].residents_total == 6 and rows["VT1-001"].head_name == "Nguyễn Văn An"  # kept
        assert count(PendingImport) == 0  # deleted with the import
        assert db.session.scalar(select(AuditLog).where(AuditLog.action == "import_households"))
        # The same token cannot be confirmed twice.
        again = client.post(f"/villages/{v1.id}/import/confirm",
                            data={"token": token_of(preview.text), "csrf_token": csrf_from(preview.text)})
        assert again.status_code == 422 and "hết hạn" in again.text
        assert count(Household) == before + 2


def _import(client, url, data, filename, **fields):
    preview = upload(client, url, data, filename, **fields)
    assert preview.status_code == 200, preview.text
    done = client.post(url + "/confirm", data={"token": token_of(preview.text)})
    assert done.status_code in (200, 302), done.text
    return preview, done


def test_xlsx_import_keeps_diacritics_and_counters_right(client, world, auth):
    auth.login("0900000001")  # the commune officer, for a village of the commune
    v2 = world.village2
    data = xlsx(["mã hộ", "SỐ NHÂN KHẨU", "Từ 18 tuổi", "Từ 14 tuổi", "Họ tên chủ hộ", "Ghi chú"],
                [["T2-101", 4, 2, 3, "Phạm Thị Ánh Tuyết", "x"], ["T2-102", 3.0, 1, 2, None, None]])
    preview, done = _import(client, f"/villages/{v2.id}/import", data, "danh-sach.xlsx", consent="y")
    assert "Ghi chú" in preview.text  # an unknown column is named in a note
    assert done.headers["Location"].endswith(f"/villages/{v2.id}")
    rows = households_of(v2)
    assert rows["T2-101"].head_name == "Phạm Thị Ánh Tuyết" and rows["T2-102"].residents_total == 3
    _, _, stats, _ = recount()
    assert stored()[2] == stats
    assert stats[v2.id][0] == 3 and stats[world.commune.id][0] == 5


def test_one_bad_row_writes_nothing_and_is_listed(client, world, auth):
    auth.login("0900000002")
    v1 = world.village1
    rows = GOOD_ROWS + [["", "", "", 3, 2, 1, 0], ["VT1-105", "", "", 3, 4, 1, 0],
                        ["VT1-106", "", "", 99, 2, 1, 0], ["VT1-107", "", "12345", 2, 2, 1, 0],
                        ["VT1-108", "", "", "ba", 2, 1, 0]]
    before = (count(Household), count(AuditLog))
    r = upload(client, f"/villages/{v1.id}/import", csv_bytes(HEAD, rows), "hộ.csv", consent="y")
    assert r.status_code == 422
    assert "Dòng 5, cột Mã hộ: chưa có mã hộ." in r.text
    assert "Dòng 6, cột Từ 14 tuổi: Số người từ 14 tuổi (4) không thể lớn hơn tổng số nhân khẩu (3)." in r.text
    assert "Dòng 7, cột Số nhân khẩu: phải là số nguyên từ 1 đến 60." in r.text
    assert "Dòng 8, cột Số điện thoại: số điện thoại gồm 10 chữ số" in r.text
    assert "Dòng 9, cột Số nhân khẩu: phải là số nguyên từ 1 đến 60." in r.text
    assert 'name="token"' not in r.text  # cannot be confirmed
    assert (count(Household), count(AuditLog)) == before


def test_a_failure_at_confirm_rolls_everything_back(client, world, auth, monkeypatch):
    auth.login("0900000002")
    v1 = world.village1
    preview = upload(client, f"/villages/{v1.id}/import", csv_bytes(HEAD, GOOD_ROWS), "hộ.csv")
    before = (count(Household), count(AuditLog), households_of(v1)["VT1-001"].residents_total, stored()[2])
    from fieldapp.imports import operations
    from fieldapp.rules import RuleError

    def refuse(*args, **kwargs):  # the third row fails after two households were created
        raise RuleError("Mã hộ VT1-001 vừa bị sửa ở máy khác.")
    monkeypatch.setattr(operations, "update_household", refuse)
    r = client.post(f"/villages/{v1.id}/import/confirm", data={"token": token_of(preview.text)})
    assert r.status_code == 422
    assert "Không nhập được, chưa có gì được ghi: Dòng 4: Mã hộ VT1-001 vừa bị sửa ở máy khác." in r.text
    assert (count(Household), count(AuditLog), households_of(v1)["VT1-001"].residents_total, stored()[2]) == before


def test_confirm_checks_the_rows_again(client, world, auth):
    auth.login("0900000001")
    v1 = world.village1
    preview = upload(client, f"/villages/{v1.id}/import", csv_bytes(HEAD, GOOD_ROWS), "hộ.csv")
    from fieldapp.timeutil import utcnow
    db.session.get(Area, v1.id).archived_at = utcnow()  # archived between the preview and the confirmation
    db.session.commit()
    n = count(Household)
    r = client.post(f"/villages/{v1.id}/import/confirm", data={"token": token_of(preview.text)})
    assert r.status_code == 422 and "Dữ liệu đã thay đổi từ lúc xem trước" in r.text and "đã lưu trữ" in r.text
    assert count(Household) == n


def test_reimport_creates_no_duplicates(client, world, auth):
    auth.login("0900000002")
    v1 = world.village1
    data = csv_bytes(HEAD, GOOD_ROWS)
    _import(client, f"/villages/{v1.id}/import", data, "hộ.csv", consent="y")
    n, stats = count(Household), stored()[2]
    preview, _ = _import(client, f"/villages/{v1.id}/import", data, "hộ.csv", consent="y")
    assert "Không đổi: 3" in preview.text and "Thêm mới: 0" in preview.text
    assert count(Household) == n and stored()[2] == stats


def test_a_code_twice_in_one_file_is_refused(client, world, auth):
    auth.login("0900000002")
    v1 = world.village1
    rows = [["VT1-201", "", "", 2, 2, 2, 0], ["vt1-201", "", "", 3, 2, 2, 0]]
    r = upload(client, f"/villages/{v1.id}/import", csv_bytes(HEAD, rows), "hộ.csv")
    assert r.status_code == 422
    assert "Dòng 3, cột Mã hộ: mã hộ vt1-201 trùng với dòng 2 của tệp." in r.text
    assert "VT1-201" not in households_of(v1)


def test_names_without_consent_are_not_imported(client, world, auth):
    auth.login("0900000002")
    v1 = world.village1
    preview, _ = _import(client, f"/villages/{v1.id}/import", csv_bytes(HEAD, GOOD_ROWS[:1]), "hộ.csv")
    assert "chưa xác nhận chủ hộ đã đồng ý" in preview.text
    h = households_of(v1)["VT1-101"]
    assert h.head_name is None and h.head_phone is None and h.consent_at is None


@pytest.mark.parametrize("filename, data, message", [
    ("hộ.pdf", b"%PDF-1.4", "Chỉ nhận tệp .csv hoặc .xlsx."),
    ("hộ.csv", "Mã hộ;Số nhân khẩu\nA;1\n".encode("cp1258", errors="replace") + b"\xff\xfe", "UTF-8"),
    ("hộ.xlsx", b"not a zip", "Không đọc được tệp Excel"),
    ("hộ.csv", csv_bytes(["Mã hộ", "Số nhân khẩu"], [["A", 1]]), "Thiếu cột bắt buộc: Từ 14 tuổi, Từ 18 tuổi."),
    ("hộ.csv", csv_bytes(HEAD, []), "chưa có dòng dữ liệu nào"),
])
def test_unreadable_files_get_a_vietnamese_message(client, world, auth, filename, data, message):
    auth.login("0900000002")
    r = upload(client, f"/villages/{world.village1.id}/import", data, filename)
    assert r.status_code == 422 and message in r.text


def test_missing_file_and_too_large_file(client, world, auth):
    auth.login("0900000002")
    url = f"/villages/{world.village1.id}/import"
    r = client.post(url, data={}, content_type="multipart/form-data")
    assert r.status_code == 422 and "Vui lòng chọn tệp .csv hoặc .xlsx." in r.text
    big = b"a" * (3 * 1024 * 1024)
    r = upload(client, url, big, "hộ.csv")
    assert r.status_code == 413 and "Tệp lớn hơn 2 MB" in r.text


def test_household_import_scope(client, world, auth):
    v1 = world.village1
    data = csv_bytes(HEAD, GOOD_ROWS)
    auth.login("0900000011")  # the other commune's officer
    assert client.get(f"/villages/{v1.id}/import").status_code == 404
    assert upload(client, f"/villages/{v1.id}/import", data, "a.csv").status_code == 404
    auth.logout()
    auth.login("0900000003")  # a member of the village
    assert client.get(f"/villages/{v1.id}/import").status_code == 403
    assert upload(client, f"/villages/{v1.id}/import", data, "a.csv").status_code == 403
    auth.logout()
    auth.login("0900000002")  # the leader of village 1, not of village 2
    assert client.get(f"/villages/{world.village2.id}/import").status_code == 404
    # A token made by someone else (or for another village) does not confirm.
    preview = upload(client, f"/villages/{v1.id}/import", data, "a.csv", consent="y")
    token = token_of(preview.text)
    auth.logout()
    auth.login("0900000001")
    r = client.post(f"/villages/{v1.id}/import/confirm", data={"token": token})
    assert r.status_code == 422 and "VT1-101" not in households_of(v1)


def test_templates_download_with_the_expected_headers(client, world, auth):
    auth.login("0900000002")
    r = client.get(f"/villages/{world.village1.id}/import/template?format=xlsx")
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(r.data)).active
    assert [c.value for c in ws[1]] == HEAD
    r = client.get(f"/villages/{world.village1.id}/import/template")
    assert r.data.startswith(b"\xef\xbb\xbf") and "Số nhân khẩu".encode() in r.data


# --- Villages ---------------------------------------------------------------------------------------

def test_villages_import_matches_folded_names(client, world, auth):
    auth.login("0900000001")
    commune = world.commune
    assert "import-villages" in client.get(f"/areas/{commune.id}").text
    data = csv_bytes(["Tên thôn/tổ dân phố", "Loại"],
                     [["Thôn Đông Hòa", "Thôn"], ["thon vinh thanh 1", "Thôn"], ["Tổ dân phố 5", "Tổ dân phố"]])
    preview, done = _import(client, f"/areas/{commune.id}/import-villages", data, "thôn.csv")
    assert "Thêm mới: 2" in preview.text and "Cập nhật: 1" in preview.text
    names = {a.name: a for a in db.session.scalars(select(Area).where(Area.parent_id == commune.id))}
    assert names["Thôn Đông Hòa"].division_type == "Thôn" and names["Thôn Vinh Thạnh 1"].division_type == "Thôn"
    assert names["Tổ dân phố 5"].level == AreaLevel.VILLAGE and names["Tổ dân phố 5"].path.startswith(commune.path)
    n = count(Area)
    preview, _ = _import(client, f"/areas/{commune.id}/import-villages", data, "thôn.csv")
    assert "Không đổi: 3" in preview.text and count(Area) == n
    dup = csv_bytes(["Tên thôn"], [["Thôn Mới"], ["THÔN MỚI"]])
    r = upload(client, f"/areas/{commune.id}/import-villages", dup, "thôn.csv")
    assert r.status_code == 422 and "Dòng 3, cột Tên thôn/tổ dân phố: THÔN MỚI trùng với dòng 2 của tệp." in r.text
    assert count(Area) == n


def test_villages_import_scope(client, world, auth):
    data = csv_bytes(["Tên thôn"], [["Thôn X"]])
    auth.login("0900000011")
    assert upload(client, f"/areas/{world.commune.id}/import-villages", data, "t.csv").status_code == 404
    auth.logout()
    auth.login("0900000012")  # the province viewer reads, does not change
    assert client.get(f"/areas/{world.commune.id}/import-villages").status_code == 403
    auth.logout()
    auth.login("0900000002")
    assert client.get(f"/areas/{world.commune.id}/import-villages").status_code == 404


# --- Members ----------------------------------------------------------------------------------------

MEMBER_HEAD = ["Họ tên", "Số điện thoại", "Vai trò"]


def test_leader_imports_members_without_passwords(client, world, auth):
    auth.login("0900000002")
    team = world.team1
    assert "Nhập danh sách thành viên" in client.get(f"/teams/{team.id}").text
    data = csv_bytes(MEMBER_HEAD, [["Đỗ Thị Hằng", "0987 654 321", "thành viên"], ["Vũ Văn Lộc", "0987654322", ""],
                                   ["Nguyễn Văn Ba", "0900000003", ""]])
    preview, done = _import(client, f"/teams/{team.id}/import", data, "tv.csv")
    assert "Thêm mới: 2" in preview.text and "Không đổi: 1" in preview.text
    assert done.status_code == 200 and "Tạo mã QR đăng nhập cho Đỗ Thị Hằng" in done.text
    hang = db.session.scalar(select(User).where(User.phone == "0987654321"))
    assert hang.team_id == team.id and hang.role == Role.MEMBER and hang.name == "Đỗ Thị Hằng"
    auth.logout()
    assert auth.login("0987654321", "secret-pass-1").status_code != 302  # no known password: QR sign-in only
    auth.login("0900000002")
    n = count(User)
    preview, _ = _import(client, f"/teams/{team.id}/import", data, "tv.csv")
    assert "Không đổi: 3" in preview.text and count(User) == n


def test_member_rows_with_problems(client, world, auth):
    auth.login("0900000002")  # a leader cannot appoint a leader
    team = world.team1
    data = csv_bytes(MEMBER_HEAD, [["Người A", "0987000001", "tổ trưởng"], ["Người B", "0987000001", ""],
                                   ["Người C", "0900000004", ""], ["Người D", "123", ""], ["Người E", "0987000005", "x"]])
    n = count(User)
    r = upload(client, f"/teams/{team.id}/import", data, "tv.csv")
    assert r.status_code == 422
    assert "Dòng 2, cột Vai trò: chỉ cán bộ xã bổ nhiệm tổ trưởng" in r.text
    assert "Dòng 3, cột Số điện thoại: số 0987000001 trùng với dòng 2 của tệp." in r.text
    assert "Dòng 4, cột Số điện thoại: số 0900000004 đã có tài khoản ở nơi khác" in r.text
    assert "Dòng 5, cột Số điện thoại: số điện thoại gồm 10 chữ số" in r.text
    assert "Dòng 6, cột Vai trò: ghi “thành viên” hoặc “tổ trưởng”." in r.text
    assert count(User) == n


def test_officer_imports_a_new_leader(client, world, auth):
    auth.login("0900000001")
    team = world.team1
    data = csv_bytes(MEMBER_HEAD, [["Lý Thị Mai", "0987111222", "Tổ trưởng"]])
    preview, done = _import(client, f"/teams/{team.id}/import", data, "tv.csv")
    assert "Tổ trưởng Một (tổ trưởng hiện nay) sẽ trở thành thành viên" in preview.text
    assert done.status_code == 200 and "Tổ trưởng tạo mã QR đăng nhập" in done.text
    db.session.expire_all()
    assert db.session.scalar(select(User.role).where(User.phone == "0987111222")) == Role.LEADER
    assert db.session.scalar(select(User.role).where(User.phone == "0900000002")) == Role.MEMBER


def test_members_import_scope(client, world, auth):
    data = csv_bytes(MEMBER_HEAD, [["Người A", "0987000001", ""]])
    auth.login("0900000003")
    assert upload(client, f"/teams/{world.team1.id}/import", data, "t.csv").status_code == 403
    auth.logout()
    auth.login("0900000011")
    assert upload(client, f"/teams/{world.team1.id}/import", data, "t.csv").status_code == 404
    assert db.session.scalar(select(User).where(User.phone == "0987000001")) is None


# --- Hostile input ----------------------------------------------------------------------------------

def test_hostile_cells_are_row_problems(client, world, auth):
    auth.login("0900000002")
    v1 = world.village1
    rows = [["VT1-301\x00", "Tên\x1b", "", 2, 2, 1, 0], ["x" * 5000, "", "", "1e309", "３", "-1", "NaN"],
            ["<script>alert(1)</script>", "A" * 200, "", 2, 2, 1, 0]]
    n = count(Household)
    r = upload(client, f"/villages/{v1.id}/import", csv_bytes(HEAD, rows), "hộ.csv", consent="y")
    assert r.status_code == 422
    assert "Dòng 2, cột Mã hộ: có ký tự điều khiển không hợp lệ" in r.text
    assert "Dòng 3, cột Số nhân khẩu: phải là số nguyên" in r.text and "Dòng 3, cột Từ 14 tuổi" in r.text
    assert "<script>alert(1)</script>" not in r.text
    assert count(Household) == n


def test_import_forms_survive_hostile_form_fields(app, world):
    from hypothesis import given, strategies as st
    from tests.test_hostile_input import FIXTURES_OK, check_answer, form_fields, form_value
    from tests.factories import PASSWORD
    targets = [("0900000002", f"/villages/{world.village1.id}/import"),
               ("0900000001", f"/areas/{world.commune.id}/import-villages"),
               ("0900000002", f"/teams/{world.team1.id}/import")]
    for phone, page in targets:
        client = app.test_client()
        assert client.post("/login", data={"phone": phone, "password": PASSWORD}).status_code == 302
        names = form_fields(client.get(page).get_data(as_text=True)) + ["token"]

        @FIXTURES_OK
        @given(data=st.fixed_dictionaries({}, optional={n: form_value for n in names}))
        def post(data):
            for action in (page, page + "/confirm"):
                check_answer(client.post(action, data=data), f"POST {action} {data!r:.300}")
                db.session.rollback()

        post()


def test_residents_cannot_drop_below_people_already_helped(client, world, auth):
    from datetime import timedelta
    from fieldapp.timeutil import utcnow
    from fieldapp.visits.operations import VisitData, log_visit
    h1 = world.households["h1"]  # 4 residents, 3 from 14 years
    log_visit(world.users["member"], h1, VisitData(outcome="helped", visited_at=utcnow() - timedelta(minutes=5),
                                                    counts={"vneid": 3}))
    db.session.commit()
    auth.login("0900000002")
    rows = [["VT1-001", "", "", 2, 2, 2, 0]]
    r = upload(client, f"/villages/{world.village1.id}/import", csv_bytes(HEAD, rows), "hộ.csv")
    assert r.status_code == 422
    assert "Dòng 2, cột Số nhân khẩu: VNeID mức 2 đã ghi nhận 3 người ở hộ này" in r.text


def test_a_hostile_spreadsheet_is_refused_through_the_upload_page_without_tying_up_the_worker(client, world, auth):
    """Issue 17.4: one row of 2,000,000 cells in 0.23 MB took 40 s of a worker before the limits."""
    import time
    from tests.test_spreadsheets import inline, raw_xlsx
    auth.login("0900000002")
    url = f"/villages/{world.village1.id}/import"
    wide = raw_xlsx('<row r="1">' + "<c><v>1</v></c>" * 2_000_000 + "</row>")
    started = time.perf_counter()
    r = upload(client, url, wide, "hộ.xlsx")
    assert r.status_code == 422 and "quá nhiều ô" in r.text
    assert time.perf_counter() - started < 10
    # More rows than an import takes: the reader stops at the limit and says it
    rows = "".join(f'<row r="{n}">{inline(f"H{n}")}<c><v>1</v></c></row>' for n in range(2, 2_100))
    many = raw_xlsx(f'<row r="1">{inline("Mã hộ")}{inline("Số nhân khẩu")}</row>' + rows)
    r = upload(client, url, many, "hộ.xlsx")
    assert r.status_code == 422 and "tối đa 2.000 dòng dữ liệu" in r.text
    assert count(Household, Household.village_id == world.village1.id) == 2


def test_preview_on_one_host_and_confirm_on_another(make_app, tmp_path):
    """Issue 18: behind round robin the confirmation reached the other host and found no file (422).
    Two gunicorn processes share the database but not instance/."""
    import requests

    from tests.conftest import csrf_from as csrf
    from tests.factories import build_world
    from tests.servers import database_url_of, gunicorn
    app = make_app()
    with app.app_context():
        world = build_world()
        village_id = world.village1.id
        before = count(Household)
        db.session.commit()
        db.session.remove()
    url = database_url_of(app)
    with gunicorn(url, tmp_path / "host-a") as host_a, gunicorn(url, tmp_path / "host-b") as host_b:
        phone = requests.Session()
        page = phone.get(f"{host_a}/login")
        r = phone.post(f"{host_a}/login", data={"phone": "0900000002", "password": "secret-pass-1",
                                                "csrf_token": csrf(page.text)}, allow_redirects=False)
        assert r.status_code == 302, r.text
        page = phone.get(f"{host_b}/villages/{village_id}/import")
        preview = phone.post(f"{host_a}/villages/{village_id}/import",
                             data={"csrf_token": csrf(page.text), "consent": "y"},
                             files={"file": ("hộ.csv", csv_bytes(HEAD, GOOD_ROWS), "text/csv")})
        assert preview.status_code == 200 and "Thêm mới: 2" in preview.text, preview.text
        done = phone.post(f"{host_b}/villages/{village_id}/import/confirm", allow_redirects=False,
                          data={"token": token_of(preview.text), "csrf_token": csrf(preview.text)})
        assert done.status_code == 302, done.text
    assert not (tmp_path / "host-a" / "imports").exists() and not (tmp_path / "host-b" / "imports").exists()
    with app.app_context():
        assert count(Household) == before + 2
