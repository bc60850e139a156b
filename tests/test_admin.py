"""The administrator: area import, officer and viewer accounts, the service catalogue."""
from datetime import timedelta

import pytest
from flask import g
from sqlalchemy import delete, func, select

from fieldapp.extensions import db
from fieldapp.models import Area, AreaLevel, Assistance, AuditLog, Role, Service, User
from fieldapp.passwords import hash_password
from fieldapp.timeutil import to_local, utcnow
from fieldapp.visits.operations import VisitData, log_visit

ADMIN, OFFICER, PROVINCE, LEADER, MEMBER = "0900000000", "0900000001", "0900000012", "0900000002", "0900000003"
SERVICE_FIELDS = ("name", "short_name", "unit", "eligibility", "points", "active", "sort_order")


@pytest.fixture(autouse=True)
def catalogue(app):
    """The catalogue is seeded by the migration and kept between PostgreSQL tests: put it back."""
    saved = {s.id: {f: getattr(s, f) for f in SERVICE_FIELDS} for s in db.session.scalars(select(Service))}
    yield
    db.session.rollback()
    extra = [sid for sid in db.session.scalars(select(Service.id)) if sid not in saved]
    if extra:
        db.session.execute(delete(Assistance).where(Assistance.service_id.in_(extra)))
        db.session.execute(delete(Service).where(Service.id.in_(extra)))
    for sid, values in saved.items():
        service = db.session.get(Service, sid)
        for f, v in values.items():
            setattr(service, f, v)
    db.session.commit()


def service(code: str) -> Service:
    db.session.expire_all()
    return db.session.scalar(select(Service).where(Service.code == code))


def helped(user, household, **counts):
    visit = log_visit(user, household, VisitData(outcome="helped", visited_at=utcnow() - timedelta(minutes=5),
                                                 counts=counts))
    db.session.commit()
    return visit


@pytest.mark.parametrize("phone", [OFFICER, PROVINCE, LEADER, MEMBER])
@pytest.mark.parametrize("method,path", [
    ("get", "/admin"), ("post", "/admin/import-areas"), ("get", "/admin/accounts"), ("post", "/admin/accounts"),
    ("get", "/admin/services"), ("post", "/admin/services"), ("post", "/admin/services/1"),
    ("post", "/admin/services/1/remove"), ("post", "/admin/services/1/move/up"),
])
def test_admin_pages_are_for_admins_only(client, world, auth, phone, method, path):
    auth.login(phone)
    assert getattr(client, method)(path, data={"name": "X", "code": "x_y"}).status_code == 403
    assert service("vneid").active and service("x_y") is None


def test_admin_pages_need_sign_in(client, world):
    r = client.get("/admin/services")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_admin_imports_a_province_from_the_official_list(make_app):
    app = make_app()
    with app.app_context():
        db.session.add(User(phone=ADMIN, name="Quản trị", role=Role.ADMIN, password_hash=hash_password("secret-pass-1")))
        db.session.commit()
        client = app.test_client()
        client.post("/login", data={"phone": ADMIN, "password": "secret-pass-1"})
        r = client.post("/admin/import-areas", data={"province": "Huế"})
        assert r.status_code == 302
        province = db.session.scalar(select(Area).where(Area.level == AreaLevel.PROVINCE))
        assert province.name == "Thành phố Huế"
        communes = db.session.scalars(select(Area).where(Area.parent_id == province.id)).all()
        assert len(communes) == 40 and all(c.path.startswith(province.path) for c in communes)
        r = client.post("/admin/import-areas", data={"province": "Huế"})  # idempotent
        assert r.status_code == 302
        assert len(db.session.scalars(select(Area)).all()) == 41
        r = client.post("/admin/import-areas", data={"province": "Không Có"})
        assert r.status_code == 422 and "Không tìm thấy tỉnh/thành phố “Không Có”" in r.text


