"""Issue 16 on the server: the resident's sticker page, freezing with undo, join requests on the leader's
home, communes without teams off the board, QR codes on a configured address, the demo's extras."""
from datetime import date, timedelta

from sqlalchemy import func, select

from fieldapp.campaigns.operations import CampaignData, create_campaign, freeze_ended
from fieldapp.leaderboards.queries import board
from fieldapp.extensions import db
from fieldapp.models import AuditLog, Campaign, HouseholdTag, Service, Team
from fieldapp.joining.operations import rotate_invite, submit_join_request
from fieldapp.qrcodes import new_token
from fieldapp.timeutil import utcnow
from fieldapp.visits.operations import VisitData, log_visit
from tests.conftest import Auth, csrf_from
from tests.factories import PASSWORD, area


def _tag(household) -> str:
    tag = HouseholdTag(household_id=household.id, token=new_token())
    db.session.add(tag)
    db.session.commit()
    return tag.token


def test_a_resident_scanning_their_sticker_sees_the_team_not_a_sign_in(client, world):
    h = world.households["h1"]
    token = _tag(h)
    page = client.get(f"/h/{token}")
    assert page.status_code == 200
    assert 'type="password"' not in page.text and "/login" in page.text  # a link for members, never a form
    for shown in ("Thôn Vinh Thạnh 1", "Xã Tuy Phước", "Tổ CNSCĐ Thôn Vinh Thạnh 1", "Chưa có lượt thăm",
                  "quét mã QR trên thẻ", "ĐANG HOẠT ĐỘNG", "OTP"):
        assert shown in page.text, shown
    for hidden in (h.head_name, h.code, h.id):  # no personal data, not even the house code
        assert hidden not in page.text
    assert page.headers["Cache-Control"] == "no-store"
    log_visit(world.users["member"], h, VisitData(outcome="not_home", visited_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    assert "Lần thăm gần nhất" in (again := client.get(f"/h/{token}").text) and "Chưa có lượt thăm" not in again
    bad = client.get("/h/not-a-real-sticker-token-000")
    assert bad.status_code == 404 and "KHÔNG PHẢI TEM HỢP LỆ" in bad.text and 'type="password"' not in bad.text


def test_a_member_of_the_village_goes_on_to_the_household(client, auth, world):
    token = _tag(world.households["h1"])
    auth.login(world.users["member"].phone)
    r = client.get(f"/h/{token}")
    assert r.status_code == 302 and r.location == f"/households/{world.households['h1'].id}"


def _ended_campaign(world) -> Campaign:
    vneid = db.session.scalar(select(Service).where(Service.code == "vneid"))
    c = create_campaign(world.users["officer"], world.commune, CampaignData(
        name="Đợt đã xong", starts_on=date.today() - timedelta(days=20), ends_on=date.today() - timedelta(days=2),
        points={vneid.id: 2}))
    db.session.commit()
    return c


def test_freezing_asks_first_and_can_be_undone(app, world):
    client = app.test_client()
    c = _ended_campaign(world)
    cid = c.id
    Auth(client).login(world.users["officer"].phone)
    app.config["WTF_CSRF_ENABLED"] = True  # real forms with their tokens
    page = client.get(f"/campaigns/{cid}").text
    assert "<details class=\"confirm-box\">" in page and "Đồng ý chốt kết quả" in page  # a second, deliberate tap
    r = client.post(f"/campaigns/{cid}/freeze", data={"csrf_token": csrf_from(page)})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Campaign, cid).frozen_at is not None
    page = client.get(f"/campaigns/{cid}").text
    assert "Mở lại kết quả" in page
    r = client.post(f"/campaigns/{cid}/reopen", data={"csrf_token": csrf_from(page)})
    assert r.status_code == 302
    db.session.expire_all()
    c = db.session.get(Campaign, cid)
    assert c.frozen_at is None and c.snapshot is None and c.reopened_at is not None
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "reopen")) == 1
    assert freeze_ended() == 0  # the nightly freeze leaves a reopened campaign to its organiser
    assert "Đồng ý chốt kết quả" in client.get(f"/campaigns/{cid}").text
    # Only the organiser reopens.
    leader = app.test_client()
    Auth(leader).login(world.users["leader"].phone)
    assert leader.post(f"/campaigns/{cid}/reopen").status_code in (400, 403)


def test_a_pending_join_request_shows_on_the_leaders_home(client, auth, world):
    invite = rotate_invite(world.users["leader"], world.team1, utcnow())
    submit_join_request(invite, name="Người Mới", phone="0711111111", password=PASSWORD, now=utcnow())
    db.session.commit()
    auth.login(world.users["leader"].phone)
    home = client.get(client.get("/").location).text
    assert "1 người xin tham gia tổ" in home and f"/teams/{world.team1.id}/members" in home
    member = Auth(client)
    member.logout()
    member.login(world.users["member"].phone)
    assert "xin tham gia tổ" not in client.get(f"/villages/{world.village1.id}").text


def test_communes_without_teams_are_left_off_the_board(world):
    empty = area("commune", "Xã Chưa Có Tổ", world.province, code="99999")
    db.session.commit()
    names = [r.name for r in board("communes", world.province, date.today() - timedelta(days=6), date.today())]
    assert "Xã Chưa Có Tổ" not in names and {"Xã Tuy Phước", "Xã Tuy Phước Đông"} <= set(names)
    # A team closed: the commune goes too.
    db.session.execute(Team.__table__.update().where(Team.village_id == world.village3.id).values(active=False))
    db.session.commit()
    names = [r.name for r in board("communes", world.province, date.today() - timedelta(days=6), date.today())]
    assert names == ["Xã Tuy Phước"]
    assert empty.id


def test_qr_codes_use_the_configured_base_url(app, world):
    app.config["BASE_URL"] = "http://192.168.1.20:5000/"
    token = _tag(world.households["h1"])
    client = app.test_client()
    Auth(client).login(world.users["leader"].phone)
    from tests.test_qr import qr_urls
    assert qr_urls(client.get(f"/villages/{world.village1.id}/stickers").text) == [f"http://192.168.1.20:5000/h/{token}"]


def test_the_demo_has_badges_posters_a_province_viewer_and_a_running_campaign(make_app):
    from fieldapp.demo import seed_demo
    from fieldapp.models import Badge, Role, TeamInvite, User
    app = make_app()
    with app.app_context():
        seed_demo(households_per_village=12)
        members = db.session.scalar(select(func.count()).select_from(User).where(User.team_id.is_not(None)))
        assert db.session.scalar(select(func.count()).select_from(Badge)) == members
        assert db.session.scalar(select(func.count()).select_from(TeamInvite)) == 5
        assert db.session.scalar(select(User).where(User.phone == "0900000009")).role == Role.PROVINCE_VIEWER
        c = db.session.scalar(select(Campaign))
        assert c.starts_on <= date.today() <= c.ends_on
        assert db.session.scalar(select(func.count()).select_from(HouseholdTag)) > 0
