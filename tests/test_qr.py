"""QR features end to end: join links, one-time sign-in, badges and their public check, door stickers.

Every QR is read back out of the served SVG (tests/qrcodes.py: rendered, then scanned by zxing-cpp), as a phone would.
"""
import hashlib
import re
from datetime import timedelta

import pytest
from flask import g
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import (AuditLog, Badge, HouseholdTag, JoinRequest, JoinStatus, OneTimeLogin,
                             TeamInvite, User)
from fieldapp.qrcodes import make_qr
from fieldapp.timeutil import UTC_OFFSET, to_local, utcnow
from tests.conftest import Auth, csrf_from
from tests.qrcodes import qr_urls, scan, svgs_in

OFFICE_PHONE = "02563833123"
NEW_PHONE = "0911222333"


def actions(action: str) -> list[AuditLog]:
    return list(db.session.scalars(select(AuditLog).where(AuditLog.action == action)))


def live_invite(team) -> TeamInvite:
    return db.session.scalar(select(TeamInvite).where(TeamInvite.team_id == team.id,
                                                      TeamInvite.revoked_at.is_(None)))


def make_invite(client, team) -> TeamInvite:
    r = client.post(f"/teams/{team.id}/invite/rotate")
    assert r.status_code == 302
    return live_invite(team)


def sign_up(client, token, phone=NEW_PHONE, password="mat-khau-1", name="Đỗ Thị Mới", **extra):
    return client.post(f"/join/{token}", data={"name": name, "phone": phone, "password": password,
                                               "confirm": extra.get("confirm", password)})


@pytest.fixture(autouse=True)
def _one_user_per_request(app):
    """The `app` fixture keeps one app context, so one `g`, for the whole test; Flask-Login caches
    the signed-in user on `g`, which would leak from one test client (phone) to the next."""
    @app.before_request
    def _forget_cached_user():
        g.pop("_login_user", None)


@pytest.fixture
def leader(client, auth, world):
    auth.login(world.users["leader"].phone)
    return client


# --- QR payloads ----------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "http://localhost/v/AbC-_123456789012345678",
    "https://fieldapp.example.vn/s/" + "x" * 43,
    "https://fieldapp.example.vn/h/" + "Q" * 40,  # long upper-case runs stay one byte segment
])
def test_qr_svg_decodes_to_the_url(url):
    code = make_qr(url)
    (svg,) = svgs_in(str(code.svg))
    read = scan(svg)
    assert read.text == url
    assert read.ec_level == "M"  # medium error correction: a sticker on a door gets scratched
    assert 'id="' not in str(code.svg)  # many codes on one sheet: no duplicate ids


# --- Join link ------------------------------------------------------------------------------