def test_admin_creates_officer_and_viewer_accounts(app, client, world, auth):
    auth.login(ADMIN)
    page = client.get(f"/admin/accounts?province={world.province.id}")
    assert page.status_code == 200 and "Xã Tuy Phước Đông" in page.text
    r = client.post(f"/admin/accounts?province={world.province.id}", data={
        "role": "commune_officer", "area_id": world.other_commune.id, "name": "Cán bộ Mới",
        "phone": "0911111111", "password": "mat-khau-moi"})
    assert r.status_code == 302
    officer = db.session.scalar(select(User).where(User.phone == "0911111111"))
    assert (officer.role, officer.area_id, officer.team_id) == (Role.COMMUNE_OFFICER, world.other_commune.id, None)
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "create", AuditLog.entity_type == "user")).all()[-1]
    assert entry.actor_id == world.users["admin"].id and "mat-khau-moi" not in str(entry.after)

    r = client.post(f"/admin/accounts?province={world.province.id}", data={
        "role": "province_viewer", "area_id": world.other_commune.id, "name": "Cán bộ Tỉnh",
        "phone": "0922222222", "password": "mat-khau-moi"})
    assert r.status_code == 422 and "Cán bộ tỉnh phải gắn với một tỉnh, thành phố." in r.text
    r = client.post(f"/admin/accounts?province={world.province.id}", data={
        "role": "province_viewer", "area_id": world.province.id, "name": "Cán bộ Tỉnh",
        "phone": "0922222222", "password": "mat-khau-moi"})
    assert r.status_code == 302

    g.pop("_login_user", None)
    other = app.test_client()
    other.post("/login", data={"phone": "0911111111", "password": "mat-khau-moi"})
    page = other.get("/", follow_redirects=True)
    assert page.status_code == 200 and "Thôn Phú Mỹ" in page.text


def test_admin_adds_and_edits_a_provincial_service(client, world, auth):
    auth.login(ADMIN)
    r = client.post("/admin/services", data={"code": "hue_s", "name": "Cài đặt và dùng ứng dụng Hue-S",
                                             "short_name": "Hue-S", "eligibility": "age14", "points": 2})
    assert r.status_code == 302
    hue = service("hue_s")
    assert (hue.unit, hue.eligibility, hue.active) == ("people", "age14", True)
    r = client.post("/admin/services", data={"code": "hue_s", "name": "X", "short_name": "X",
                                             "eligibility": "all", "points": 1})
    assert r.status_code == 422 and "Mã hue_s đã có trong danh mục." in r.text
    r = client.post("/admin/services", data={"code": "Huế S", "name": "X", "short_name": "X",
                                             "eligibility": "all", "points": 1})
    assert r.status_code == 422 and "Mã gồm 2–30 chữ thường không dấu" in r.text

    r = client.post(f"/admin/services/{hue.id}", data={"name": "Hue-S – Huế số", "short_name": "Hue-S",
                                                      "eligibility": "all", "points": 4})
    assert r.status_code == 302
    hue = service("hue_s")
    assert (hue.name, hue.eligibility, hue.points) == ("Hue-S – Huế số", "all", 4)
    form = client.get(f"/households/{world.households['h1'].id}/visits/new")
    assert form.status_code == 403  # the admin does not visit; the member's form is checked below
    g.pop("_login_user", None)
    auth.logout()
    auth.login(MEMBER)
    form = client.get(f"/households/{world.households['h1'].id}/visits/new")
    assert 'name="svc_hue_s"' in form.text


def test_reorder_changes_the_visit_form_order(client, world, auth):
    auth.login(ADMIN)
    assert client.post(f"/admin/services/{service('ehealth').id}/move/up").status_code == 302
    assert service("ehealth").sort_order < service("vneid").sort_order
    g.pop("_login_user", None)
    auth.logout()
    auth.login(MEMBER)
    form = client.get(f"/households/{world.households['h1'].id}/visits/new").text
    assert form.index('name="svc_ehealth"') < form.index('name="svc_vneid"')


def test_used_service_is_archived_not_deleted_and_stays_in_old_reports(client, world, auth):
    h1 = world.households["h1"]
    helped(world.users["member"], h1, vssid=2)
    auth.login(ADMIN)
    r = client.post(f"/admin/services/{service('vssid').id}/remove", follow_redirects=True)
    assert r.status_code == 200 and "được lưu trữ, không xóa" in r.text
    vssid = service("vssid")
    assert vssid is not None and not vssid.active
    assert db.session.scalars(select(Assistance).where(Assistance.service_id == vssid.id)).all()
    assert db.session.scalars(select(AuditLog).where(AuditLog.action == "archive",
                                                     AuditLog.entity_type == "service")).all()
    g.pop("_login_user", None)
    auth.logout()
    auth.login(MEMBER)
    page = client.get(f"/households/{h1.id}")
    assert "VssID" in page.text and "2 / 4" in page.text  # the old count is still reported
    form = client.get(f"/households/{h1.id}/visits/new")
    assert form.status_code == 200 and 'name="svc_vssid"' not in form.text and 'name="svc_vneid"' in form.text
    now = to_local(utcnow()).strftime("%Y-%m-%dT%H:%M")
    r = client.post(f"/households/{h1.id}/visits/new", data={"outcome": "helped", "visited_at": now, "svc_vssid": 1})
    assert r.status_code == 422
    assert db.session.scalar(select(func.sum(Assistance.count)).where(Assistance.service_id == vssid.id)) == 2


