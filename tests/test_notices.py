"""Commune notices (issue 16, item 6): the officer posts, members and leaders read on their home screens,
"đã xem" is counted once per member and per team, old notices leave the home screen, scope is a 404."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import AuditLog, Notice, NoticeSeen, User
from fieldapp.notices.operations import NoticeData, archive_notice, mark_seen, post_notice
from fieldapp.notices.queries import reach_by_team, reach_of
from fieldapp.counting import today
from tests.conftest import csrf_from
from tests.factories import PASSWORD
from tests.test_dashboards import plain


def _post(world, title="Họp tổ trưởng chiều thứ Sáu", **kw) -> Notice:
    notice = post_notice(world.users["officer"], world.commune, NoticeData(title=title, **kw))
    db.session.commit()
    return notice


def _home(client, world, village="village1"):
    return client.get(f"/villages/{getattr(world, village).id}")


def _sign_in(client, phone):
    r = client.post("/login", data={"phone": phone, "password": PASSWORD})
    assert r.status_code == 302


def _switch(client, phone):
    """Sign out and in again as someone else, through the real forms (CSRF on)."""
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/account/password").text)})
    r = client.post("/login", data={"phone": phone, "password": PASSWORD,
                                    "csrf_token": csrf_from(client.get("/login").text)})
    assert r.status_code == 302


def _campaign(world, commune=None, days=7):
    from fieldapp.campaigns.operations import CampaignData, create_campaign
    from fieldapp.models import Service
    vneid = db.session.scalar(select(Service).where(Service.code == "vneid"))
    campaign = create_campaign(world.users["admin"], commune or world.commune, CampaignData(
        name="Chiến dịch VNeID tháng 12", starts_on=today() - timedelta(days=3), ends_on=today() + timedelta(days=days),
        points={vneid.id: 3}))
    db.session.commit()
    return campaign


def test_officer_posts_through_the_form_with_csrf_and_members_and_leaders_see_it_at_home(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from tests.factories import build_world
        world = build_world()
        client = app.test_client()
        client.post("/login", data={"phone": world.users["officer"].phone, "password": PASSWORD,
                                    "csrf_token": csrf_from(client.get("/login").text)})
        url = f"/communes/{world.commune.id}/notices/new"
        page = client.get(url)
        assert page.status_code == 200 and "Tất cả các tổ trong xã" in page.text
        token = csrf_from(page.text)
        assert client.post(url, data={"title": "Họp", "audience": "all"}).status_code == 400  # no CSRF token
        ok = client.post(url, data={"csrf_token": token, "title": "Họp tổ trưởng chiều thứ Sáu",
                                    "body": "14 giờ, nhà văn hóa xã.\nMang danh sách hộ chưa thăm.",
                                    "audience": "all", "expires_on": ""})
        assert ok.status_code == 302
        notice = db.session.scalar(select(Notice))
        assert notice.commune_id == world.commune.id and notice.campaign_id is None
        assert notice.expires_on == today() + timedelta(days=14)  # left empty: two weeks
        assert notice.body == "14 giờ, nhà văn hóa xã.\nMang danh sách hộ chưa thăm."
        entry = db.session.scalar(select(AuditLog).where(AuditLog.entity_type == "notice"))
        assert entry.action == "create" and entry.actor_id == world.users["officer"].id
        assert entry.area_path == world.commune.path and entry.after["title"] == notice.title
        for phone, village in (("0900000003", "village1"), ("0900000002", "village1"), ("0900000004", "village2")):
            _switch(client, phone)
            home = client.get(f"/villages/{getattr(world, village).id}")
            text = plain(home.text)
            assert "Thông báo của xã" in text and "Họp tổ trưởng chiều thứ Sáu" in text, phone
            assert "Mang danh sách hộ chưa thăm." in home.text
        # The leader's home also says how far the team has got.
        _switch(client, "0900000002")
        home = client.get(f"/villages/{world.village1.id}")
        assert "Trong tổ: 0/2 người đã xem" in plain(home.text)
        # "Tôi đã xem" is a real form with CSRF: without the token it changes nothing.
        seen_url = f"/notices/{notice.id}/seen"
        assert client.post(seen_url, data={"back": "home"}).status_code == 400
        r = client.post(seen_url, data={"csrf_token": csrf_from(home.text), "back": "home"})
        assert r.status_code == 302 and r.headers["Location"].endswith(f"/villages/{world.village1.id}")
        home = client.get(r.headers["Location"])
        text = plain(home.text)
        assert "Đã ghi nhận: bạn đã xem thông báo" in text
        assert 'data-notice="' not in home.text  # off the home screen
        assert "Thông báo đã xem (1)" in text
        assert db.session.scalar(select(func.count()).select_from(NoticeSeen)) == 1


def test_officer_form_refuses_bad_input_in_vietnamese_and_keeps_what_was_typed(app, client, world, auth):
    other = _campaign(world, world.other_commune)
    auth.login("0900000001")
    url = f"/communes/{world.commune.id}/notices/new"
    cases = [
        ({"title": "", "audience": "all"}, "Vui lòng nhập tiêu đề thông báo."),
        ({"title": "x" * 121, "audience": "all"}, "Tiêu đề dài tối đa 120 ký tự."),
        ({"title": "Họp", "body": "y" * 1001, "audience": "all"}, "Nội dung dài tối đa 1000 ký tự."),
        ({"title": "Họp", "audience": "all", "expires_on": (today() - timedelta(days=1)).isoformat()},
         "Ngày hết hạn không được ở quá khứ."),
        ({"title": "Họp", "audience": "all", "expires_on": (today() + timedelta(days=400)).isoformat()},
         "Thông báo hiện tối đa một năm"),
        ({"title": "Họp", "audience": "all", "expires_on": "31/02/2027"}, "Ngày không hợp lệ"),
        ({"title": "Họp", "audience": str(other.id)}, "Vui lòng chọn một trong các lựa chọn."),  # another commune's
        ({"title": "Họp", "audience": "abc"}, "Vui lòng chọn một trong các lựa chọn."),
    ]
    for data, message in cases:
        r = client.post(url, data={"body": "", "expires_on": "", **data})
        assert r.status_code == 422, data
        assert message in plain(r.text), (data, plain(r.text)[:600])
    r = client.post(url, data={"title": "Họp tổ trưởng", "body": "Nội dung cần giữ", "audience": "all",
                               "expires_on": (today() - timedelta(days=1)).isoformat()})
    assert 'value="Họp tổ trưởng"' in r.text and "Nội dung cần giữ" in r.text
    assert db.session.scalar(select(func.count()).select_from(Notice)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.entity_type == "notice")) == 0


def test_a_campaign_notice_defaults_to_the_campaign_end_and_carries_its_name(app, client, world, auth):
    campaign = _campaign(world, days=9)
    auth.login("0900000001")
    page = client.get(f"/communes/{world.commune.id}/notices/new")
    assert "Các tổ tham gia đợt thi đua “Chiến dịch VNeID tháng 12”" in page.text
    r = client.post(f"/communes/{world.commune.id}/notices/new",
                    data={"title": "Tăng tốc tuần cuối", "audience": str(campaign.id), "expires_on": ""})
    assert r.status_code == 302
    notice = db.session.scalar(select(Notice))
    assert notice.campaign_id == campaign.id and notice.expires_on == campaign.ends_on
    auth.logout()
    auth.login("0900000003")
    text = plain(_home(client, world).text)
    assert "Đợt thi đua: Chiến dịch VNeID tháng 12" in text and "Tăng tốc tuần cuối" in text
    # A province campaign over the commune can be chosen too; one of another province cannot.
    from tests.factories import area
    from fieldapp.models import AreaLevel
    far = _campaign(world, area(AreaLevel.PROVINCE, "Tỉnh Xa"))
    with pytest.raises(Exception, match="Đợt thi đua này không có trong xã"):
        post_notice(world.users["officer"], world.commune, NoticeData(title="x", campaign_id=far.id))
    db.session.rollback()
    province_wide = _campaign(world, world.province)
    assert post_notice(world.users["officer"], world.commune,
                       NoticeData(title="Cả tỉnh", campaign_id=province_wide.id)).campaign_id == province_wide.id


def test_only_the_commune_sees_it_and_out_of_scope_is_404(app, client, world, auth):
    notice = _post(world)
    cases = {  # phone -> (home shows it, GET /notices/<id>)
        "0900000003": (True, 200),    # member, village 1
        "0900000002": (True, 200),    # leader, village 1
        "0900000004": (True, 200),    # member, village 2 of the same commune
        "0900000005": (False, 404),   # member of the other commune
        "0900000011": (None, 404),    # the other commune's officer
        "0900000001": (None, 200),    # the commune's officer: the follow-up page
        "0900000012": (None, 403),    # the province viewer sees the commune but does not run it
        "0900000000": (None, 200),    # an admin
    }
    homes = {"0900000003": "village1", "0900000002": "village1", "0900000004": "village2", "0900000005": "village3"}
    for phone, (at_home, status) in cases.items():
        auth.login(phone)
        if at_home is not None:
            assert (notice.title in _home(client, world, homes[phone]).text) is at_home, phone
        assert client.get(f"/notices/{notice.id}").status_code == status, phone
        ids = [n["id"] for n in client.get("/api/v1/notices").json["notices"]]
        assert ids == ([notice.id] if at_home else []), phone
        auth.logout()
    # The other commune's officer can neither read the list nor post to this commune.
    auth.login("0900000011")
    assert client.get(f"/communes/{world.commune.id}/notices").status_code == 404
    assert client.post(f"/communes/{world.commune.id}/notices/new", data={"title": "x", "audience": "all"}).status_code == 404
    assert client.post(f"/notices/{notice.id}/archive").status_code == 404
    assert client.post("/api/v1/notices/seen", json={"ids": [notice.id]}).json["results"] == [
        {"id": notice.id, "status": "unknown"}]
    auth.logout()
    # A member of the other commune cannot mark it read, by form or by the API.
    auth.login("0900000005")
    assert client.post(f"/notices/{notice.id}/seen").status_code == 404
    assert client.post("/api/v1/notices/seen", json={"ids": [notice.id]}).json["results"][0]["status"] == "unknown"
    assert db.session.scalar(select(func.count()).select_from(NoticeSeen)) == 0
    # An officer visiting a village page sees no "Tôi đã xem" (it is not their home).
    auth.logout()
    auth.login("0900000001")
    assert 'data-notice="' not in _home(client, world).text


def test_seen_counts_per_team_once_per_member_and_never_above_the_members(app, client, world, auth):
    notice = _post(world)
    auth.login("0900000003")
    for _ in range(3):  # the home page, the list, the offline queue: still one
        client.post(f"/notices/{notice.id}/seen", data={"back": "list"})
    assert client.post("/api/v1/notices/seen", json={"ids": [notice.id, notice.id]}).json["results"] == [
        {"id": notice.id, "status": "seen"}, {"id": notice.id, "status": "seen"}]
    assert db.session.scalar(select(func.count()).select_from(NoticeSeen)) == 1
    auth.logout()
    auth.login("0900000001")
    page = plain(client.get(f"/notices/{notice.id}").text)
    assert "Đã xem: 1/3 người" in page
    assert "Tổ CNSCĐ Thôn Vinh Thạnh 1 Thôn Vinh Thạnh 1 1/2 đã xem Chưa xem: Tổ trưởng Một" in page
    assert "Tổ CNSCĐ Thôn 2 Thôn 2 0/1 đã xem Chưa xem: Lê Thị Bốn" in page
    listing = plain(client.get(f"/communes/{world.commune.id}/notices").text)
    assert "Đã xem: 1/3 người · 0/2 tổ xem đủ" in listing
    # Team 2 reads it: that team is done.
    mark_seen(world.users["member2"], [notice])
    db.session.commit()
    assert reach_of([notice], world.commune)[notice.id].teams_done == 1
    # A member who read it and then left the team is not counted; one who moved counts in the new team.
    from fieldapp.teams.operations import deactivate_member, move_member
    deactivate_member(world.users["officer"], world.users["member2"], "left")
    move_member(world.users["officer"], world.users["member"], world.team2)
    db.session.commit()
    rows = {r.team.id: (r.seen, r.members) for r in reach_by_team(notice)}
    assert rows == {world.team1.id: (0, 1), world.team2.id: (1, 1)}
    for r in reach_of([notice], world.commune).values():
        assert r.seen <= r.members
    # Officers and viewers never count as readers, even by the API.
    assert mark_seen(world.users["officer"], [notice]) == set()


def test_expired_and_archived_notices_leave_the_home_screen_and_can_be_restored(app, client, world, auth):
    old = _post(world, title="Thông báo cũ", expires_on=today())
    live = _post(world, title="Thông báo còn hạn")
    auth.login("0900000003")
    text = _home(client, world).text
    assert "Thông báo cũ" in text and "Thông báo còn hạn" in text  # its last day still shows
    old.expires_on = today() - timedelta(days=1)
    db.session.commit()
    text = _home(client, world).text
    assert "Thông báo cũ" not in text and "Thông báo còn hạn" in text
    assert client.get(f"/notices/{old.id}").status_code == 200  # a link still opens, marked as over
    assert "đã hết hạn" in plain(client.get(f"/notices/{old.id}").text)
    auth.logout()
    auth.login("0900000001")
    assert client.post(f"/notices/{live.id}/archive").status_code == 302
    listing = plain(client.get(f"/communes/{world.commune.id}/notices").text)
    assert "Không có thông báo nào đang hiện." in listing and "Đã lưu trữ" in listing and "Đã hết hạn" in listing
    auth.logout()
    auth.login("0900000003")
    assert "Thông báo còn hạn" not in _home(client, world).text
    assert client.get("/api/v1/notices").json["notices"] == []
    auth.logout()
    auth.login("0900000001")
    r = client.post(f"/notices/{live.id}/archive")  # twice: a message, not a 500
    assert "Thông báo này đã được lưu trữ." in plain(client.get(r.headers["Location"]).text)
    assert client.post(f"/notices/{live.id}/restore").status_code == 302
    assert db.session.get(Notice, live.id).archived_at is None
    actions = list(db.session.scalars(select(AuditLog.action).where(
        AuditLog.entity_type == "notice", AuditLog.entity_id == str(live.id)).order_by(AuditLog.id)))
    assert actions == ["create", "archive", "restore"]
    log = client.get("/audit?type=notice")
    assert log.status_code == 200 and "Lưu trữ · Thông báo" in plain(log.text)
    # An expired notice cannot come back by a restore.
    archive_notice(world.users["officer"], old)
    db.session.commit()
    r = client.post(f"/notices/{old.id}/restore")
    assert "Thông báo đã hết hạn nên không hiện lại được" in plain(client.get(r.headers["Location"]).text)


def test_member_list_and_the_offline_api(app, client, world, auth):
    first = _post(world, title="Một")
    second = _post(world, title="Hai", body="Nội dung hai")
    auth.login("0900000002")
    body = client.get("/api/v1/notices").json
    assert [n["id"] for n in body["notices"]] == [second.id, first.id]  # newest first
    n = body["notices"][0]
    assert n["title"] == "Hai" and n["body"] == "Nội dung hai" and n["seen"] is False
    assert n["expires_on"] == (today() + timedelta(days=14)).isoformat()
    assert (n["team_seen"], n["team_members"]) == (0, 2)  # a leader's team figures
    r = client.post("/api/v1/notices/seen", json={"ids": [first.id, 999999]})
    assert r.json["results"] == [{"id": first.id, "status": "seen"}, {"id": 999999, "status": "unknown"}]
    assert [n["seen"] for n in client.get("/api/v1/notices").json["notices"]] == [False, True]
    page = plain(client.get("/notices").text)
    assert "Hai" in page and "Đã xem" in page and "Tôi đã xem" in page
    for bad in (None, {}, {"ids": []}, {"ids": "1"}, {"ids": [True]}, {"ids": [1.5]}, {"ids": [2**40]},
                {"ids": list(range(101))}):
        r = client.post("/api/v1/notices/seen", json=bad) if bad is not None else client.post(
            "/api/v1/notices/seen", data="x", content_type="application/json")
        assert r.status_code == 400 and "Cần danh sách “ids”" in r.json["error"], bad
    auth.logout()
    auth.login("0900000003")  # a member: no team figures
    assert client.get("/api/v1/notices").json["notices"][0]["team_members"] is None
    auth.logout()
    auth.login("0900000001")
    assert client.get("/api/v1/notices").json["notices"] == []
    assert client.get("/notices").headers["Location"].endswith(f"/communes/{world.commune.id}/notices")


def test_two_readers_at_once_count_once(make_app):
    """Two requests carry the same "đã xem" (the home page and the phone's queue): the key keeps one."""
    app = make_app()
    with app.app_context():
        from tests.factories import build_world
        world = build_world()
        notice_id = _post(world).id
        member_id = world.users["member"].id
        db.session.remove()
    import threading
    barrier = threading.Barrier(2)
    results = []

    def tap():
        with app.app_context():
            member = db.session.get(User, member_id)
            barrier.wait()
            results.append(mark_seen(member, [db.session.get(Notice, notice_id)]))
            db.session.commit()
            db.session.remove()
    threads = [threading.Thread(target=tap) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with app.app_context():
        assert results == [{notice_id}, {notice_id}]
        assert db.session.scalar(select(func.count()).select_from(NoticeSeen)) == 1


def test_the_officer_tab_and_the_home_tab_are_marked(app, client, world, auth):
    notice = _post(world)
    auth.login("0900000001")
    page = client.get(f"/notices/{notice.id}").text
    assert f'<a href="/communes/{world.commune.id}/notices" aria-current="page">Thông báo</a>' in page
    auth.logout()
    auth.login("0900000003")
    page = client.get("/notices").text
    assert f'<a href="/villages/{world.village1.id}" aria-current="page">Hộ dân</a>' in page


def test_english_catalogue_has_the_notice_words(app, client, world, auth):
    client.set_cookie("lang", "en")
    auth.login("0900000001")
    page = client.get(f"/communes/{world.commune.id}/notices/new").text
    assert "Send a new notice" in page and "Every team of the commune" in page


def test_the_home_screen_shows_the_three_newest_unread_and_links_to_the_rest(app, client, world, auth):
    for i in range(5):
        _post(world, title=f"Thông báo số {i}")
    auth.login("0900000003")
    home = _home(client, world).text
    assert home.count('data-notice="') == 3
    assert "Thông báo số 4" in home and "Thông báo số 2" in home and "Thông báo số 1" not in home
    assert "2 thông báo khác chưa xem" in plain(home)
    page = client.get("/notices").text
    assert all(f"Thông báo số {i}" in page for i in range(5))
