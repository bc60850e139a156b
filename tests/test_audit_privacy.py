"""The audit reader, the privacy notice, a resident's export and erasure, and the retention purge."""
import json
import re
from datetime import timedelta

from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import AuditLog, Household, Visit
from fieldapp.privacy.operations import months_before
from fieldapp.timeutil import to_local, utcnow
from fieldapp.visits.operations import VisitData, log_visit


def visit(actor, household, note="Ông An hẹn chiều mai", **counts):
    v = log_visit(actor, household, VisitData(outcome="helped", visited_at=utcnow() - timedelta(minutes=5),
                                              note=note, counts=counts or {"vneid": 1}))
    db.session.commit()
    return v


# --- Audit reader -----------------------------------------------------------------------------------

def test_officer_reads_the_audit_of_their_commune_only(client, world, auth):
    auth.login("0900000003")  # a sign-in in commune 1
    auth.logout()
    auth.login("0900000005")  # a sign-in in the other commune
    auth.logout()
    auth.login("0900000001")
    page = client.get("/audit").text
    assert "VT1-001" in page and "PM-001" not in page  # households created in each commune
    assert "Nguyễn Văn Ba" in page and "Đăng nhập" in page
    assert "Phạm Văn Năm" not in page  # the other commune's member
    assert "Nguyễn Văn An" in page  # the household's consented name, in the create entry
    only_visits = client.get("/audit?type=visit").text
    assert "Nguyễn Văn Ba" not in only_visits and "Không có mục nào." in only_visits
    auth.logout()
    auth.login("0900000011")
    page = client.get("/audit").text
    assert "Phạm Văn Năm" in page and "PM-001" in page
    assert "Nguyễn Văn Ba" not in page and "VT1-001" not in page


def test_audit_filters_pages_and_rights(client, make_app, world, auth):
    for n in range(3):
        visit(world.users["member"], world.households["h1"], note=f"lần {n}")
    auth.login("0900000001")  # the commune officer: may read the visits' notes (an admin may not, issue 17.9)
    app = client.application
    app.config["AUDIT_PER_PAGE"] = 2
    r = client.get("/audit?type=visit")
    assert r.status_code == 200 and "lần 2" in r.text and "lần 1" in r.text and "lần 0" not in r.text
    assert "Cũ hơn" in r.text and "Mới hơn" not in r.text
    older = re.search(r'href="([^"]*before=\d+[^"]*)"', r.text).group(1).replace("&amp;", "&")
    r = client.get(older)  # the page after the last entry shown: no count, no offset
    assert "lần 0" in r.text and "lần 1" not in r.text and "lần 2" not in r.text
    assert "Cũ hơn" not in r.text and "Mới hơn" in r.text
    newer = re.search(r'href="([^"]*after=\d+[^"]*)"', r.text).group(1).replace("&amp;", "&")
    r = client.get(newer)
    assert "lần 2" in r.text and "lần 1" in r.text and "lần 0" not in r.text and "Mới hơn" not in r.text
    today = to_local(utcnow()).date().isoformat()  # the filter reads Vietnamese dates
    assert "Cũ hơn" in client.get(f"/audit?type=visit&from=2020-01-01&to={today}").text
    assert "Không có mục nào." in client.get("/audit?to=2020-01-01").text
    r = client.get("/audit?from=21/11/2026")
    assert r.status_code == 400 and "Ngày không hợp lệ" in r.text
    assert client.get("/audit?type=nonsense").status_code == 400
    auth.logout()
    for phone in ("0900000003", "0900000002", "0900000012"):
        auth.login(phone)
        assert client.get("/audit").status_code == 403, phone
        auth.logout()
    assert client.get("/audit").status_code == 302


# --- Privacy notice ----------------------------------------------------------------------------------

def test_privacy_notice_is_public_and_complete(client):
    page = client.get("/privacy").text
    for words in ("Dữ liệu nào được xử lý", "Vì sao", "Ai được xem", "Cán bộ tỉnh và quản trị hệ thống chỉ xem mã hộ",
                  "Lưu trong bao lâu", "24 tháng",
                  "Quyền của người dân", "Liên hệ", "UBND xã", "91/2025/QH15", "356/2025"):
        assert words in page, words


# --- A resident's export -----------------------------------------------------------------------------

