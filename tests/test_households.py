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
