"""Running a commune: villages (rename, merge, archive), teams and members, settings, admin, viewers."""
from datetime import timedelta

import pytest
from flask import g
from sqlalchemy import func, select

from fieldapp.areas.operations import create_village
from fieldapp.extensions import db
from fieldapp.households.operations import HouseholdData, create_household
from fieldapp.models import Area, Assistance, AuditLog, Household, Role, Team, User, Visit
from fieldapp.rules import RuleError
from fieldapp.timeutil import utcnow
from fieldapp.visits.operations import VisitData, log_visit
from tests.conftest import csrf_from

OFFICER, OTHER_OFFICER, PROVINCE = "0900000001", "0900000011", "0900000012"
ADMIN, LEADER, MEMBER, MEMBER2, MEMBER3 = "0900000000", "0900000002", "0900000003", "0900000004", "0900000005"


def visit(user, household, **counts):
    v = log_visit(user, household, VisitData(outcome="helped", visited_at=utcnow() - timedelta(minutes=5),
                                             counts=counts))
    db.session.commit()
    return v


def commune_tally(commune: Area) -> dict[int, int]:
    """People helped per service over the whole commune, through visits -> households -> villages."""
    rows = db.session.execute(
        select(Assistance.service_id, func.sum(Assistance.count))
        .join(Visit, Visit.id == Assistance.visit_id).join(Household, Household.id == Visit.household_id)
        .join(Area, Area.id == Household.village_id).where(Area.path.startswith(commune.path))
        .group_by(Assistance.service_id))
    return {sid: int(n) for sid, n in rows}


def audits(action: str, entity_type: str | None = None) -> list[AuditLog]:
    stmt = select(AuditLog).where(AuditLog.action == action)
    if entity_type:
        stmt = stmt.where(AuditLog.entity_type == entity_type)
    return list(db.session.scalars(stmt.order_by(AuditLog.id)))


def on(client):
    """Switch clients: the tests share one app context, where Flask-Login caches the signed-in user."""
    g.pop("_login_user", None)
    return client


