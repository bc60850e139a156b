"""Household list, search, filters, adding and correcting households."""
import re

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import AuditLog, Household
from fieldapp.text import fold


def test_fold_ignores_diacritics_and_case():
    assert fold("Nguyễn Văn Đức") == "nguyen van duc"
    assert fold("  THÔN   2 ") == "thon 2"


def test_member_lands_on_their_village(client, world, auth):
    auth.login("0900000003")
    r = client.get("/", follow_redirects=True)
    assert r.status_code == 200
    assert "Thôn Vinh Thạnh 1" in r.text
    assert "VT1-001" in r.text and "VT1-002" in r.text
    assert "T2-001" not in r.text  # village 2 is not theirs


@pytest.mark.parametrize("query, found, missing", [
    ("nguyen van", "VT1-001", "VT1-002"),
    ("NGUYỄN", "VT1-001", "VT1-002"),
    ("tran binh", "VT1-002", "VT1-001"),
    ("vt1-002", "VT1-002", "VT1-001"),
])
def test_search_ignores_diacritics_and_case(client, world, auth, query, found, missing):
    auth.login("0900000003")
    r = client.get(f"/villages/{world.village1.id}", query_string={"q": query})
    assert found in listed_codes(r.text)
    assert missing not in listed_codes(r.text)


def test_search_with_no_match_says_so(client, world, auth):
    auth.login("0900000003")
    r = client.get(f"/villages/{world.village1.id}", query_string={"q": "xyz%_"})
    assert r.status_code == 200
    assert "Không tìm thấy hộ nào" in r.text


def test_village_search_finds_thon_2(client, world, auth):
    auth.login("0900000001")
    r = client.get(f"/areas/{world.commune.id}", query_string={"q": "thon 2"})
    assert "Thôn 2" in r.text
    assert "Thôn Vinh Thạnh 1" not in r.text


def listed_codes(html: str) -> set[str]:
    return set(re.findall(r'<span class="code">([^<]+)</span>', html))


def test_filters_unvisited_and_revisit(client, world, auth):
    auth.login("0900000003")
    h1 = world.households["h1"]
    r = client.post(f"/households/{h1.id}/visits/new", data={
        "outcome": "not_home", "visited_at": "", **_now_field()})
    assert r.status_code == 302, r.text
    assert listed_codes(client.get(f"/villages/{world.village1.id}?filter=unvisited").text) == {"VT1-002"}
    assert listed_codes(client.get(f"/villages/{world.village1.id}?filter=revisit").text) == {"VT1-001"}
    assert listed_codes(client.get(f"/villages/{world.village1.id}").text) == {"VT1-001", "VT1-002"}


def _now_field():
    from fieldapp.timeutil import to_local, utcnow
    return {"visited_at": to_local(utcnow()).strftime("%Y-%m-%dT%H:%M")}


def _household_form(**over):
    data = {"code": "VT1-099", "residents_total": "5", "residents_14plus": "4",
            "residents_18plus": "3", "smartphones": "2", "head_name": "", "head_phone": ""}
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def test_add_household_on_the_spot(client, world, auth):
    auth.login("0900000003")
    r = client.post(f"/villages/{world.village1.id}/households/new",
                    data=_household_form(head_name="Võ Thị Hoa", head_phone="0912 345 678", consent="y"))
    assert r.status_code == 302
    h = db.session.scalar(select(Household).where(Household.code == "VT1-099"))
    assert h.head_phone == "0912345678"
    assert h.consent_at is not None and h.consent_by_id == world.users["member"].id
    assert h.search_text == "vt1-099 vo thi hoa"
    entry = db.session.scalar(select(AuditLog).where(AuditLog.entity_id == h.id))
    assert entry.action == "create" and entry.after["code"] == "VT1-099"


@pytest.mark.parametrize("over, field_message", [
    ({"code": "vt1-001"}, "Mã hộ vt1-001 đã có trong Thôn Vinh Thạnh 1."),
    ({"residents_14plus": "6"}, "không thể lớn hơn tổng số nhân khẩu"),
    ({"residents_18plus": "5"}, "không thể lớn hơn số người từ 14 tuổi"),
    ({"residents_total": "abc"}, "Vui lòng nhập một số nguyên, ví dụ 3."),
    ({"residents_total": "-1"}, "Nhập một số từ 1 đến 60."),
    ({"head_name": "Võ Thị Hoa"}, "Chỉ lưu tên hoặc số điện thoại chủ hộ khi chủ hộ đồng ý"),
    ({"head_phone": "12345", "consent": "y"}, "Số điện thoại gồm 10 chữ số"),
    ({"code": ""}, "Vui lòng nhập mã hoặc số nhà."),
])
def test_bad_household_input_is_refused_clearly(client, world, auth, over, field_message):
    auth.login("0900000003")
    before = db.session.scalar(select(db.func.count()).select_from(Household))
    r = client.post(f"/villages/{world.village1.id}/households/new", data=_household_form(**over))
    assert r.status_code == 422
    assert field_message in r.text
    # what the user typed is still in the form
    for value in over.values():
        if value not in ("y", ""):
            assert f'value="{value}"' in r.text
    assert db.session.scalar(select(db.func.count()).select_from(Household)) == before