def test_join_flow_with_csrf_pending_then_approved(make_app):
    from tests.factories import build_world
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        w = build_world()
        team_id, village_id = w.team1.id, w.village1.id
    leader_c, newcomer = app.test_client(), app.test_client()
    r = leader_c.get("/login")
    leader_c.post("/login", data={"phone": "0900000002", "password": "secret-pass-1",
                                  "csrf_token": csrf_from(r.text)})
    page = leader_c.get(f"/teams/{team_id}/invite")
    assert leader_c.post(f"/teams/{team_id}/invite/rotate").status_code == 400  # no token, refused
    r = leader_c.post(f"/teams/{team_id}/invite/rotate", data={"csrf_token": csrf_from(page.text)})
    assert r.status_code == 302
    page = leader_c.get(f"/teams/{team_id}/poster")
    (join_url,) = qr_urls(page.text)
    assert re.fullmatch(r"http://localhost/join/[A-Za-z0-9_-]{22,}", join_url)
    assert f"/{team_id}" not in join_url.split("/join/")[1]

    path = join_url.removeprefix("http://localhost")
    form = newcomer.get(path)
    assert form.status_code == 200 and "Tổ CNSCĐ Thôn Vinh Thạnh 1" in form.text
    r = newcomer.post(path, data={"name": "Đỗ Thị Mới", "phone": "0911 222 333", "password": "mat-khau-1",
                                  "confirm": "mat-khau-1", "csrf_token": csrf_from(form.text)})
    assert r.status_code == 302 and r.location.endswith("/sent")
    assert "Đã nhận đăng ký tham gia" in newcomer.get(r.location).text

    # Pending: no account yet, so no sign-in.
    r = newcomer.get("/login")
    r = newcomer.post("/login", data={"phone": NEW_PHONE, "password": "mat-khau-1",
                                      "csrf_token": csrf_from(r.text)})
    assert r.status_code == 422 and "đang chờ tổ trưởng duyệt" in r.text
    with app.app_context():
        req = db.session.scalar(select(JoinRequest))
        assert req.status == JoinStatus.PENDING and req.phone == NEW_PHONE
        assert "mat-khau-1" not in req.password_hash
        assert db.session.scalar(select(User).where(User.phone == NEW_PHONE)) is None
        req_id = req.id

    members = leader_c.get(f"/teams/{team_id}/members")
    assert "Đỗ Thị Mới" in members.text
    r = leader_c.post(f"/teams/{team_id}/requests/{req_id}/approve",
                      data={"csrf_token": csrf_from(members.text)})
    assert r.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.phone == NEW_PHONE))
        assert user.active and user.team_id == team_id and user.role == "member"
        assert db.session.scalar(select(Badge).where(Badge.user_id == user.id)) is not None
        assert actions("join_approve")

    r = newcomer.get("/login")
    r = newcomer.post("/login", data={"phone": NEW_PHONE, "password": "mat-khau-1",
                                      "csrf_token": csrf_from(r.text)})
    assert r.status_code == 302
    assert newcomer.get("/").location.endswith(f"/villages/{village_id}")


def test_refused_request_creates_no_account_and_keeps_no_password(client, leader, world, app):
    invite = make_invite(leader, world.team1)
    anon = app.test_client()
    assert sign_up(anon, invite.token).status_code == 302
    req = db.session.scalar(select(JoinRequest))
    assert leader.post(f"/teams/{world.team1.id}/requests/{req.id}/refuse").status_code == 302
    db.session.expire_all()
    assert req.status == JoinStatus.REFUSED and req.password_hash == ""
    assert db.session.scalar(select(User).where(User.phone == NEW_PHONE)) is None
    assert Auth(anon).login(NEW_PHONE, "mat-khau-1").status_code == 422
    # A decided request cannot be decided again.
    r = leader.post(f"/teams/{world.team1.id}/requests/{req.id}/approve", follow_redirects=True)
    assert "đã được xử lý" in r.text
    assert db.session.scalar(select(User).where(User.phone == NEW_PHONE)) is None
    # The person may apply again.
    assert sign_up(anon, invite.token).status_code == 302


def test_auto_approve_makes_an_active_member_at_once(client, leader, world, app):
    invite = make_invite(leader, world.team1)
    r = leader.post(f"/teams/{world.team1.id}/invite", data={"auto_approve": "y", "expires_on": ""})
    assert r.status_code == 302
    db.session.expire_all()
    assert live_invite(world.team1).auto_approve
    anon = app.test_client()
    r = sign_up(anon, invite.token)
    assert r.status_code == 302 and r.location == "/"
    assert anon.get("/").location.endswith(f"/villages/{world.village1.id}")
    user = db.session.scalar(select(User).where(User.phone == NEW_PHONE))
    assert user.active and user.team_id == world.team1.id
    assert actions("join_auto_approve")


def test_sign_up_refuses_bad_input_with_messages(client, leader, world, app):
    invite = make_invite(leader, world.team1)
    anon = app.test_client()
    r = sign_up(anon, invite.token, password="short")
    assert r.status_code == 422 and "ít nhất 8 ký tự" in r.text
    r = sign_up(anon, invite.token, phone="12345")
    assert r.status_code == 422 and "10 chữ số" in r.text
    r = sign_up(anon, invite.token, confirm="khac-nhau-1")
    assert r.status_code == 422 and "không giống nhau" in r.text
    assert 'value="Đỗ Thị Mới"' in r.text  # nothing typed is lost
    assert sign_up(anon, invite.token).status_code == 302
    assert db.session.scalar(select(JoinRequest).where(JoinRequest.status == "pending")) is not None


# --- The public join form tells nothing about which numbers have accounts (issue 17.7) ---------------

