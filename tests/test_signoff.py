"""Sign-off of a village's month or quarter (issue 15, part 5): the leader confirms, the officer approves or
returns with a reason, the province sees which communes approved; an approved period is kept as approved and a
later correction is marked late, shown to the approver and counted in the report; audited; sent upward."""
import json
from datetime import date

from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.integrations.tokens import create_token
from fieldapp.integrations.webhooks import create_endpoint
from fieldapp.models import AuditLog, SignOff, SignOffStatus, Visit, WebhookDelivery
from fieldapp.reports.periods import Period
from fieldapp.reports.queries import build_report
from fieldapp.visits.operations import VisitData, update_visit
from tests.conftest import csrf_from
from tests.factories import build_world
from tests.report_helpers import at, visit
from tests.test_dashboards import plain

Q3 = Period.quarter(2026, 3)
Q3_URL = "q/2026-07-01"


def _world(app):
    with at(date(2026, 7, 1)):
        w = build_world()
        create_endpoint(w.users["admin"], "https://example.invalid/hook", w.province, ["period.approved"])
        db.session.commit()
    with at(date(2026, 8, 10)):
        visit(app, w.users["member"], w.households["h1"], date(2026, 8, 10), vneid=2)
        visit(app, w.users["member2"], w.households["h3"], date(2026, 8, 10), vneid=1)
    return w


def _login(client, phone):
    client.post("/logout")
    r = client.post("/login", data={"phone": phone, "password": "secret-pass-1"})
    assert r.status_code == 302