def test_edit_household_cannot_go_below_achieved(client, world, auth):
    auth.login("0900000003")
    h2 = world.households["h2"]  # 2 residents aged 14+
    r = client.post(f"/households/{h2.id}/visits/new", data={
        "outcome": "helped", "svc_vneid": "2", **_now_field()})
    assert r.status_code == 302
    r = client.post(f"/households/{h2.id}/edit", data=_household_form(
        code="VT1-002", residents_total="2", residents_14plus="1", residents_18plus="1"))
    assert r.status_code == 422
    assert "VNeID mức 2 đã ghi nhận 2 người" in r.text


def test_withdrawing_consent_erases_name_and_phone(client, world, auth):
    auth.login("0900000003")
    h1 = world.households["h1"]
    r = client.post(f"/households/{h1.id}/edit", data=_household_form(
        code="VT1-001", residents_total="4", residents_14plus="3", residents_18plus="2",
        head_name="Nguyễn Văn An"))
    assert r.status_code == 422  # a name without consent is refused
    r = client.post(f"/households/{h1.id}/edit", data=_household_form(
        code="VT1-001", residents_total="4", residents_14plus="3", residents_18plus="2"))
    assert r.status_code == 302
    db.session.refresh(h1)
    assert h1.head_name is None and h1.consent_at is None
    entry = db.session.scalars(select(AuditLog).where(AuditLog.entity_id == h1.id,
                                                      AuditLog.action == "update")).one()
    assert entry.before["head_name"] == "Nguyễn Văn An" and entry.after["head_name"] is None


def test_officer_cannot_add_households(client, world, auth):
    auth.login("0900000001")
    assert client.get(f"/villages/{world.village1.id}").status_code == 200
    assert client.get(f"/villages/{world.village1.id}/households/new").status_code == 403


# --- House codes are unique in a village after normalising (NFKC, spaces, case): issue 17.13 ---

def test_code_key_folds_width_spaces_and_case():
    from fieldapp.text import code_key
    same = ["H001", "H 001", "H０01", "ｈ００１", " h\u00a0001 ", "H\u200b001", "H\u3000001", "h001"]
    assert {code_key(c) for c in same} == {"h001"}
    assert code_key("H-001") != code_key("H001") and code_key("H01") != code_key("H001")


@pytest.mark.parametrize("code", ["VT1 - 001", "ＶＴ１-００１", "vt1-00１", " VT1\u00a0-001", "VT1-\u200b001"])
def test_near_duplicate_codes_are_refused_by_the_form(client, world, auth, code):
    auth.login("0900000003")
    before = db.session.scalar(select(db.func.count()).select_from(Household))
    r = client.post(f"/villages/{world.village1.id}/households/new", data=_household_form(code=code))
    assert r.status_code == 422
    assert "trùng với hộ VT1-001 đã có trong Thôn Vinh Thạnh 1" in r.text
    assert db.session.scalar(select(db.func.count()).select_from(Household)) == before
    # the same code in another village is fine
    auth.logout()
    auth.login("0900000004")
    r = client.post(f"/villages/{world.village2.id}/households/new", data=_household_form(code=code))
    assert r.status_code == 302


