"""Logging and correcting visits: the form end to end, the eligibility cap, dates, edit rights, audit."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import Assistance, AuditLog, Visit
from fieldapp.timeutil import to_local, utcnow
from tests.conftest import csrf_from


def local(dt):
    return to_local(dt).strftime("%Y-%m-%dT%H:%M")


def now_field():
    return {"visited_at": local(utcnow())}


def visit_count():
    return db.session.scalar(select(func.count()).select_from(Visit))


def test_visit_form_end_to_end_with_csrf(make_app):
    """Sign in and log a visit through the real forms with CSRF protection on."""
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from tests.factories import build_world
        world = build_world()
        h1_id = world.households["h1"].id
        client = app.test_client()
        page = client.get("/login")
        r = client.post("/login", data={"phone": "0900000003", "password": "secret-pass-1",
                                        "csrf_token": csrf_from(page.text)})
        assert r.status_code == 302
        # Without the token the visit is refused and nothing is written.
        r = client.post(f"/households/{h1_id}/visits/new", data={"outcome": "helped", "svc_vneid": "1", **now_field()})
        assert r.status_code == 400
        assert "mã bảo vệ" in r.text
        assert visit_count() == 0
        form = client.get(f"/households/{h1_id}/visits/new")
        assert form.status_code == 200
        assert 'value="helped" checked' in form.text or 'checked value="helped"' in form.text or 'checked' in form.text
        r = client.post(f"/households/{h1_id}/visits/new", data={
            "csrf_token": csrf_from(form.text), "outcome": "helped", "svc_vneid": "2",
            "svc_safety": "3", "note": "Bà cụ cần hỗ trợ thêm", **now_field()})
        assert r.status_code == 302
        page = client.get(r.headers["Location"]).text
        assert "Đã lưu lượt thăm hộ VT1-001." in page
        assert "VNeID mức 2: 2" in page
        assert "Bà cụ cần hỗ trợ thêm" in page
        assert visit_count() == 1


def test_household_page_shows_achievement_so_far(client, world, auth):
    auth.login("0900000003")
    h1 = world.households["h1"]  # 3 residents aged 14+, 2 aged 18+
    client.post(f"/households/{h1.id}/visits/new", data={"outcome": "helped", "svc_vneid": "1", **now_field()})
    client.post(f"/households/{h1.id}/visits/new", data={"outcome": "helped", "svc_vneid": "1", "svc_payment": "2", **now_field()})
    page = client.get(f"/households/{h1.id}").text
    assert "2 / 3" in page  # VNeID: 2 of 3 residents aged 14+
    assert "2 / 2" in page  # payment accounts: 2 of 2 adults


def test_cap_counts_earlier_visits(client, world, auth):
    auth.login("0900000003")
    h1 = world.households["h1"]
    r = client.post(f"/households/{h1.id}/visits/new", data={"outcome": "helped", "svc_vneid": "2", **now_field()})
    assert r.status_code == 302
    r = client.post(f"/households/{h1.id}/visits/new", data={
        "outcome": "helped", "svc_vneid": "2", "note": "giữ lại ghi chú", **now_field()})
    assert r.status_code == 422
    assert "VNeID mức 2: hộ chỉ có 3 người đủ điều kiện, đã ghi nhận 2, lượt này chỉ ghi được tối đa 1." in r.text
    assert "giữ lại ghi chú" in r.text
    assert visit_count() == 1
    r = client.post(f"/households/{h1.id}/visits/new", data={"outcome": "helped", "svc_vneid": "1", **now_field()})
    assert r.status_code == 302
    total = db.session.scalar(select(func.sum(Assistance.count)))
    assert total == 3


@pytest.mark.parametrize("data, message", [
    ({"outcome": "helped", "svc_payment": "3"}, "Tài khoản thanh toán: hộ chỉ có 2 người đủ điều kiện"),
    ({"outcome": "helped", "svc_skills5": "2"}, "Hộ có 5 kỹ năng số: hộ chỉ có 1 người đủ điều kiện"),
    ({"outcome": "helped", "svc_dvc": "5"}, "tối đa 4 trong một lượt thăm"),
    ({"outcome": "not_home", "svc_vneid": "1"}, "Chỉ ghi số người được hỗ trợ khi kết quả là “Đã hỗ trợ”."),
    ({"outcome": "helped"}, "Hãy ghi ít nhất một dịch vụ đã hỗ trợ"),
    ({"outcome": "bogus"}, "Vui lòng chọn một trong các lựa chọn."),
    ({"outcome": "helped", "svc_vneid": "-1"}, "Nhập một số từ 0 đến 60."),
    ({"outcome": "helped", "svc_vneid": "hai"}, "Vui lòng nhập một số nguyên"),
])
def test_bad_visits_are_refused_with_a_clear_message(client, world, auth, data, message):
    auth.login("0900000003")
    h1 = world.households["h1"]
    r = client.post(f"/households/{h1.id}/visits/new", data={**data, **now_field()})
    assert r.status_code == 422
    assert message in r.text
    assert visit_count() == 0


def test_visit_date_rules(client, world, auth, app):
    app.config["BACK_ENTRY_DAYS"] = 30
    auth.login("0900000003")
    h1 = world.households["h1"]
    future = {"outcome": "not_home", "visited_at": local(utcnow() + timedelta(days=1))}
    r = client.post(f"/households/{h1.id}/visits/new", data=future)
    assert r.status_code == 422 and "không thể ở tương lai" in r.text
    too_old = {"outcome": "not_home", "visited_at": local(utcnow() - timedelta(days=31))}  # the back-entry window
    r = client.post(f"/households/{h1.id}/visits/new", data=too_old)
    assert r.status_code == 422 and "quá xa: chỉ ghi được lượt thăm từ ngày" in r.text
    r = client.post(f"/households/{h1.id}/visits/new", data={"outcome": "not_home", "visited_at": "hôm qua"})
    assert r.status_code == 422 and "Ngày giờ không hợp lệ" in r.text
    assert visit_count() == 0


def test_member_of_another_village_gets_404(client, world, auth):
    auth.login("0900000004")  # member of village 2
    h1 = world.households["h1"]  # village 1
    assert client.get(f"/households/{h1.id}").status_code == 404
    assert client.get(f"/households/{h1.id}/visits/new").status_code == 404
    r = client.post(f"/households/{h1.id}/visits/new", data={"outcome": "helped", "svc_vneid": "1", **now_field()})
    assert r.status_code == 404
    assert client.get(f"/villages/{world.village1.id}").status_code == 404
    assert client.get(f"/households/{h1.id}/edit").status_code == 404
    assert visit_count() == 0


@pytest.mark.parametrize("phone, status", [
    ("0900000001", 200),   # officer of the commune: can look
    ("0900000011", 404),   # officer of another commune
    ("0900000012", 200),   # province viewer
    ("0900000005", 404),   # member in another commune
])
def test_household_scope_by_role(client, world, auth, phone, status):
    auth.login(phone)
    assert client.get(f"/households/{world.households['h1'].id}").status_code == status


def test_unknown_ids_are_404_not_500(client, world, auth):
    auth.login("0900000003")
    assert client.get("/households/does-not-exist").status_code == 404
    assert client.get("/visits/nope/edit").status_code == 404
    assert client.get("/villages/999999").status_code == 404


def _log(client, household, **data):
    r = client.post(f"/households/{household.id}/visits/new", data={**data, **now_field()})
    assert r.status_code == 302, r.text
    client.get(r.headers["Location"])  # shows (and so clears) the flash message
    return db.session.scalars(select(Visit).order_by(Visit.received_at.desc())).first()


def test_member_corrects_own_visit_within_24_hours_and_audit_keeps_both(client, world, auth):
    auth.login("0900000003")
    h1 = world.households["h1"]
    visit = _log(client, h1, outcome="helped", svc_vneid="1")
    r = client.post(f"/visits/{visit.id}/edit", data={
        "outcome": "helped", "svc_vneid": "3", "visited_at": local(visit.visited_at)})
    assert r.status_code == 302
    entry = db.session.scalars(select(AuditLog).where(AuditLog.entity_id == visit.id,
                                                      AuditLog.action == "update")).one()
    assert entry.actor_id == world.users["member"].id
    assert entry.before["assists"] == {"vneid": 1} and entry.after["assists"] == {"vneid": 3}
    # The cap still holds on correction (3 residents aged 14+).
    r = client.post(f"/visits/{visit.id}/edit", data={
        "outcome": "helped", "svc_vneid": "4", "visited_at": local(visit.visited_at)})
    assert r.status_code == 422
    # After 24 hours the member can no longer correct it.
    visit.received_at = utcnow() - timedelta(hours=25)
    db.session.commit()
    assert client.get(f"/visits/{visit.id}/edit").status_code == 403


def test_member_cannot_correct_someone_elses_visit_but_leader_can(client, world, auth):
    auth.login("0900000002")  # the leader logs a visit
    h1 = world.households["h1"]
    visit = _log(client, h1, outcome="not_home")
    auth.logout()
    auth.login("0900000003")
    assert client.get(f"/visits/{visit.id}/edit").status_code == 403
    auth.logout()
    # The leader corrects a member's visit, even an old one.
    auth.login("0900000003")
    mine = _log(client, h1, outcome="helped", svc_safety="2")
    mine.received_at = utcnow() - timedelta(days=3)
    db.session.commit()
    auth.logout()
    auth.login("0900000002")
    r = client.post(f"/visits/{mine.id}/edit", data={"outcome": "helped", "svc_safety": "1",
                                                     "visited_at": local(mine.visited_at)})
    assert r.status_code == 302
    assert "VT1-001" in client.get("/visits/team").text


def test_edit_refreshes_household_filters(client, world, auth):
    auth.login("0900000003")
    h1 = world.households["h1"]
    visit = _log(client, h1, outcome="revisit")
    db.session.refresh(h1)
    assert h1.last_outcome == "revisit" and h1.visit_count == 1
    client.post(f"/visits/{visit.id}/edit", data={"outcome": "helped", "svc_email": "1",
                                                  "visited_at": local(visit.visited_at)})
    db.session.refresh(h1)
    assert h1.last_outcome == "helped"


def test_my_visits_lists_only_mine(client, world, auth):
    auth.login("0900000002")
    _log(client, world.households["h2"], outcome="declined")
    auth.logout()
    auth.login("0900000003")
    _log(client, world.households["h1"], outcome="not_home")
    page = client.get("/visits/mine").text
    assert "VT1-001" in page and "VT1-002" not in page
    assert client.get("/visits/team").status_code == 403


def world_service_id(code):
    from fieldapp.models import Service
    return db.session.scalar(select(Service.id).where(Service.code == code))


def test_double_submit_saves_the_visit_once(client, world, auth):
    auth.login("0900000003")
    h1 = world.households["h1"]
    page = client.get(f"/households/{h1.id}/visits/new").text
    import re
    client_id = re.search(r'name="client_id" type="hidden" value="([^"]+)"', page).group(1)
    data = {"outcome": "helped", "svc_vneid": "1", "client_id": client_id, **now_field()}
    assert client.post(f"/households/{h1.id}/visits/new", data=data).status_code == 302
    r = client.post(f"/households/{h1.id}/visits/new", data=data, follow_redirects=True)
    assert "Lượt thăm này đã được lưu trước đó." in r.text
    assert visit_count() == 1
    assert db.session.get(Visit, client_id).household_id == h1.id
    # The same id with other content is refused, as the sync API refuses it: the first one is kept.
    r = client.post(f"/households/{h1.id}/visits/new", data={**data, "svc_vneid": "2"})
    assert r.status_code == 422
    assert "Lượt thăm này đã được gửi trước đó với nội dung khác; hệ thống giữ bản đầu tiên." in r.text
    # Another member sending the same form id too (a shared phone): refused, nothing written.
    auth.logout()
    auth.login("0900000002")
    r = client.post(f"/households/{h1.id}/visits/new", data={**data, "svc_vneid": "0", "svc_safety": "1"})
    assert r.status_code == 422 and "nội dung khác" in r.text
    assert visit_count() == 1
    assert db.session.get(Visit, client_id).counts() == {world_service_id("vneid"): 1}