def test_leader_officer_and_province(app, client):
    w = _world(app)
    v1, v2 = w.village1, w.village2
    with at(date(2026, 10, 3)):
        # The leader, through the real form with its CSRF token.
        app.config["WTF_CSRF_ENABLED"] = True
        page = client.get("/login")
        client.post("/login", data={"phone": w.users["leader"].phone, "password": "secret-pass-1",
                                    "csrf_token": csrf_from(page.text)})
        listing = client.get(f"/signoff/villages/{v1.id}")
        assert listing.status_code == 200 and "Quý III năm 2026" in plain(listing.text)
        page = client.get(f"/signoff/villages/{v1.id}/{Q3_URL}")
        assert "Xác nhận số liệu quý III năm 2026" in plain(page.text)
        assert client.post(f"/signoff/villages/{v1.id}/{Q3_URL}/confirm").status_code == 400  # no CSRF token
        r = client.post(f"/signoff/villages/{v1.id}/{Q3_URL}/confirm", data={"csrf_token": csrf_from(page.text)})
        assert r.status_code == 302
        app.config["WTF_CSRF_ENABLED"] = False
        assert client.get(f"/signoff/villages/{v2.id}").status_code == 404      # another team's village
        assert client.post(f"/signoff/villages/{v1.id}/q/2026-10-01/confirm", follow_redirects=True).status_code == 200
        assert db.session.scalar(select(SignOff).where(SignOff.starts_on == date(2026, 10, 1))) is None  # not ended

        _login(client, w.users["officer"].phone)
        overview = plain(client.get(f"/signoff/communes/{w.commune.id}?period=quarter&year=2026&q=3").text)
        assert "Đã duyệt 0/2 thôn" in overview and "Tổ trưởng đã xác nhận, chờ xã duyệt" in overview
        refused = client.post(f"/signoff/villages/{v1.id}/{Q3_URL}/return", data={"reason": "  "})
        assert refused.status_code == 422 and "Hãy ghi lý do trả lại" in refused.text
        r = client.post(f"/signoff/villages/{v1.id}/{Q3_URL}/return", data={"reason": "Hộ VT1-002 chưa thăm?"})
        assert r.status_code == 302
        assert client.post(f"/signoff/villages/{v1.id}/{Q3_URL}/approve", follow_redirects=True).status_code == 200
        assert db.session.scalar(select(SignOff.status).where(SignOff.village_id == v1.id)) == SignOffStatus.RETURNED

        _login(client, w.users["leader"].phone)
        assert "Lý do trả lại: Hộ VT1-002 chưa thăm?" in plain(client.get(f"/signoff/villages/{v1.id}/{Q3_URL}").text)
        client.post(f"/signoff/villages/{v1.id}/{Q3_URL}/confirm")
        _login(client, w.users["member"].phone)
        assert client.post(f"/signoff/villages/{v1.id}/{Q3_URL}/approve").status_code == 403

        _login(client, w.users["officer"].phone)
        assert client.post(f"/signoff/villages/{v1.id}/{Q3_URL}/approve").status_code == 302
        s1 = db.session.scalar(select(SignOff).where(SignOff.village_id == v1.id))
        assert s1.status == SignOffStatus.APPROVED and s1.snapshot["services"]["vneid"]["period"] == 2

        _login(client, w.users["province"].phone)
        province = plain(client.get(f"/signoff/provinces/{w.province.id}?period=quarter&year=2026&q=3").text)
        assert "0/2 xã đã duyệt đủ các thôn" in province and "Đã duyệt 1/2 thôn" in province
        assert client.post(f"/signoff/villages/{v2.id}/{Q3_URL}/approve").status_code == 403

    # Village 2: its leader is member2's team... there is none, so the officer's leader is appointed first.
    from fieldapp.teams.operations import appoint_leader
    with at(date(2026, 10, 4)):
        appoint_leader(w.users["officer"], w.team2, w.users["member2"])
        db.session.commit()
        _login(client, w.users["member2"].phone)
        client.post(f"/signoff/villages/{v2.id}/{Q3_URL}/confirm")
        _login(client, w.users["officer"].phone)
        client.post(f"/signoff/villages/{v2.id}/{Q3_URL}/approve")
        _login(client, w.users["province"].phone)
        province = plain(client.get(f"/signoff/provinces/{w.province.id}?period=quarter&year=2026&q=3").text)
        assert "1/2 xã đã duyệt đủ các thôn" in province and "Đã duyệt đủ" in province
        report = build_report(w.commune, Q3)
        assert (report.total.approved, report.total.to_approve) == (2, 2)
        assert "Số liệu đã được duyệt: 2/2 thôn." in plain(client.get(f"/reports/{w.commune.id}?period=quarter&year=2026&q=3").text)

    actions = [a for (a,) in db.session.execute(select(AuditLog.action).where(AuditLog.entity_type == "sign_off")
                                                 .order_by(AuditLog.id))]
    assert actions == ["signoff_confirm", "signoff_return", "signoff_confirm", "signoff_approve",
                       "signoff_confirm", "signoff_approve"]
    deliveries = [json.loads(d.payload) for d in db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))]
    assert [(d["event"], d["data"]["scope"]) for d in deliveries] == [
        ("period.approved", "village"), ("period.approved", "village"), ("period.approved", "commune")]
    assert deliveries[0]["data"]["village"]["id"] == v1.id and deliveries[0]["data"]["from"] == "2026-07-01"
    assert deliveries[2]["data"]["figures"]["services"]["vneid"]["period"] == 3