def test_near_duplicate_codes_are_refused_by_the_sync_api_and_the_database(client, world, auth):
    import uuid
    from sqlalchemy.exc import IntegrityError
    auth.login("0900000003")
    rec = {"id": str(uuid.uuid4()), "village_id": world.village1.id, "code": "VT1-00２", "residents_total": 2,
           "residents_14plus": 1, "residents_18plus": 1}
    [result] = client.post("/api/v1/visits/batch", json={"households": [rec]}).json["results"]
    assert result["status"] == "rejected" and "VT1-002" in result["errors"]["code"]
    # Two phones at once: the unique key on the normalised code, not the earlier read, stops the second.
    db.session.add(Household(village_id=world.village1.id, code="vt1 - 00２", residents_total=1))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_an_import_matches_a_near_duplicate_code_to_the_household_it_names(app, client, world, auth, tmp_path):
    from fieldapp.spreadsheets import csv_bytes
    app.config["IMPORT_STASH_DIR"] = str(tmp_path)
    auth.login("0900000002")
    data = csv_bytes(["Mã hộ", "Số nhân khẩu", "Từ 14 tuổi", "Từ 18 tuổi"], [["vt1-00１", 4, 3, 2], ["VT1 - 003", 1, 1, 1],
                                                                             ["VT1-003", 1, 1, 1]])
    import io
    r = client.post(f"/villages/{world.village1.id}/import", content_type="multipart/form-data",
                    data={"file": (io.BytesIO(data), "hộ.csv")})
    assert r.status_code == 422
    assert "trùng với dòng 3" in r.text  # VT1-003 and "VT1 - 003" are one code
    data = csv_bytes(["Mã hộ", "Số nhân khẩu", "Từ 14 tuổi", "Từ 18 tuổi"], [["vt1-00１", 4, 3, 2]])
    r = client.post(f"/villages/{world.village1.id}/import", content_type="multipart/form-data",
                    data={"file": (io.BytesIO(data), "hộ.csv")})
    assert r.status_code == 200 and "Thêm mới: 0" in r.text  # the row is household VT1-001, not a new one
    codes = [h.code for h in db.session.scalars(select(Household).where(Household.village_id == world.village1.id))]
    assert sorted(codes) == ["VT1-001", "VT1-002"]  # nothing written by a preview


def test_upgrading_a_database_with_near_duplicates_keeps_them_and_marks_the_later_ones(app, world, client, auth):
    """Migration 0016 fills the normalised key and never fails on codes that already clash."""
    from datetime import datetime, timedelta
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text
    from fieldapp.visits.operations import VisitData, log_visit
    from fieldapp.timeutil import utcnow
    v1, v2 = world.village1.id, world.village2.id
    h1 = world.households["h1"]
    log_visit(world.users["member"], h1, VisitData(outcome="not_home", visited_at=utcnow()))
    db.session.commit()
    h1_id = h1.id
    db.session.close()
    downgrade(revision="0014_recount")
    start = datetime(2026, 1, 1)
    rows = [("a-1", v1, "H001", 0), ("a-2", v1, "H 001", 1), ("a-3", v1, "H０01", 2), ("a-4", v1, "h001", 3),
            ("a-5", v1, "h001~2", 4), ("b-1", v2, "H 001", 5)]
    for hid, village, code, minutes in rows:
        db.session.execute(text(
            "INSERT INTO households (id, village_id, code, residents_total, residents_14plus, residents_18plus, "
            "smartphones, search_text, created_at, updated_at, visit_count) "
            "VALUES (:id, :v, :code, 1, 1, 1, 0, '', :at, :at, 0)"),
            {"id": hid, "v": village, "code": code, "at": start + timedelta(minutes=minutes)})
    db.session.commit()
    db.session.close()
    upgrade()
    keys = dict(db.session.execute(text("SELECT id, code_key FROM households WHERE id LIKE 'a-%' OR id LIKE 'b-%'")).all())
    assert keys == {"a-1": "h001", "a-2": "h001~3", "a-3": "h001~4", "a-4": "h001~5", "a-5": "h001~2", "b-1": "h001"}
    codes = dict(db.session.execute(text("SELECT id, code FROM households WHERE id LIKE 'a-%'")).all())
    assert codes == {"a-1": "H001", "a-2": "H 001", "a-3": "H０01", "a-4": "h001", "a-5": "h001~2"}  # as typed
    assert db.session.get(Household, h1_id).code_key == "vt1-001" and db.session.get(Household, h1_id).visit_count == 1
    # The later ones are kept (their visits count) and asked for a distinct code at their next edit.
    with pytest.raises(Exception):
        db.session.execute(text("UPDATE households SET code_key = 'h001' WHERE id = 'a-2'"))
    db.session.rollback()
    auth.login("0900000003")
    assert client.get("/households/a-2").status_code == 200
    r = client.post("/households/a-2/edit", data=_household_form(code="H 001"))
    assert r.status_code == 422 and "trùng với hộ H001 đã có trong Thôn Vinh Thạnh 1" in r.text
    r = client.post("/households/a-2/edit", data=_household_form(code="H001-B"))
    assert r.status_code == 302
    assert db.session.get(Household, "a-2", populate_existing=True).code_key == "h001-b"
