"""Machine access for the province: read-only, area-scoped, revocable, audited API tokens; signed webhooks
with retries and a delivery log; the API description as a page served by the app."""
import hashlib
import hmac
import json
import re
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.integrations.tokens import create_token
from fieldapp.integrations.webhooks import MAX_ATTEMPTS, backoff, create_endpoint, deliver_due, sign
from fieldapp.models import ApiToken, AuditLog, DeliveryStatus, WebhookDelivery
from fieldapp.timeutil import utcnow
from tests.conftest import csrf_from
from tests.test_campaigns import _campaign


def bearer(raw: str) -> dict:
    return {"Authorization": f"Bearer {raw}"}


def actions(name: str) -> list[AuditLog]:
    return list(db.session.scalars(select(AuditLog).where(AuditLog.action == name)))


def test_an_admin_makes_a_token_with_csrf_and_sees_it_once(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from tests.factories import build_world
        world = build_world()
        admin = app.test_client()
        admin.post("/login", data={"phone": "0900000000", "password": "secret-pass-1",
                                   "csrf_token": csrf_from(admin.get("/login").text)})
        page = admin.get("/admin/integrations")
        assert page.status_code == 200 and "Mã truy cập API" in page.text
        r = admin.post("/admin/integrations/tokens", data={"token-name": "Hệ thống báo cáo của Sở",
                                                           "token-area_id": world.province.id})
        assert r.status_code == 400  # no CSRF token
        r = admin.post("/admin/integrations/tokens", data={
            "token-name": "Hệ thống báo cáo của Sở", "token-area_id": world.province.id,
            "token-csrf_token": csrf_from(page.text)})
        assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
        raw = re.search(r"fa_[A-Za-z0-9_-]{43}", r.text).group(0)
        token = db.session.scalar(select(ApiToken))
        assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest() and token.area_id == world.province.id
        assert raw not in admin.get("/admin/integrations").text  # shown once; the list has the prefix only
        assert token.prefix + "…" in admin.get("/admin/integrations").text
        assert [a.actor_id for a in actions("api_token_create")] == [world.users["admin"].id]
        # A bad area is a clear 422, not a 500.
        r = admin.post("/admin/integrations/tokens", data={
            "token-name": "x", "token-area_id": "999999", "token-csrf_token": csrf_from(page.text)})
        assert r.status_code == 422 and "Địa bàn không có" in r.text


def test_a_token_reads_tallies_and_leaderboards_of_its_area_only(app, client, world):
    _token, raw = create_token(world.users["admin"], "Sở TT", world.commune)
    db.session.commit()
    r = client.get(f"/api/v1/areas/{world.commune.id}/tally", headers=bearer(raw))
    assert r.status_code == 200 and r.json["area"]["id"] == world.commune.id
    assert "Set-Cookie" not in r.headers  # no session is made for a machine
    assert client.get(f"/api/v1/areas/{world.village1.id}/tally", headers=bearer(raw)).status_code == 200
    assert client.get(f"/api/v1/leaderboard?area_id={world.commune.id}", headers=bearer(raw)).status_code == 200
    # Outside its area: 404, as for a person.
    assert client.get(f"/api/v1/areas/{world.other_commune.id}/tally", headers=bearer(raw)).status_code == 404
    assert client.get(f"/api/v1/areas/{world.province.id}/tally", headers=bearer(raw)).status_code == 404
    assert client.get(f"/api/v1/leaderboard?area_id={world.other_commune.id}",
                      headers=bearer(raw)).status_code == 404
    # Read-only, and only the routes marked for tokens: nothing else accepts it.
    assert client.post("/api/v1/visits/batch", json={"visits": []}, headers=bearer(raw)).status_code == 401
    assert client.get(f"/api/v1/households?village={world.village1.id}", headers=bearer(raw)).status_code == 401
    assert client.get(f"/dashboard/{world.commune.id}", headers=bearer(raw)).status_code == 302
    assert client.get("/api/v1/session", headers=bearer(raw)).status_code == 401
    assert client.get(f"/api/v1/areas/{world.commune.id}/tally",
                      headers=bearer(raw[:-1] + "x")).status_code == 401
    assert db.session.scalar(select(ApiToken.last_used_at)) is not None


def test_a_revoked_token_stops_at_once_and_the_revocation_is_audited(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from tests.factories import build_world
        world = build_world()
        token, raw = create_token(world.users["admin"], "Sở TT", world.province)
        db.session.commit()
        machine = app.test_client()
        assert machine.get(f"/api/v1/areas/{world.province.id}/tally", headers=bearer(raw)).status_code == 200
        admin = app.test_client()
        admin.post("/login", data={"phone": "0900000000", "password": "secret-pass-1",
                                   "csrf_token": csrf_from(admin.get("/login").text)})
        page = admin.get("/admin/integrations")
        r = admin.post(f"/admin/integrations/tokens/{token.id}/revoke", data={"csrf_token": csrf_from(page.text)})
        assert r.status_code == 302
        assert machine.get(f"/api/v1/areas/{world.province.id}/tally", headers=bearer(raw)).status_code == 401
        assert [a.entity_id for a in actions("api_token_revoke")] == [str(token.id)]
        assert "Đã thu hồi" in admin.get("/admin/integrations").text


class Receiver(BaseHTTPRequestHandler):
    answers: list[int] = []
    got: list[tuple[dict, bytes]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.got.append((dict(self.headers), body))
        self.send_response(self.answers.pop(0) if self.answers else 200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    Receiver.answers, Receiver.got = [], []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


def test_a_frozen_campaign_is_sent_signed_retried_with_backoff_and_logged(app, world, receiver):
    endpoint = create_endpoint(world.users["admin"], receiver, world.province, ["campaign.frozen"])
    elsewhere = create_endpoint(world.users["admin"], receiver + "/other", world.other_commune, ["campaign.frozen"])
    db.session.commit()
    campaign = _campaign(world)
    runner = app.test_cli_runner()
    r = runner.invoke(args=["freeze-campaigns"])
    assert r.exit_code == 0, r.output
    deliveries = db.session.scalars(select(WebhookDelivery)).all()
    assert [(d.endpoint_id, d.status) for d in deliveries] == [(endpoint.id, DeliveryStatus.PENDING)]
    assert elsewhere.id not in [d.endpoint_id for d in deliveries]  # its area does not hold the campaign

    Receiver.answers = [500]
    r = runner.invoke(args=["deliver-webhooks"])
    assert r.exit_code == 0 and "sẽ gửi lại 1" in r.output, r.output
    delivery = db.session.scalar(select(WebhookDelivery))
    db.session.refresh(delivery)
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1 and delivery.last_status_code == 500
    assert timedelta(seconds=55) < delivery.next_attempt_at - delivery.last_attempt_at <= timedelta(minutes=1)
    assert deliver_due() == {"delivered": 0, "retry": 0, "failed": 0}  # not due yet
    assert deliver_due(utcnow() + timedelta(minutes=2)) == {"delivered": 1, "retry": 0, "failed": 0}
    db.session.refresh(delivery)
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 2

    (h1, b1), (h2, b2) = Receiver.got
    assert b1 == b2 and h1["X-Fieldapp-Delivery"] == h2["X-Fieldapp-Delivery"] == delivery.uuid
    for headers, body in Receiver.got:
        expected = hmac.new(endpoint.secret.encode(), headers["X-Fieldapp-Timestamp"].encode() + b"." + body,
                            hashlib.sha256).hexdigest()
        assert headers["X-Fieldapp-Signature"] == f"sha256={expected}"
        assert headers["X-Fieldapp-Event"] == "campaign.frozen"
    payload = json.loads(b2)
    assert payload["event"] == "campaign.frozen" and payload["data"]["campaign"]["id"] == campaign.id
    assert payload["area"]["id"] == world.commune.id


def test_a_receiver_that_never_answers_is_given_up_after_the_last_attempt(app, world):
    endpoint = create_endpoint(world.users["admin"], "http://127.0.0.1:9/nothing-listens", world.commune,
                               ["campaign.frozen"])
    db.session.commit()
    _campaign(world)
    app.test_cli_runner().invoke(args=["freeze-campaigns"])
    at = utcnow()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        stats = deliver_due(at + timedelta(days=attempt))
        assert stats == ({"delivered": 0, "retry": 0, "failed": 1} if attempt == MAX_ATTEMPTS
                         else {"delivered": 0, "retry": 1, "failed": 0})
    delivery = db.session.scalar(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == MAX_ATTEMPTS
    assert "ConnectionRefused" in delivery.last_error or "URLError" in delivery.last_error
    assert [backoff(n) for n in (1, 2, 3, 10)] == [timedelta(minutes=1), timedelta(minutes=2),
                                                  timedelta(minutes=4), timedelta(hours=6)]
    assert sign("k", "1", b"x") == "sha256=" + hmac.new(b"k", b"1.x", hashlib.sha256).hexdigest()


def test_the_delivery_log_is_on_the_admin_page(app, world, client, auth, receiver):
    create_endpoint(world.users["admin"], receiver, world.province, ["campaign.frozen"])
    db.session.commit()
    _campaign(world)
    app.test_cli_runner().invoke(args=["freeze-campaigns"])
    deliver_due()
    auth.login("0900000000")
    page = client.get("/admin/integrations").text
    assert "Nhật ký gửi" in page and "Đợt thi đua đã chốt kết quả" in page and "Đã gửi" in page
    assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 1


def test_the_api_page_is_served_by_the_app_without_a_cdn(client):
    r = client.get("/api/v1/docs")
    assert r.status_code == 200
    assert "GET /api/v1/areas/{area_id}/tally" in r.text and "Authorization: Bearer" in r.text
    assert "Xác thực: session hoặc token" in re.sub(r"\s+", " ", r.text)
    assert not re.search(r"""(src|href)=["']https?://""", r.text)  # nothing fetched from elsewhere
    spec = client.get("/api/v1/openapi.json").json
    assert spec["components"]["securitySchemes"]["token"] == {
        "type": "http", "scheme": "bearer",
        "description": "read-only API token of an area (fa_…), made and revoked by an administrator"}
    assert {"token": []} in spec["paths"]["/areas/{area_id}/tally"]["get"]["security"]


def test_an_admin_adds_a_receiver_and_sees_its_secret_once(client, auth, world):
    auth.login("0900000000")
    r = client.post("/admin/integrations/webhooks", data={"hook-url": "ftp://so.example.vn/x",
                                                          "hook-area_id": world.province.id,
                                                          "hook-events": "campaign.frozen"})
    assert r.status_code == 422 and "Địa chỉ nhận phải bắt đầu bằng https://" in r.text
    r = client.post("/admin/integrations/webhooks", data={"hook-url": "https://so.example.vn/hook",
                                                          "hook-area_id": world.province.id})
    assert r.status_code == 422 and "Hãy chọn ít nhất một sự kiện." in r.text
    r = client.post("/admin/integrations/webhooks", data={"hook-url": "https://so.example.vn/hook",
                                                          "hook-area_id": world.province.id,
                                                          "hook-events": "campaign.frozen"})
    assert r.status_code == 200
    from fieldapp.models import WebhookEndpoint
    endpoint = db.session.scalar(select(WebhookEndpoint))
    assert endpoint.secret in r.text and endpoint.secret not in client.get("/admin/integrations").text
    assert [a.action for a in actions("webhook_create")] == ["webhook_create"]
    r = client.post(f"/admin/integrations/webhooks/{endpoint.id}/revoke")
    assert r.status_code == 302 and "Đã tắt" in client.get("/admin/integrations").text