def _answer(client, response) -> tuple[int, str, str]:
    """What a stranger sees: the status, where it leads and the page it leads to."""
    page = client.get(response.location).text if response.status_code == 302 else response.text
    return response.status_code, response.location or "", page


def test_a_registered_or_pending_phone_gets_the_same_answer_as_a_new_one(client, leader, world, app):
    invite = make_invite(leader, world.team1)
    new = _answer(c := app.test_client(), sign_up(c, invite.token, phone="0911000001"))
    registered = _answer(c := app.test_client(), sign_up(c, invite.token, phone=world.users["member2"].phone))
    pending = _answer(c := app.test_client(), sign_up(c, invite.token, phone="0911000001", name="Người Khác"))
    assert new == registered == pending
    assert new[0] == 302 and "Đã nhận đăng ký tham gia" in new[2] and "đã có tài khoản" in new[2]
    requests = db.session.scalars(select(JoinRequest)).all()
    assert [(r.phone, r.name) for r in requests] == [("0911000001", "Đỗ Thị Mới")]  # nothing else stored
    assert db.session.get(User, world.users["member2"].id).team_id == world.team2.id


def test_a_refused_sign_in_costs_one_argon2_check_whoever_the_number_is(client, world, monkeypatch, app):
    from argon2 import PasswordHasher
    from fieldapp.joining.operations import submit_join_request
    from fieldapp.timeutil import utcnow
    invite = TeamInvite(team_id=world.team1.id, token="t" * 22, created_by_id=world.users["leader"].id,
                        created_at=utcnow())
    db.session.add(invite)
    db.session.commit()
    submit_join_request(invite, name="Chờ Duyệt", phone="0911000002", password="mat-khau-cho", now=utcnow())
    db.session.commit()
    costs, real = [], PasswordHasher.verify

    def spy(self, hashed, password):
        costs.append(hashed.split("$")[3])  # "m=…,t=…,p=…" of the hash checked
        return real(self, hashed, password)

    monkeypatch.setattr(PasswordHasher, "verify", spy)
    configured = f"m={app.config['ARGON2_MEMORY_COST']},t={app.config['ARGON2_TIME_COST']},p=1"
    for phone in (world.users["member"].phone, "0911999888", "0911000002"):  # known, unknown, pending
        costs.clear()
        r = app.test_client().post("/login", data={"phone": phone, "password": "wrong-password"})
        assert r.status_code == 422 and "Số điện thoại hoặc mật khẩu không đúng." in r.text
        assert costs == [configured], phone


# --- Join requests are limited per client and per link; pending per team (issue 17.8) -----------------