def test_unused_service_is_deleted_and_can_be_restored_when_archived(client, world, auth):
    auth.login(ADMIN)
    client.post("/admin/services", data={"code": "hue_s", "name": "Hue-S", "short_name": "Hue-S",
                                         "eligibility": "all", "points": 1})
    assert client.post(f"/admin/services/{service('hue_s').id}/remove").status_code == 302
    assert service("hue_s") is None
    helped(world.users["member"], world.households["h1"], email=1)
    client.post(f"/admin/services/{service('email').id}/remove")
    assert not service("email").active
    assert client.post(f"/admin/services/{service('email').id}/restore").status_code == 302
    assert service("email").active


def test_eligibility_change_that_would_break_counted_households_is_refused(client, world, auth):
    helped(world.users["member"], world.households["h1"], ehealth=4)  # 4 residents, only 2 adults
    auth.login(ADMIN)
    ehealth = service("ehealth")
    r = client.post(f"/admin/services/{ehealth.id}", data={"name": ehealth.name, "short_name": ehealth.short_name,
                                                          "eligibility": "age18", "points": 1})
    assert r.status_code == 422
    assert "Không thể đổi đối tượng: 1 hộ đã ghi nhận Sổ sức khỏe điện tử nhiều hơn" in r.text
    assert service("ehealth").eligibility == "all"


def test_an_eligibility_change_counts_only_the_visits_that_count(app, client, world, auth):
    """A deleted visit, or a deleted household's visit, no longer fills a cap: neither stops the change."""
    from fieldapp.households.operations import delete_household
    from fieldapp.visits.operations import delete_visit
    from tests.factories import household
    u = world.users
    gone = household(u["member"], world.village1, "X-9", total=3, a14=3, a18=0)
    db.session.commit()
    visit = helped(u["member"], world.households["h1"], ehealth=4)  # 4 residents, 2 adults
    helped(u["member"], gone, ehealth=3)                             # 3 residents, no adult
    helped(u["member"], world.households["h2"], ehealth=1)           # within its 2 adults
    with app.test_request_context():
        delete_visit(u["leader"], visit)
        delete_household(u["leader"], gone)
        db.session.commit()
    auth.login(ADMIN)
    ehealth = service("ehealth")
    r = client.post(f"/admin/services/{ehealth.id}", data={"name": ehealth.name, "short_name": ehealth.short_name,
                                                          "eligibility": "age18", "points": 1})
    assert r.status_code == 302
    assert service("ehealth").eligibility == "age18"
    helped(u["member"], world.households["h2"], email=2)  # a household counts once: two is over
    email = service("email")
    r = client.post(f"/admin/services/{email.id}", data={"name": email.name, "short_name": email.short_name,
                                                        "eligibility": "household", "points": 1})
    assert r.status_code == 422 and service("email").eligibility != "household"


def test_admin_pages_render(client, world, auth):
    auth.login(ADMIN)
    assert "Nhập danh mục" in client.get("/admin").text
    page = client.get("/admin/services")
    assert page.status_code == 200 and "VNeID mức 2" in page.text and "Bỏ khỏi phiếu thăm" in page.text
    page = client.get(f"/admin/services/{service('vneid').id}")
    assert page.status_code == 200 and 'value="Kích hoạt định danh điện tử VNeID mức 2"' in page.text
    assert client.get("/admin/services/99999").status_code == 404
    page = client.get("/admin/accounts")
    assert page.status_code == 200 and "Gia Lai" in page.text and "Cán bộ xã khác" in page.text
    assert client.get("/admin/accounts?province=99999").status_code == 404
    assert "Quản trị" in client.get("/areas").text  # the nav entry



def test_the_accounts_list_reads_the_areas_once(client, world, auth):
    """A province has ~140 officers, each of another commune: their communes are read in one query, not one
    per account (139 statements at province size)."""
    from sqlalchemy import event

    from tests.factories import area
    for i in range(12):
        commune = area(AreaLevel.COMMUNE, f"Xã Thử {i}", world.province)
        db.session.add(User(phone=f"09333333{i:02d}", name=f"Cán bộ {i}", role=Role.COMMUNE_OFFICER,
                            area_id=commune.id, password_hash=hash_password("secret-pass-1")))
    db.session.commit()
    auth.login(ADMIN)
    seen = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        page = client.get("/admin/accounts")
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert page.status_code == 200 and all(f"Xã Thử {i}" in page.text for i in range(12))
    assert len(seen) <= 8, seen