def test_an_approved_period_is_kept_and_late_corrections_are_marked(app, client):
    w = _world(app)
    officer = w.users["officer"]
    with at(date(2026, 10, 3)):
        _login(client, w.users["leader"].phone)
        client.post(f"/signoff/villages/{w.village1.id}/{Q3_URL}/confirm")
        _login(client, officer.phone)
        client.post(f"/signoff/villages/{w.village1.id}/{Q3_URL}/approve")
    approved = dict(db.session.scalar(select(SignOff.snapshot)))
    v = db.session.scalar(select(Visit).where(Visit.household_id == w.households["h1"].id))
    with at(date(2026, 10, 20)), app.test_request_context():
        update_visit(w.users["leader"], v, VisitData("helped", v.visited_at, counts={"vneid": 3}))
        db.session.commit()
    with at(date(2026, 10, 21)):
        signoff = db.session.scalar(select(SignOff))
        assert signoff.status == SignOffStatus.APPROVED and signoff.snapshot == approved  # kept as approved
        page = plain(client.get(f"/signoff/villages/{w.village1.id}/{Q3_URL}").text)
        assert "1 lượt thăm của kỳ này được sửa sau khi duyệt" in page and "VT1-001" in page
        overview = plain(client.get(f"/signoff/communes/{w.commune.id}?period=quarter&year=2026&q=3").text)
        assert "1 lượt thăm sửa sau khi duyệt" in overview
        report = plain(client.get(f"/reports/{w.commune.id}?period=quarter&year=2026&q=3").text)
        assert "1 lượt thăm được sửa sau ngày chốt" in report
        late = plain(client.get(f"/reports/{w.commune.id}/late?period=quarter&year=2026&q=3").text)
        assert "Sửa sau ngày chốt" in late and "VT1-001" in late
        # A closed approval cannot be reopened by a new confirmation.
        _login(client, w.users["leader"].phone)
        r = client.post(f"/signoff/villages/{w.village1.id}/{Q3_URL}/confirm", follow_redirects=True)
        assert "đã được duyệt" in r.text


def test_approved_periods_for_the_province_systems(app, client):
    w = _world(app)
    with at(date(2026, 10, 3)):
        _login(client, w.users["leader"].phone)
        client.post(f"/signoff/villages/{w.village1.id}/{Q3_URL}/confirm")
        _login(client, w.users["officer"].phone)
        client.post(f"/signoff/villages/{w.village1.id}/{Q3_URL}/approve")
        client.post("/logout")
        _token, raw = create_token(w.users["admin"], "Hệ thống tỉnh", w.province)
        _other, raw_other = create_token(w.users["admin"], "Xã khác", w.other_commune)
        db.session.commit()
        auth = {"Authorization": f"Bearer {raw}"}
        r = client.get(f"/api/v1/approved-periods?area_id={w.province.id}&period=q&from=2026-07-01", headers=auth)
        assert r.status_code == 200
        body = r.get_json()
        assert [p["village"]["name"] for p in body["periods"]] == [w.village1.name]
        p = body["periods"][0]
        assert (p["period"], p["from"], p["to"], p["late_after_approval"]) == ("q", "2026-07-01", "2026-09-30", 0)
        assert p["figures"]["services"]["vneid"] == {"unit": "people", "period": 2, "cumulative": 2, "eligible": 5}
        assert client.get(f"/api/v1/approved-periods?area_id={w.commune.id}",
                          headers={"Authorization": f"Bearer {raw_other}"}).status_code == 404
        assert client.get("/api/v1/approved-periods?area_id=x", headers=auth).status_code == 400
        assert client.get(f"/api/v1/approved-periods?area_id={w.province.id}&period=w", headers=auth).status_code == 400
        for bad in ("2026-13-01", "1999-12-31"):  # unreadable, or outside timeutil's days: a 400 that says why
            r = client.get(f"/api/v1/approved-periods?area_id={w.province.id}&from={bad}", headers=auth)
            assert r.status_code == 400 and "Ngày không hợp lệ" in r.get_json()["error"], r.text
        # A token reads; it never approves.
        assert client.post(f"/signoff/villages/{w.village2.id}/{Q3_URL}/approve", headers=auth).status_code == 302
        assert "/login" in client.post(f"/signoff/villages/{w.village2.id}/{Q3_URL}/approve",
                                       headers=auth).headers["Location"]
        # The report's .docx is token-readable too.
        docx = client.get(f"/reports/{w.province.id}.docx?period=quarter&year=2026&q=3", headers=auth)
        assert docx.status_code == 200 and docx.data[:2] == b"PK"