def test_leader_exports_one_households_data(client, world, auth):
    h1 = world.households["h1"]
    visit(world.users["member"], h1, vneid=2)
    visit(world.users["member"], world.households["h2"], note="Bà Bình ở nhà")
    auth.login("0900000002")
    assert "Dữ liệu cá nhân của hộ" in client.get(f"/households/{h1.id}").text
    r = client.get(f"/households/{h1.id}/personal-data.json")
    assert r.status_code == 200 and r.mimetype == "application/json"
    assert "attachment" in r.headers["Content-Disposition"] and r.headers["Cache-Control"] == "no-store"
    data = json.loads(r.data)
    assert data["household"]["head_name"] == "Nguyễn Văn An" and data["household"]["code"] == "VT1-001"
    assert data["household"]["consent_at"] and data["household"]["consent_recorded_by"] == "Nguyễn Văn Ba"
    assert [v["assistance"] for v in data["visits"]] == [{"vneid": 2}]
    assert "Trần Thị Bình" not in r.text and "Bà Bình" not in r.text  # nothing of another household
    printable = client.get(f"/households/{h1.id}/personal-data/print")
    assert printable.status_code == 200 and "Nguyễn Văn An" in printable.text
    assert "Ông An hẹn chiều mai" in printable.text and "Trần Thị Bình" not in printable.text
    exports = db.session.scalars(select(AuditLog).where(AuditLog.action == "export")).all()
    assert sorted(e.after["format"] for e in exports) == ["html", "json"]
    assert all(e.entity_id == h1.id and e.actor_id == world.users["leader"].id for e in exports)


def test_who_may_export_or_erase(client, world, auth):
    h1 = world.households["h1"]
    for phone, status in (("0900000003", 403),   # member: records visits, but not this
                          ("0900000004", 404),   # another village
                          ("0900000011", 404),   # another commune's officer
                          ("0900000012", 403),   # province viewer
                          ("0900000000", 403),   # admin
                          ("0900000001", 200)):  # the commune officer
        auth.login(phone)
        for path in ("", ".json", "/print"):
            assert client.get(f"/households/{h1.id}/personal-data{path}").status_code == status, (phone, path)
        if status != 200:
            assert client.post(f"/households/{h1.id}/personal-data/erase", data={"confirm": "y"}).status_code == status
        auth.logout()
    db.session.refresh(h1)
    assert h1.head_name == "Nguyễn Văn An"


# --- Erasure on request ------------------------------------------------------------------------------

def test_erasure_keeps_counts_and_visits_and_leaves_no_trace_of_the_values(client, world, auth):
    h1 = world.households["h1"]
    h1.head_phone = "0987654321"
    db.session.commit()
    v = visit(world.users["member"], h1, vneid=2)
    auth.login("0900000001")
    r = client.post(f"/households/{h1.id}/personal-data/erase", data={})
    assert r.status_code == 422 and "Hãy đánh dấu ô xác nhận" in r.text
    r = client.post(f"/households/{h1.id}/personal-data/erase", data={"confirm": "y"})
    assert r.status_code == 302
    assert "Đã xóa tên, số điện thoại" in client.get(r.headers["Location"]).text
    db.session.expire_all()
    h1 = db.session.get(Household, h1.id)
    assert (h1.head_name, h1.head_phone, h1.consent_at, h1.consent_by_id) == (None, None, None, None)
    assert (h1.residents_total, h1.residents_14plus, h1.visit_count) == (4, 3, 1)
    assert "nguyen" not in h1.search_text
    kept = db.session.get(Visit, v.id)
    assert kept.note is None and kept.counts() and kept.deleted_at is None
    erase = db.session.scalars(select(AuditLog).where(AuditLog.action == "erase")).one()
    assert erase.before is None and erase.actor_id == world.users["officer"].id
    assert set(erase.after["erased"]) == {"head_name", "head_phone", "consent_at", "consent_by_id", "visit_notes"}
    # No copy of the erased values anywhere in the audit trail.
    dump = json.dumps([[e.before, e.after] for e in db.session.scalars(select(AuditLog))], ensure_ascii=False)
    assert "Nguyễn Văn An" not in dump and "0987654321" not in dump and "Ông An" not in dump
    assert "[đã xóa]" in dump
    assert "Trần Thị Bình" in dump  # the other household is untouched


# --- Retention -------------------------------------------------------------------------------------

def test_months_before():
    from datetime import datetime
    assert months_before(datetime(2026, 3, 31, 8), 1) == datetime(2026, 2, 28, 8)
    assert months_before(datetime(2026, 1, 15), 24) == datetime(2024, 1, 15)
    assert months_before(datetime(2025, 3, 29), 13) == datetime(2024, 2, 29)


def test_purge_erases_households_not_visited_for_the_retention_period(app, world):
    h1, h2 = world.households["h1"], world.households["h2"]
    old = utcnow() - timedelta(days=800)
    for h in (h1, h2):
        h.created_at = old
    visit(world.users["member"], h2)  # h2 was visited recently: kept
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["purge-personal-data", "--months", "24"])
    assert result.exit_code == 0, result.output
    assert "Đã xóa thông tin cá nhân của 1 hộ" in result.output
    db.session.expire_all()
    assert db.session.get(Household, h1.id).head_name is None
    assert db.session.get(Household, h2.id).head_name == "Trần Thị Bình"
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "erase")).one()
    assert entry.entity_id == h1.id and entry.actor_id is None and entry.after["reason"] == "retention 24 months"
    again = app.test_cli_runner().invoke(args=["purge-personal-data"])  # the configured default, 24
    assert "của 0 hộ" in again.output
    bad = app.test_cli_runner().invoke(args=["purge-personal-data", "--months", "0"])
    assert bad.exit_code != 0