def test_join_requests_are_limited_per_client_and_per_link(client, leader, world, app):
    invite = make_invite(leader, world.team1)
    per_client, per_link = app.config["JOIN_MAX_PER_CLIENT"], app.config["JOIN_MAX_PER_LINK"]
    bot = app.test_client()
    for n in range(per_client):
        assert sign_up(bot, invite.token, phone=f"07{n:08d}").status_code == 302
    r = sign_up(bot, invite.token, phone="0799999999")
    assert r.status_code == 429 and "quá nhiều đăng ký từ máy hoặc mạng này" in r.text
    assert int(r.headers["Retry-After"]) > 0 and 'value="Đỗ Thị Mới"' in r.text
    # Other addresses may go on until the link has had its share for the window.
    for n in range(per_client, per_link):
        r = app.test_client().post(f"/join/{invite.token}", data={
            "name": "Người Mới", "phone": f"07{n:08d}", "password": "mat-khau-1", "confirm": "mat-khau-1"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{n}"})
        assert r.status_code == 302, n
    r = app.test_client().post(f"/join/{invite.token}", data={"name": "Người Mới", "phone": "0788888888",
                                                              "password": "mat-khau-1", "confirm": "mat-khau-1"},
                               environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert r.status_code == 429 and "Mã QR này vừa nhận quá nhiều đăng ký" in r.text
    assert db.session.scalar(select(func.count()).select_from(JoinRequest)) == per_link


def test_pending_requests_per_team_are_capped(client, leader, world, app):
    app.config.update(JOIN_MAX_PENDING_PER_TEAM=3)
    invite = make_invite(leader, world.team1)
    for n in range(3):
        assert app.test_client().post(f"/join/{invite.token}", data={
            "name": "Người Mới", "phone": f"07{n:08d}", "password": "mat-khau-1", "confirm": "mat-khau-1"},
            environ_base={"REMOTE_ADDR": f"10.2.2.{n}"}).status_code == 302
    r = app.test_client().post(f"/join/{invite.token}", data={
        "name": "Người Mới", "phone": "0711111111", "password": "mat-khau-1", "confirm": "mat-khau-1"},
        environ_base={"REMOTE_ADDR": "10.2.2.9"})
    assert r.status_code == 429 and "đang có nhiều yêu cầu chờ duyệt" in r.text
    assert db.session.scalar(select(func.count()).select_from(JoinRequest)) == 3


def test_rotated_and_expired_links_are_refused(client, leader, world, app):
    old = make_invite(leader, world.team1).token
    new = make_invite(leader, world.team1).token
    anon = app.test_client()
    assert new != old
    r = anon.get(f"/join/{old}")
    assert r.status_code == 410 and "mã QR mới" in r.text
    assert sign_up(anon, old).status_code == 410
    assert anon.get(f"/join/{new}").status_code == 200
    assert len(actions("invite_rotate")) == 1

    # Expiry: the last day given still works; a past day cannot be set; past the date, refused.
    today = to_local(utcnow()).date()
    r = leader.post(f"/teams/{world.team1.id}/invite", data={"expires_on": today.isoformat()})
    assert r.status_code == 302
    assert anon.get(f"/join/{new}").status_code == 200
    r = leader.post(f"/teams/{world.team1.id}/invite",
                    data={"expires_on": (today - timedelta(days=1)).isoformat()})
    assert r.status_code == 422 and "từ hôm nay" in r.text
    invite = live_invite(world.team1)
    invite.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    r = anon.get(f"/join/{new}")
    assert r.status_code == 410 and "hết hạn" in r.text
    assert sign_up(anon, new).status_code == 410
    assert db.session.scalar(select(JoinRequest)) is None
    # A new link made after the date works (the past date is not carried over).
    newest = make_invite(leader, world.team1)
    assert newest.expires_at is None and anon.get(f"/join/{newest.token}").status_code == 200


@pytest.mark.parametrize("token", ["nope", "x" * 22, "x" * 500, "%00%27"])
def test_unknown_join_link_is_a_friendly_404(client, world, token):
    r = client.get(f"/join/{token}")
    assert r.status_code == 404 and "không phải mã tham gia" in r.text


def test_leader_pages_are_scoped(client, auth, world):
    t1, t2 = world.team1.id, world.team2.id
    auth.login(world.users["member"].phone)
    for url in (f"/teams/{t1}/invite", f"/teams/{t1}/poster", f"/teams/{t1}/members"):
        assert client.get(url).status_code == 403
    assert client.post(f"/teams/{t1}/invite/rotate").status_code == 403
    assert client.get(f"/villages/{world.village1.id}/stickers").status_code == 403
    auth.logout()
    auth.login(world.users["leader"].phone)
    assert client.get(f"/teams/{t1}/members").status_code == 200
    for url in (f"/teams/{t2}/invite", f"/teams/{t2}/poster", f"/teams/{t2}/members",
                f"/teams/{t2}/members/{world.users['member2'].id}/badge",
                f"/villages/{world.village2.id}/stickers"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/teams/{t2}/members/{world.users['member2'].id}/sign-in-qr").status_code == 404
    # Someone of another team through this team's URL is not found either.
    assert client.post(f"/teams/{t1}/members/{world.users['member2'].id}/sign-in-qr").status_code == 404
    auth.logout()
    auth.login(world.users["officer"].phone)
    assert client.get(f"/teams/{t1}/poster").status_code == 200
    assert client.get(f"/teams/{t1}/badges").status_code == 200
    assert client.get(f"/teams/{t1}/invite").status_code == 403
    assert client.get(f"/teams/{world.team3.id}/poster").status_code == 404


# --- One-time sign-in -----------------------------------------------------------------------

def _sign_in_qr(leader, world, who="member") -> str:
    r = leader.post(f"/teams/{world.team1.id}/members/{world.users[who].id}/sign-in-qr")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    otl = db.session.scalar(select(OneTimeLogin).order_by(OneTimeLogin.id.desc()))
    assert "hết hạn lúc " + (otl.expires_at + UTC_OFFSET).strftime("%H:%M %d/%m/%Y") in r.text
    (url,) = qr_urls(r.text)
    assert re.fullmatch(r"http://localhost/s/[A-Za-z0-9_-]{43}", url)
    return url.removeprefix("http://localhost")


def test_one_time_sign_in_works_once_and_asks_for_a_new_password(client, leader, world, app):
    path = _sign_in_qr(leader, world)
    token = path.rsplit("/", 1)[1]
    otl = db.session.scalar(select(OneTimeLogin))
    shown = leader.post(f"/teams/{world.team1.id}/members/{world.users['member2'].id}/sign-in-qr")
    assert shown.status_code == 404  # not of this team
    assert otl.token_hash == hashlib.sha256(token.encode()).hexdigest()  # only the hash is kept
    assert otl.expires_at - otl.created_at == timedelta(minutes=15)
    assert otl.created_by_id == world.users["leader"].id

    phone = app.test_client()
    r = phone.get(path)
    assert r.status_code == 200 and "Nguyễn Văn Ba" in r.text
    r = phone.post(path)
    assert r.status_code == 302 and r.location == "/account/password"
    r = phone.get("/account/password")
    assert r.status_code == 200 and "Mật khẩu hiện tại" not in r.text
    r = phone.post("/account/password", data={"new": "mat-khau-moi-2026", "confirm": "mat-khau-moi-2026"})
    assert r.status_code == 302
    assert phone.get("/").status_code == 302 and phone.get("/").location.endswith(
        f"/villages/{world.village1.id}")  # still signed in after the password change

    # Works once: a second scan is refused with a clear message.
    other = app.test_client()
    r = other.post(path)
    assert r.status_code == 410 and "đã được dùng" in r.text
    assert other.get("/").status_code == 302 and "/login" in other.get("/").location
    assert Auth(app.test_client()).login("0900000003", "secret-pass-1").status_code == 422
    assert Auth(app.test_client()).login("0900000003", "mat-khau-moi-2026").status_code == 302
    assert [a.actor_id for a in actions("signin_qr_create")] == [world.users["leader"].id]
    assert [a.actor_id for a in actions("signin_qr_use")] == [world.users["member"].id]
    assert actions("password_set")


def test_one_time_sign_in_expires_and_a_new_code_retires_the_old(client, leader, world, app):
    first = _sign_in_qr(leader, world)
    second = _sign_in_qr(leader, world)
    phone = app.test_client()
    r = phone.post(first)
    assert r.status_code == 410 and "hết hạn" in r.text
    otl = db.session.scalar(select(OneTimeLogin).order_by(OneTimeLogin.id.desc()))
    otl.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert phone.get(second).status_code == 410
    r = phone.post(second)
    assert r.status_code == 410 and "15 phút" in r.text
    assert phone.get("/").location.startswith("/login")
    assert phone.get("/s/" + "a" * 43).status_code == 404


def test_password_change_without_the_qr_needs_the_current_password(client, auth, world):
    auth.login(world.users["member"].phone)
    r = client.post("/account/password", data={"current": "wrong-pass", "new": "mat-khau-moi-2026",
                                               "confirm": "mat-khau-moi-2026"})
    assert r.status_code == 422 and "không đúng" in r.text
    r = client.post("/account/password", data={"current": "secret-pass-1", "new": "mat-khau-moi-2026",
                                               "confirm": "mat-khau-moi-2026"})
    assert r.status_code == 302


def test_leader_cannot_make_a_sign_in_code_for_an_inactive_member(client, leader, world):
    member = world.users["member"]
    leader.post(f"/members/{member.id}/deactivate", data={"reason": "left"})
    r = leader.post(f"/teams/{world.team1.id}/members/{member.id}/sign-in-qr", follow_redirects=True)
    assert "đã ngừng hoạt động" in r.text
    assert db.session.scalar(select(OneTimeLogin)) is None


# --- Badges and the public check ------------------------------------------------------------

def _issue_badge(leader, world, who="member") -> str:
    r = leader.post(f"/teams/{world.team1.id}/members/{world.users[who].id}/badge")
    assert r.status_code == 302
    r = leader.get(r.location)
    (url,) = qr_urls(r.text)
    assert re.fullmatch(r"http://localhost/v/[A-Za-z0-9_-]{22}", url)
    return url.removeprefix("http://localhost")


PHONE_LIKE = re.compile(r"(?<!\d)(?:\+?84|0)[\d .]{8,12}\d(?!\d)")


def test_verify_page_for_an_active_member_shows_no_personal_or_household_data(client, leader, world, app):
    world.commune.office_phone = OFFICE_PHONE
    db.session.commit()
    path = _issue_badge(leader, world)
    resident = app.test_client()
    r = resident.get(path)
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "no-store"
    assert "ĐANG HOẠT ĐỘNG" in r.text and "KHÔNG CÒN" not in r.text
    for text in ("Nguyễn Văn Ba", "Tổ CNSCĐ Thôn Vinh Thạnh 1", "Thôn Vinh Thạnh 1", "Xã Tuy Phước",
                 "Thành viên", to_local(world.users["member"].created_at).strftime("%d/%m/%Y"), "OTP"):
        assert text in r.text, text
    # The only phone number on the page is the commune office's.
    assert {re.sub(r"\D", "", m) for m in PHONE_LIKE.findall(r.text)} == {OFFICE_PHONE}
    assert world.users["member"].phone not in r.text
    for h in world.households.values():
        assert h.code not in r.text
        assert not h.head_name or h.head_name not in r.text
    assert "/households/" not in r.text
    resident.get(path)
    badge = db.session.scalar(select(Badge))
    db.session.refresh(badge)
    assert badge.views == 2 and badge.last_viewed_at is not None
    members = leader.get(f"/teams/{world.team1.id}/members")
    assert "Người dân đã kiểm tra thẻ: 2 lần" in members.text


def test_deactivation_flips_the_verify_page_at_once(client, leader, world, app):
    path = _issue_badge(leader, world)
    resident = app.test_client()
    assert "ĐANG HOẠT ĐỘNG" in resident.get(path).text
    r = leader.post(f"/members/{world.users['member'].id}/deactivate", data={"reason": "moved"})
    assert r.status_code == 302
    r = resident.get(path)
    assert r.status_code == 200
    assert "KHÔNG CÒN HOẠT ĐỘNG" in r.text and "ĐANG HOẠT ĐỘNG" not in r.text
    assert "từ ngày " + to_local(utcnow()).strftime("%d/%m/%Y") in r.text
    assert Auth(app.test_client()).login(world.users["member"].phone).status_code == 422
    assert actions("deactivate")


def test_reissued_badge_invalidates_the_old_qr(client, leader, world, app):
    old = _issue_badge(leader, world)
    new = _issue_badge(leader, world)
    resident = app.test_client()
    r = resident.get(old)
    assert r.status_code == 410 and "THẺ ĐÃ BỊ THU HỒI" in r.text and "Nguyễn Văn Ba" not in r.text
    assert "ĐANG HOẠT ĐỘNG" in resident.get(new).text
    assert len(actions("badge_reissue")) == 1


@pytest.mark.parametrize("token", ["zzzzzzzzzzzzzzzzzzzzzz", "x", "y" * 300, "a%2Fb", "a/b/c"])
def test_unknown_badge_is_a_friendly_404(client, world, token):
    r = client.get(f"/v/{token}")
    assert r.status_code == 404
    assert "KHÔNG PHẢI THẺ HỢP LỆ" in r.text and "OTP" in r.text


def test_member_sees_own_badge_and_not_others(client, auth, leader, world):
    leader.post(f"/teams/{world.team1.id}/members/{world.users['member'].id}/badge")
    auth.logout()
    auth.login(world.users["member"].phone)
    r = client.get("/me/badge", follow_redirects=True)
    assert r.status_code == 200 and len(qr_urls(r.text)) == 1
    assert client.get(f"/teams/{world.team1.id}/members/{world.users['leader'].id}/badge").status_code == 403
    assert client.post(f"/teams/{world.team1.id}/members/{world.users['member'].id}/badge").status_code == 403


def test_team_badge_sheet_has_one_verifiable_code_per_active_member(client, leader, world):
    leader.post(f"/teams/{world.team1.id}/members/{world.users['member'].id}/badge")
    r = leader.get(f"/teams/{world.team1.id}/badges")
    assert len(qr_urls(r.text)) == 1 and "1 thành viên chưa có thẻ: Tổ trưởng Một" in r.text
    assert leader.post(f"/teams/{world.team1.id}/badges").status_code == 302
    assert leader.post(f"/teams/{world.team1.id}/badges").status_code == 302  # nothing left to issue
    r = leader.get(f"/teams/{world.team1.id}/badges")
    badges = list(db.session.scalars(select(Badge)))
    assert {b.user_id for b in badges} == {world.users["leader"].id, world.users["member"].id}
    assert {u.removeprefix("http://localhost/v/") for u in qr_urls(r.text)} == {b.token for b in badges}
    assert "chưa có thẻ" not in r.text


# --- Household stickers ---------------------------------------------------------------------

def test_stickers_open_the_household_only_for_the_team(client, auth, leader, world, app):
    sheet = leader.get(f"/villages/{world.village1.id}/stickers")
    assert sheet.status_code == 200 and qr_urls(sheet.text) == []
    assert leader.post(f"/villages/{world.village1.id}/stickers/prepare").status_code == 302
    assert leader.post(f"/villages/{world.village1.id}/stickers/prepare").status_code == 302  # idempotent
    tags = {t.household_id: t.token for t in db.session.scalars(select(HouseholdTag))}
    assert set(tags) == {world.households["h1"].id, world.households["h2"].id}
    sheet = leader.get(f"/villages/{world.village1.id}/stickers")
    urls = qr_urls(sheet.text)
    assert sorted(urls) == sorted(f"http://localhost/h/{t}" for t in tags.values())
    for h in ("h1", "h2"):
        assert world.households[h].code in sheet.text
        assert world.households[h].head_name not in sheet.text  # no personal data on a sticker
        assert world.households[h].id not in sheet.text
    h1_path = f"/h/{tags[world.households['h1'].id]}"

    member = app.test_client()
    resident = member.get(h1_path)  # a resident scanning their own door: no sign-in form (issue 16)
    assert resident.status_code == 200 and 'name="password"' not in resident.text
    assert "Thôn Vinh Thạnh 1" in resident.text and "Tổ CNSCĐ Thôn Vinh Thạnh 1" in resident.text
    Auth(member).login(world.users["member"].phone)
    r = member.get(h1_path)
    assert r.status_code == 302 and r.location == f"/households/{world.households['h1'].id}"
    assert member.get(r.location).status_code == 200
    assert member.get("/h/" + "n" * 22).status_code == 404
    for who in ("member2", "member3", "officer", "admin"):
        other = app.test_client()
        Auth(other).login(world.users[who].phone)
        page = other.get(h1_path)  # not the household: the resident's page, without personal data
        assert page.status_code == 200 and world.households["h1"].head_name not in page.text, who
        assert f"/households/{world.households['h1'].id}" not in page.text, who
    assert len(actions("stickers_prepare")) == 1


def test_sticker_sheet_pages_cover_every_household_once(client, leader, world):
    from fieldapp.households.stickers import sticker_page
    assert sticker_page(world.village1.id).untagged == 2
    leader.post(f"/villages/{world.village1.id}/stickers/prepare")
    pages = [sticker_page(world.village1.id, page=p, per_page=1) for p in (1, 2, 3)]
    assert [p.pages for p in pages] == [2, 2, 2] and pages[2].page == 2  # past the end: the last page
    assert [h.code for p in pages[:2] for h, _t in p.items] == ["VT1-001", "VT1-002"]
    assert pages[0].untagged == 0


def test_commune_officer_prints_stickers_in_the_commune_only(client, auth, world):
    auth.login(world.users["officer"].phone)
    assert client.get(f"/villages/{world.village1.id}/stickers").status_code == 200
    assert client.get(f"/villages/{world.village3.id}/stickers").status_code == 404
    auth.logout()
    auth.login(world.users["province"].phone)
    assert client.get(f"/villages/{world.village1.id}/stickers").status_code == 403
