"""Outreach sessions (tuyên truyền, tập huấn, điểm hỗ trợ, phát thanh loa) through the real stack."""
from datetime import timedelta

from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import AuditLog, OutreachSession, Service
from fieldapp.outreach.operations import SessionData, create_session
from fieldapp.outreach.queries import session_sums
from fieldapp.counting import today
from tests.conftest import csrf_from
from tests.test_dashboards import plain


def _services():
    return {s.code: s for s in db.session.scalars(select(Service))}


def _session(world, who="member", village="village1", days_ago=1, kind="meeting", attendees=20, topic="VNeID"):
    s = create_session(world.users[who], getattr(world, village), SessionData(
        held_on=today() - timedelta(days=days_ago), kind=kind, topic=topic, attendees=attendees))
    db.session.commit()
    return s


def test_member_records_a_session_through_the_form_with_csrf(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from tests.factories import build_world
        world = build_world()
        client = app.test_client()
        client.post("/login", data={"phone": world.users["member"].phone, "password": "secret-pass-1",
                                    "csrf_token": csrf_from(client.get("/login").text)})
        url = f"/villages/{world.village1.id}/outreach/new"
        page = client.get(url)
        assert page.status_code == 200 and "style=" not in page.text
        token = csrf_from(page.text)
        s = _services()
        future = (today() + timedelta(days=2)).isoformat()
        bad = client.post(url, data={"csrf_token": token, "held_on": future, "kind": "meeting", "topic": "",
                                     "attendees": "6000", "services": [str(s["vneid"].id)]})
        assert bad.status_code == 422
        assert "Vui lòng nhập chủ đề." in bad.text
        assert db.session.scalar(select(OutreachSession)) is None
        bad = client.post(url, data={"csrf_token": token, "held_on": future, "kind": "meeting",
                                     "topic": "Tuyên truyền VNeID", "attendees": "6000"})
        assert bad.status_code == 422
        assert "Ngày tổ chức không được ở tương lai." in bad.text
        assert "Số người tham dự là số từ 0 đến 5000." in bad.text
        assert 'value="Tuyên truyền VNeID"' in bad.text  # what the user typed comes back
        held = (today() - timedelta(days=1)).isoformat()
        ok = client.post(url, data={"csrf_token": token, "held_on": held, "kind": "meeting",
                                    "topic": "Tuyên truyền VNeID mức 2", "attendees": "45", "place": "Nhà văn hóa thôn",
                                    "services": [str(s["vneid"].id), str(s["payment"].id)]})
        assert ok.status_code == 302
        session = db.session.scalar(select(OutreachSession))
        assert session.attendees == 45 and session.team_id == world.team1.id
        assert {sv.code for sv in session.services} == {"vneid", "payment"}
        assert db.session.scalar(select(AuditLog).where(AuditLog.entity_type == "outreach_session",
                                                        AuditLog.action == "create"))
        listing = plain(client.get(f"/outreach/{world.village1.id}").text)
        assert "Tuyên truyền VNeID mức 2" in listing and "45 người tham dự" in listing
        # Without the token the form is refused.
        assert client.post(url, data={"held_on": held, "kind": "meeting", "topic": "X",
                                      "attendees": "1"}).status_code in (400, 422)


def test_validation_messages_in_vietnamese(client, world, auth):
    auth.login(world.users["member"].phone)
    url = f"/villages/{world.village1.id}/outreach/new"
    r = client.post(url, data={"held_on": "31/02/2026", "kind": "party", "topic": "Họp", "attendees": "abc",
                               "services": ["x"]})
    assert r.status_code == 422
    assert "Ngày không hợp lệ" in r.text
    assert "Vui lòng chọn hình thức." in r.text
    assert "Vui lòng nhập một số nguyên" in r.text
    assert "Lựa chọn dịch vụ không hợp lệ" in r.text
    r = client.post(url, data={"held_on": "2026-01-05", "kind": "training", "topic": "Tập huấn"})
    assert r.status_code == 422 and "Vui lòng nhập số người tham dự" in r.text
    r = client.post(url, data={"held_on": "2026-01-05", "kind": "meeting", "topic": "Họp", "attendees": "-1"})
    assert r.status_code == 422 and "Số người tham dự là số từ 0 đến 5000." in r.text
    assert db.session.scalar(select(OutreachSession)) is None


def test_a_broadcast_needs_no_attendees(client, world, auth):
    auth.login(world.users["leader"].phone)
    held = (today() - timedelta(days=3)).isoformat()
    r = client.post(f"/villages/{world.village1.id}/outreach/new",
                    data={"held_on": held, "kind": "broadcast", "topic": "Phát thanh chống lừa đảo"})
    assert r.status_code == 302
    assert db.session.scalar(select(OutreachSession)).attendees == 0


def test_edit_and_delete_by_the_team_only(client, world, auth):
    session = _session(world)
    auth.login(world.users["leader"].phone)  # same team as the member who recorded it
    r = client.post(f"/outreach/session/{session.id}/edit",
                    data={"held_on": session.held_on.isoformat(), "kind": "training", "topic": "Tập huấn ví điện tử",
                          "attendees": "30"})
    assert r.status_code == 302
    db.session.refresh(session)
    assert session.kind == "training" and session.attendees == 30
    auth.logout()
    auth.login(world.users["officer"].phone)
    assert client.get(f"/outreach/session/{session.id}/edit").status_code == 403
    assert client.post(f"/outreach/session/{session.id}/delete").status_code == 403
    auth.logout()
    auth.login(world.users["member2"].phone)  # another village: the session does not exist for them
    assert client.get(f"/outreach/session/{session.id}/edit").status_code == 404
    auth.logout()
    auth.login(world.users["member"].phone)
    assert client.post(f"/outreach/session/{session.id}/delete").status_code == 302
    db.session.refresh(session)
    assert session.deleted_at is not None
    assert client.get(f"/outreach/session/{session.id}/edit").status_code == 404
    assert session_sums(world.commune, today() - timedelta(days=30), today())[world.commune.id].sessions == 0
    actions = set(db.session.scalars(select(AuditLog.action).where(AuditLog.entity_type == "outreach_session")))
    assert actions == {"create", "update", "delete"}


def test_scope_of_the_lists(client, world, auth):
    _session(world, topic="Buổi thôn Một")
    _session(world, who="member3", village="village3", topic="Buổi xã khác")
    auth.login(world.users["officer"].phone)
    r = client.get(f"/outreach/{world.commune.id}")
    assert r.status_code == 200 and "Buổi thôn Một" in r.text and "Buổi xã khác" not in r.text
    assert client.get(f"/outreach/{world.village3.id}").status_code == 404
    assert client.get(f"/villages/{world.village1.id}/outreach/new").status_code == 403  # officers do not record
    auth.logout()
    auth.login(world.users["other_officer"].phone)
    assert client.get(f"/outreach/{world.village1.id}").status_code == 404
    assert client.get(f"/outreach/{world.commune.id}").status_code == 404
    auth.logout()
    auth.login(world.users["member2"].phone)
    assert client.get(f"/villages/{world.village1.id}/outreach/new").status_code == 404
    assert client.get(f"/outreach/{world.village1.id}").status_code == 404


def test_sessions_count_in_the_tallies(client, world, auth):
    _session(world, attendees=20)
    _session(world, who="member2", village="village2", attendees=25, days_ago=2)
    _session(world, who="member2", village="village2", kind="broadcast", attendees=0, days_ago=3)
    _session(world, who="member3", village="village3", attendees=7)
    _session(world, attendees=99, days_ago=60)  # outside the 30 days shown
    start, end = today() - timedelta(days=29), today()
    sums = session_sums(world.province, start, end, [world.commune, world.other_commune])
    assert (sums[world.province.id].sessions, sums[world.province.id].attendees) == (4, 52)
    assert (sums[world.commune.id].sessions, sums[world.commune.id].attendees) == (3, 45)
    assert (sums[world.other_commune.id].sessions, sums[world.other_commune.id].attendees) == (1, 7)
    auth.login(world.users["officer"].phone)
    text = plain(client.get(f"/dashboard/{world.commune.id}").text)
    assert "Buổi tuyên truyền/lượt người tham dự: 3/45" in text
    text = plain(client.get(f"/dashboard/{world.village2.id}").text)
    assert "Buổi tuyên truyền/lượt người tham dự: 2/25" in text
    auth.logout()
    auth.login(world.users["province"].phone)
    text = plain(client.get(f"/dashboard/{world.province.id}").text)
    assert "Buổi tuyên truyền/lượt người tham dự: 4/52" in text