# --- One minimum-access rule for residents' names, phones and notes (issue 17.9) ----------------------

PROVINCE, ADMIN, OFFICER, OTHER_OFFICER, LEADER, MEMBER = (
    "0900000012", "0900000000", "0900000001", "0900000011", "0900000002", "0900000003")


def test_the_rule_is_one_predicate(app, world):
    from fieldapp.access import can_export_personal, can_manage_personal_data, can_see_personal_data
    u, h1, h3 = world.users, world.households["h1"], world.households["h3"]
    seen = {who: (can_see_personal_data(u[who], h1), can_see_personal_data(u[who], h3))
            for who in ("member", "leader", "member2", "officer", "other_officer", "province", "admin")}
    assert seen == {"member": (True, False), "leader": (True, False), "member2": (False, True),
                    "officer": (True, True), "other_officer": (False, False), "province": (False, False),
                    "admin": (False, False)}
    assert [can_manage_personal_data(u[w], h1) for w in ("member", "leader", "officer", "province", "admin")] \
        == [False, True, True, False, False]
    assert [can_export_personal(u[w], world.commune) for w in ("leader", "officer", "province", "admin")] \
        == [False, True, False, False]
    assert can_export_personal(u["leader"], world.village1) and not can_export_personal(u["member"], world.village1)


def test_province_viewers_and_admins_see_codes_and_counts_but_no_names_phones_or_notes(client, world, auth):
    h1 = world.households["h1"]
    h1.head_phone = "0912345678"
    visit(world.users["member"], h1, note="Bà Hai hẹn thứ Bảy")
    for phone in (PROVINCE, ADMIN):
        auth.login(phone)
        pages = [client.get(f"/households/{h1.id}").text, client.get(f"/villages/{world.village1.id}").text,
                 client.get(f"/dashboard/{world.village1.id}").text]
        for page in pages:
            assert "VT1-001" in page or "VT1-002" in page
            assert "Nguyễn Văn An" not in page and "Trần Thị Bình" not in page
            assert "0912345678" not in page and "Bà Hai hẹn thứ Bảy" not in page
        # searching by a name finds nothing: the search does not look at names for them
        found = client.get(f"/villages/{world.village1.id}", query_string={"q": "nguyen van an"}).text
        assert "VT1-001" not in found.split("<main", 1)[-1] and "Tìm theo mã hộ" in found
        assert "VT1-002" in client.get(f"/villages/{world.village1.id}", query_string={"q": "vt1-002"}).text
        api = client.get("/api/v1/households", query_string={"village": world.village1.id}).json
        assert {h["code"]: h["head_name"] for h in api["households"]} == {"VT1-001": None, "VT1-002": None}
        auth.logout()
    auth.login(MEMBER)  # the village's team does see them, and finds by name
    assert "Nguyễn Văn An" in client.get(f"/households/{h1.id}").text
    assert "Bà Hai hẹn thứ Bảy" in client.get(f"/households/{h1.id}").text
    assert "VT1-001" in client.get(f"/villages/{world.village1.id}", query_string={"q": "nguyen van an"}).text
    api = client.get("/api/v1/households", query_string={"village": world.village1.id}).json
    assert {h["code"]: h["head_name"] for h in api["households"]}["VT1-001"] == "Nguyễn Văn An"


def test_the_audit_trail_hides_residents_values_from_the_admin_not_from_the_officer(client, world, auth):
    visit(world.users["member"], world.households["h1"], note="Bà Hai hẹn thứ Bảy")
    auth.login(ADMIN)
    page = client.get("/audit").text
    assert "VT1-001" in page and "head_name" in page and "•••" in page
    assert "Nguyễn Văn An" not in page and "Bà Hai hẹn thứ Bảy" not in page
    auth.logout()
    auth.login(OFFICER)
    page = client.get("/audit").text
    assert "Nguyễn Văn An" in page and "Bà Hai hẹn thứ Bảy" in page


def test_an_admins_household_import_neither_shows_nor_takes_names(app, client, world, auth, tmp_path):
    import io
    from fieldapp.spreadsheets import csv_bytes
    app.config["IMPORT_STASH_DIR"] = str(tmp_path)
    world.households["h1"].head_phone = "0912345678"
    db.session.commit()
    data = csv_bytes(["Mã hộ", "Họ tên chủ hộ", "Số điện thoại", "Số nhân khẩu", "Từ 14 tuổi", "Từ 18 tuổi"],
                     [["VT1-001", "", "0987654321", 5, 3, 2], ["VT1-201", "Lê Văn Mới", "", 2, 1, 1]])
    auth.login(ADMIN)
    r = client.post(f"/villages/{world.village1.id}/import", content_type="multipart/form-data",
                    data={"file": (io.BytesIO(data), "hộ.csv"), "consent": "y"})
    assert r.status_code == 200, r.text[:300]
    assert "không xem dữ liệu cá nhân" in r.text
    for secret in ("Nguyễn Văn An", "0912345678", "0987654321", "Lê Văn Mới"):
        assert secret not in r.text, secret