def fresh(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


# ---- villages -------------------------------------------------------------

def test_officer_renames_village_and_it_is_audited(client, world, auth):
    auth.login(OFFICER)
    v1 = world.village1.id
    r = client.post(f"/areas/{v1}/rename", data={"name": "Thôn Vinh Thạnh"})
    assert r.status_code == 302
    assert fresh(Area, v1).name == "Thôn Vinh Thạnh"
    entry = audits("rename", "village")[-1]
    assert entry.before == {"name": "Thôn Vinh Thạnh 1"} and entry.after == {"name": "Thôn Vinh Thạnh"}
    assert entry.actor_id == world.users["officer"].id


def test_rename_to_an_existing_name_is_refused_in_vietnamese(client, world, auth):
    auth.login(OFFICER)
    r = client.post(f"/areas/{world.village1.id}/rename", data={"name": "thôn 2"})
    assert r.status_code == 422
    assert "thôn 2 đã có trong Xã Tuy Phước" in r.text
    assert fresh(Area, world.village1.id).name == "Thôn Vinh Thạnh 1"


@pytest.mark.parametrize("phone,status", [
    (OTHER_OFFICER, 404),  # another commune: does not exist for them
    (PROVINCE, 403),       # may look, may not change
    (LEADER, 403),         # their own village, but villages are the officer's
    (MEMBER2, 404),        # another village
])
def test_village_management_rights(client, world, auth, phone, status):
    auth.login(phone)
    v1 = world.village1.id
    assert client.get(f"/areas/{v1}/manage").status_code == status
    assert client.post(f"/areas/{v1}/rename", data={"name": "X"}).status_code == status
    assert client.post(f"/areas/{v1}/merge", data={"survivor_id": world.village2.id, "confirm": "y"}).status_code == status
    assert client.post(f"/areas/{v1}/archive").status_code == status
    assert fresh(Area, v1).name == "Thôn Vinh Thạnh 1" and fresh(Area, v1).archived_at is None


def test_admin_may_manage_any_village(client, world, auth):
    auth.login(ADMIN)
    assert client.post(f"/areas/{world.village3.id}/rename", data={"name": "Thôn Phú Mỹ Mới"}).status_code == 302


def test_merge_moves_households_and_teams_and_keeps_tallies(client, world, auth):
    h = world.households
    visit(world.users["member"], h["h1"], vneid=2, ehealth=3)
    visit(world.users["member"], h["h2"], payment=1)
    visit(world.users["member2"], h["h3"], vneid=1, dvc=2)
    before = commune_tally(world.commune)
    assert sum(before.values()) == 9
    v1, v2, team1 = world.village1.id, world.village2.id, world.team1.id

    auth.login(OFFICER)
    r = client.post(f"/areas/{v1}/merge", data={"survivor_id": v2, "confirm": "y"})
    assert r.status_code == 302

    assert commune_tally(fresh(Area, world.commune.id)) == before
    codes = set(db.session.scalars(select(Household.code).where(Household.village_id == v2)))
    assert codes == {"VT1-001", "VT1-002", "T2-001"}
    assert db.session.scalar(select(func.count()).select_from(Household).where(Household.village_id == v1)) == 0
    assert fresh(Team, team1).village_id == v2
    assert fresh(Area, v1).archived_at is not None
    entry = audits("merge", "village")[-1]
    assert entry.after["households"] == 2 and entry.after["survivor_id"] == v2 and entry.after["teams"] == [team1]
    # The absorbed village's team now records visits in the survivor, where its households are.
    member = fresh(User, world.users["member"].id)
    visit(member, fresh(Household, h["h1"].id), safety=1)
    page = client.get(f"/areas/{world.commune.id}")
    assert "Đã lưu trữ" in page.text


def test_merge_refuses_clashing_house_codes_until_a_prefix_is_given(client, world, auth):
    clash = create_household(world.users["member"], world.village1, HouseholdData(
        code="t2-001", residents_total=3, residents_14plus=2, residents_18plus=2))
    db.session.commit()
    visit(world.users["member"], clash, vneid=2)
    before = commune_tally(world.commune)
    v1, v2 = world.village1.id, world.village2.id
    auth.login(OFFICER)

    r = client.post(f"/areas/{v1}/merge", data={"survivor_id": v2, "confirm": "y"})
    assert r.status_code == 422
    assert "Có 1 mã hộ của Thôn Vinh Thạnh 1 đã có trong Thôn 2: t2-001" in r.text
    assert fresh(Household, clash.id).village_id == v1 and fresh(Area, v1).archived_at is None

    r = client.post(f"/areas/{v1}/merge", data={"survivor_id": v2, "confirm": "y", "clash_prefix": "VT"})
    assert r.status_code == 302
    moved = fresh(Household, clash.id)
    assert (moved.village_id, moved.code) == (v2, "VT-t2-001")
    assert audits("merge", "village")[-1].after["renamed_codes"] == {"t2-001": "VT-t2-001"}
    assert commune_tally(fresh(Area, world.commune.id)) == before


def test_merge_refusals(client, world, auth):
    auth.login(ADMIN)  # the admin sees both communes, so the cross-commune refusal is a message, not a 404
    r = client.post(f"/areas/{world.village1.id}/merge", data={"survivor_id": world.village3.id, "confirm": "y"})
    assert r.status_code == 422
    assert "hai thôn thuộc hai xã khác nhau" in r.text
    r = client.post(f"/areas/{world.village1.id}/merge", data={"survivor_id": world.village2.id})
    assert r.status_code == 422
    assert "Vui lòng xác nhận trước khi gộp." in r.text
    assert fresh(Household, world.households["h1"].id).village_id == world.village1.id


def test_archive_refused_while_a_team_is_active(client, world, auth):
    auth.login(OFFICER)
    r = client.post(f"/areas/{world.village2.id}/archive")
    assert r.status_code == 422
    assert "Không thể lưu trữ Thôn 2: thôn còn tổ đang hoạt động (Tổ CNSCĐ Thôn 2)" in r.text
    assert fresh(Area, world.village2.id).archived_at is None


def test_archived_village_keeps_history_and_refuses_new_visits(client, world, auth):
    h3 = world.households["h3"]
    visit(world.users["member2"], h3, vneid=2)
    before = commune_tally(world.commune)
    auth.login(OFFICER)
    m2, t2, v2 = world.users["member2"].id, world.team2.id, world.village2.id
    assert client.post(f"/members/{m2}/deactivate", data={"reason": "left"}).status_code == 302
    assert client.post(f"/teams/{t2}/close").status_code == 302
    assert client.post(f"/areas/{v2}/archive").status_code == 302
    assert fresh(Area, v2).archived_at is not None
    assert audits("archive", "village")

    # History: the household, its visit and the tallies are all still there.
    assert commune_tally(fresh(Area, world.commune.id)) == before
    page = client.get(f"/households/{h3.id}")
    assert page.status_code == 200 and "VNeID mức 2" in page.text and "Nguyễn Văn" not in page.text
    assert "T2-001" in client.get(f"/villages/{v2}").text
    # No new visits, whoever tries.
    with pytest.raises(RuleError, match="đã lưu trữ, không ghi thêm lượt thăm"):
        log_visit(fresh(User, m2), fresh(Household, h3.id),
                  VisitData(outcome="not_home", visited_at=utcnow()))
    db.session.rollback()
    with pytest.raises(RuleError, match="đã lưu trữ, không thể thêm hộ mới"):
        create_household(fresh(User, m2), fresh(Area, v2), HouseholdData(
            code="T2-009", residents_total=1, residents_14plus=1, residents_18plus=1))


# ---- teams and members ---------------------------------------------------

def test_officer_creates_a_second_team_for_a_village(client, world, auth):
    auth.login(OFFICER)
    r = client.post(f"/communes/{world.commune.id}/teams",
                    data={"village_id": world.village1.id, "name": "Tổ CNSCĐ và Đề án 06"})
    assert r.status_code == 302
    teams = db.session.scalars(select(Team).where(Team.village_id == world.village1.id)).all()
    assert len(teams) == 2
    assert audits("create", "team")
    page = client.get(f"/communes/{world.commune.id}/teams")
    assert "Tổ CNSCĐ và Đề án 06" in page.text and "Chưa có tổ trưởng" in page.text


def test_team_in_another_communes_village_is_refused(client, world, auth):
    auth.login(OFFICER)  # outside the officer's commune: as if it did not exist (issue 17.10)
    r = client.post(f"/communes/{world.commune.id}/teams", data={"village_id": world.village3.id, "name": "Tổ X"})
    assert r.status_code == 422
    assert "Không tìm thấy thôn được chọn." in r.text and "Phú Mỹ" not in r.text
    auth.logout()
    auth.login(ADMIN)  # the admin sees both communes: the rule itself is the message
    r = client.post(f"/communes/{world.commune.id}/teams", data={"village_id": world.village3.id, "name": "Tổ X"})
    assert r.status_code == 422
    assert "Thôn được chọn không thuộc Xã Tuy Phước." in r.text


@pytest.mark.parametrize("phone,status", [(OTHER_OFFICER, 404), (PROVINCE, 403), (LEADER, 404), (MEMBER, 404)])
def test_team_creation_rights(client, world, auth, phone, status):
    auth.login(phone)
    r = client.post(f"/communes/{world.commune.id}/teams", data={"village_id": world.village1.id, "name": "Tổ X"})
    assert r.status_code == status
    assert db.session.scalar(select(func.count()).select_from(Team)) == 3


def test_appoint_and_replace_leader(client, world, auth):
    auth.login(OFFICER)
    member, leader = world.users["member"].id, world.users["leader"].id
    r = client.post(f"/teams/{world.team1.id}/leader", data={"user_id": member})
    assert r.status_code == 302
    assert fresh(User, member).role == Role.LEADER
    assert fresh(User, leader).role == Role.MEMBER and fresh(User, leader).team_id == world.team1.id
    assert audits("appoint_leader", "user")[-1].after["role"] == "leader"
    assert audits("replace_leader", "user")[-1].before["role"] == "leader"
    # Someone from another team of the commune moves into the team.
    r = client.post(f"/teams/{world.team1.id}/leader", data={"user_id": world.users["member2"].id})
    assert r.status_code == 302
    assert fresh(User, world.users["member2"].id).team_id == world.team1.id


def test_leader_from_another_commune_is_refused(client, world, auth):
    auth.login(OFFICER)
    r = client.post(f"/teams/{world.team1.id}/leader", data={"user_id": world.users["member3"].id})
    assert r.status_code == 422
    assert "Không tìm thấy người được chọn." in r.text and "Phạm Văn Năm" not in r.text
    assert fresh(User, world.users["member3"].id).role == Role.MEMBER
    r = client.post(f"/teams/{world.team1.id}/leader", data={"user_id": world.users["officer"].id})
    assert r.status_code == 422 and "không phải thành viên tổ" in r.text
    auth.logout()
    auth.login(ADMIN)
    r = client.post(f"/teams/{world.team1.id}/leader", data={"user_id": world.users["member3"].id})
    assert r.status_code == 422
    assert "Không thể bổ nhiệm Phạm Văn Năm: người này không thuộc Xã Tuy Phước." in r.text


@pytest.mark.parametrize("phone,status", [(LEADER, 403), (MEMBER, 403), (PROVINCE, 403), (OTHER_OFFICER, 404)])
def test_leader_appointment_rights(client, world, auth, phone, status):
    auth.login(phone)
    r = client.post(f"/teams/{world.team1.id}/leader", data={"user_id": world.users["member"].id})
    assert r.status_code == status
    assert fresh(User, world.users["member"].id).role == Role.MEMBER


def test_move_member_within_the_commune_only(client, world, auth):
    auth.login(OFFICER)
    member = world.users["member"].id
    r = client.post(f"/members/{member}/move", data={"team_id": world.team3.id})
    assert r.status_code == 422
    assert "Không tìm thấy tổ được chọn." in r.text and "Phú Mỹ" not in r.text
    auth.logout()
    auth.login(ADMIN)
    r = client.post(f"/members/{member}/move", data={"team_id": world.team3.id})
    assert r.status_code == 422 and "tổ này thuộc xã khác" in r.text
    auth.logout()
    auth.login(OFFICER)
    r = client.post(f"/members/{member}/move", data={"team_id": world.team2.id})
    assert r.status_code == 302
    assert fresh(User, member).team_id == world.team2.id
    assert audits("move", "user")[-1].before["team_id"] == world.team1.id
    # A leader may not move people between teams.
    auth.logout()
    auth.login(LEADER)
    assert client.post(f"/members/{world.users['leader'].id}/move", data={"team_id": world.team2.id}).status_code == 403


def test_deactivated_member_cannot_sign_in_and_their_visits_stay_counted(app, client, world, auth):
    visit(world.users["member"], world.households["h1"], vneid=2)
    before = commune_tally(world.commune)
    member_id = world.users["member"].id

    member_client = app.test_client()
    assert on(member_client).post("/login", data={"phone": MEMBER, "password": "secret-pass-1"}).status_code == 302
    assert on(member_client).get(f"/villages/{world.village1.id}").status_code == 200

    on(client)
    auth.login(LEADER)  # the leader manages the members of their own team
    r = on(client).post(f"/members/{member_id}/deactivate", data={"reason": "moved"})
    assert r.status_code == 302
    user = fresh(User, member_id)
    assert not user.active and user.deactivated_at is not None and user.deactivation_reason == "moved"
    assert audits("deactivate", "user")[-1].after["deactivation_reason"] == "moved"

    # The open session is dead, and signing in again is refused with a clear message.
    assert on(member_client).get(f"/villages/{world.village1.id}").status_code == 302
    r = on(member_client).post("/login", data={"phone": MEMBER, "password": "secret-pass-1"})
    assert r.status_code == 422 and "Tài khoản này đã ngừng hoạt động" in r.text
    assert commune_tally(world.commune) == before
    page = on(client).get(f"/members/{member_id}")
    assert "Đã ngừng hoạt động từ" in page.text and "Chuyển đi nơi khác" in page.text
    assert "1 lượt thăm" in page.text

    assert on(client).post(f"/members/{member_id}/reactivate").status_code == 302
    assert fresh(User, member_id).active and fresh(User, member_id).deactivation_reason is None
    # The old session stays dead after reactivation: they sign in again.
    assert on(member_client).get(f"/villages/{world.village1.id}").status_code == 302
    assert on(member_client).post("/login", data={"phone": MEMBER, "password": "secret-pass-1"}).status_code == 302


def test_deactivation_needs_a_reason(client, world, auth):
    auth.login(OFFICER)
    member = world.users["member"].id
    r = client.post(f"/members/{member}/deactivate", data={"reason": "other"})
    assert r.status_code == 422 and "Vui lòng ghi rõ lý do khác." in r.text
    r = client.post(f"/members/{member}/deactivate", data={})
    assert r.status_code == 422 and "Vui lòng chọn lý do." in r.text
    assert fresh(User, member).active
    r = client.post(f"/members/{member}/deactivate", data={"reason": "other", "note": "Đi học xa"})
    assert r.status_code == 302
    assert audits("deactivate", "user")[-1].after["note"] == "Đi học xa"


@pytest.mark.parametrize("actor,target,status", [
    (LEADER, "member2", 404),       # another team's village
    (LEADER, "leader", 403),        # not themselves
    (MEMBER, "leader", 403),        # members manage nobody
    (PROVINCE, "member", 403),      # read-only
    (OTHER_OFFICER, "member", 404),  # another commune
])
def test_deactivation_rights(client, world, auth, actor, target, status):
    auth.login(actor)
    target_id = world.users[target].id
    assert client.post(f"/members/{target_id}/deactivate", data={"reason": "left"}).status_code == status
    assert client.post(f"/members/{target_id}/reactivate").status_code == status
    assert fresh(User, target_id).active


def test_leader_adds_a_member_to_their_own_team_only(app, client, world, auth):
    auth.login(LEADER)
    r = client.post(f"/teams/{world.team1.id}/members",
                    data={"name": "Võ Thị Sáu", "phone": "0912 345 678", "password": "mat-khau-1"})
    assert r.status_code == 302
    new = db.session.scalar(select(User).where(User.phone == "0912345678"))
    assert new.team_id == world.team1.id and new.role == Role.MEMBER
    entry = audits("create", "user")[-1]
    assert "password" not in str(entry.after) and "mat-khau-1" not in str(entry.after)
    r = client.post(f"/teams/{world.team1.id}/members",
                    data={"name": "Trùng", "phone": "0912345678", "password": "mat-khau-1"})
    assert r.status_code == 422 and "Số điện thoại 0912345678 đã có tài khoản." in r.text
    r = client.post(f"/teams/{world.team1.id}/members", data={"name": "Ngắn", "phone": "0912345670", "password": "123"})
    assert r.status_code == 422 and "Mật khẩu cần ít nhất 8 ký tự." in r.text
    assert client.post(f"/teams/{world.team2.id}/members",
                       data={"name": "X", "phone": "0912345679", "password": "mat-khau-1"}).status_code == 404
    other = app.test_client()
    assert on(other).post("/login", data={"phone": "0912345678", "password": "mat-khau-1"}).status_code == 302


def test_close_team_refused_while_it_has_active_members(client, world, auth):
    auth.login(OFFICER)
    r = client.post(f"/teams/{world.team1.id}/close")
    assert r.status_code == 422
    assert "còn 2 thành viên đang hoạt động" in r.text
    assert fresh(Team, world.team1.id).active


# ---- commune settings ----------------------------------------------------

def test_officer_sets_office_phone_and_campaign_points(client, world, auth):
    auth.login(OFFICER)
    page = client.get(f"/areas/{world.commune.id}/settings")
    assert page.status_code == 200 and 'name="pts_vneid"' in page.text and 'value="3"' in page.text
    form = {f"pts_{code}": 1 for code in ("ehealth", "vssid", "dvc", "payment", "ecommerce", "esign", "etax",
                                          "email", "safety", "skills5")}
    form.update({"office_phone": "0256 3123 456", "pts_vneid": 5})
    r = client.post(f"/areas/{world.commune.id}/settings", data=form)
    assert r.status_code == 302
    commune = fresh(Area, world.commune.id)
    assert commune.office_phone == "02563123456"
    assert commune.campaign_points["vneid"] == 5 and "ehealth" not in commune.campaign_points  # same as catalogue
    assert audits("settings", "commune")[-1].after["office_phone"] == "02563123456"
    r = client.post(f"/areas/{world.commune.id}/settings", data={**form, "pts_vneid": 500})
    assert r.status_code == 422 and "Điểm là số nguyên từ 0 đến 100." in r.text
    r = client.post(f"/areas/{world.commune.id}/settings", data={**form, "office_phone": "12345"})
    assert r.status_code == 422 and "Số điện thoại trụ sở không hợp lệ" in r.text
    assert fresh(Area, world.commune.id).office_phone == "02563123456"


@pytest.mark.parametrize("phone,status", [(OTHER_OFFICER, 404), (PROVINCE, 403), (LEADER, 404)])
def test_settings_rights(client, world, auth, phone, status):
    auth.login(phone)
    assert client.get(f"/areas/{world.commune.id}/settings").status_code == status
    assert client.post(f"/areas/{world.commune.id}/settings", data={"office_phone": "0912345678"}).status_code == status
    assert fresh(Area, world.commune.id).office_phone is None


# ---- province viewer -----------------------------------------------------

def test_province_viewer_reads_every_commune_without_management(client, world, auth):
    auth.login(PROVINCE)
    for commune in (world.commune, world.other_commune):
        page = client.get(f"/areas/{commune.id}")
        assert page.status_code == 200
        for text in ("Thêm thôn", "Cài đặt xã", "/manage", "Nhập tệp"):
            assert text not in page.text
        teams = client.get(f"/communes/{commune.id}/teams")
        assert teams.status_code == 200 and "Lập tổ" not in teams.text
    team = client.get(f"/teams/{world.team1.id}")
    assert team.status_code == 200 and "Tổ trưởng Một" in team.text
    assert "Bổ nhiệm" not in team.text and "Thêm thành viên" not in team.text
    member = client.get(f"/members/{world.users['member'].id}")
    assert member.status_code == 200 and "Ngừng hoạt động" not in member.text and "Chuyển tổ" not in member.text


@pytest.mark.parametrize("path", [
    "/areas/{commune}/villages", "/areas/{v1}/rename", "/areas/{v1}/merge", "/areas/{v1}/archive",
    "/areas/{commune}/settings", "/communes/{commune}/teams", "/teams/{team1}/leader", "/teams/{team1}/members",
    "/teams/{team1}/close", "/members/{member}/move", "/members/{member}/deactivate", "/members/{member}/reactivate",
])
def test_province_viewer_posts_are_forbidden(client, world, auth, path):
    auth.login(PROVINCE)
    url = path.format(commune=world.commune.id, v1=world.village1.id, team1=world.team1.id,
                      member=world.users["member"].id)
    assert client.post(url, data={"name": "X", "reason": "left", "user_id": world.users["member"].id}).status_code == 403


def test_officer_sees_management_on_the_commune_page(client, world, auth):
    auth.login(OFFICER)
    page = client.get(f"/areas/{world.commune.id}")
    assert "Cài đặt xã" in page.text and f"/areas/{world.village1.id}/manage" in page.text
    assert "Tổ, thành viên" in page.text  # the nav entry
    assert client.get(f"/areas/{world.village1.id}/manage").status_code == 200


def test_management_with_csrf_on(make_app):
    """The real forms carry their CSRF token; a POST without it is refused."""
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from tests.factories import build_world
        world = build_world()
        client = app.test_client()
        token = csrf_from(client.get("/login").text)
        client.post("/login", data={"phone": OFFICER, "password": "secret-pass-1", "csrf_token": token})
        member_id = world.users["member"].id
        assert client.post(f"/members/{member_id}/deactivate", data={"reason": "left"}).status_code == 400
        token = csrf_from(client.get(f"/members/{member_id}").text)
        r = client.post(f"/members/{member_id}/deactivate", data={"reason": "left", "csrf_token": token})
        assert r.status_code == 302
        assert not fresh(User, member_id).active


def test_leader_sees_their_team_page_with_member_management_only(client, world, auth):
    auth.login(LEADER)
    page = client.get(f"/teams/{world.team1.id}")
    assert page.status_code == 200 and "Tổ của tôi" in page.text
    assert "Thêm thành viên" in page.text and "Bổ nhiệm" not in page.text and "Ngừng hoạt động tổ" not in page.text
    member_page = client.get(f"/members/{world.users['member'].id}")
    assert "Cho ngừng hoạt động" in member_page.text and "Chuyển tổ" not in member_page.text
    assert client.get(f"/communes/{world.commune.id}/teams").status_code == 404
    assert client.get(f"/teams/{world.team3.id}").status_code == 404


# --- Ids of another commune posted to the forms: the answer names nothing of it (issue 17.10) ---

OTHER_NAMES = ("Phạm Văn Năm", "Phú Mỹ", "Tuy Phước Đông", "Cán bộ xã khác", "Cán bộ tỉnh", "Quản trị")


def _form_answer(r) -> str:
    """The page without its navigation: the form and its messages."""
    assert r.status_code == 422, r.status_code
    return r.text.split("<main", 1)[-1]


@pytest.mark.parametrize("who", ["member3", "other_officer", "province", "admin"])
def test_a_user_of_another_commune_is_not_found_for_the_leader_form(client, world, auth, who):
    auth.login(OFFICER)
    url = f"/teams/{world.team1.id}/leader"
    outside = _form_answer(client.post(url, data={"user_id": world.users[who].id}))
    missing = _form_answer(client.post(url, data={"user_id": 999_999}))
    assert outside == missing and "Không tìm thấy người được chọn." in outside
    assert not [n for n in OTHER_NAMES if n in outside]
    assert fresh(User, world.users[who].id).role != Role.LEADER


def test_a_team_or_village_of_another_commune_is_not_found_for_move_merge_and_new_team(client, world, auth):
    auth.login(OFFICER)
    member, v1 = world.users["member"].id, world.village1.id
    for url, field, outside_id, message in [
            (f"/members/{member}/move", "team_id", world.team3.id, "Không tìm thấy tổ được chọn."),
            (f"/areas/{v1}/merge", "survivor_id", world.village3.id, "Không tìm thấy thôn được chọn."),
            (f"/communes/{world.commune.id}/teams", "village_id", world.village3.id, "Không tìm thấy thôn được chọn.")]:
        extra = {"confirm": "y", "name": "Tổ X"}
        outside = _form_answer(client.post(url, data={field: outside_id, **extra}))
        missing = _form_answer(client.post(url, data={field: 999_999, **extra}))
        assert outside == missing and message in outside, url
        assert not [n for n in OTHER_NAMES if n in outside], url
    assert fresh(User, member).team_id == world.team1.id
