"""Signed webhooks: an event writes one delivery per subscribed endpoint in the event's own transaction
(an outbox); `flask deliver-webhooks` (a systemd timer, every minute) sends what is due, retries with
exponential backoff and keeps the log. No job library: the timer is the worker.

Each POST carries the JSON body and:
  X-Fieldapp-Event: campaign.frozen
  X-Fieldapp-Delivery: <uuid, the same on every retry: the receiver's key to ignore a repeat>
  X-Fieldapp-Timestamp: <unix seconds>
  X-Fieldapp-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the endpoint's secret>
"""
import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import audit
from ..extensions import db
from ..models import Area, DeliveryStatus, User, WebhookDelivery, WebhookEndpoint
from ..rules import RuleError
from ..timeutil import utcnow

# Every event a receiver can subscribe to. Adding an event is one line here and one emit() where it happens.
EVENTS = {
    "campaign.frozen": _l("Đợt thi đua đã chốt kết quả"),
    # signoff.operations.approve: a village's month or quarter approved (scope "village"), and the commune's
    # when its last village is approved (scope "commune"); data carries the figures as approved.
    "period.approved": _l("Số liệu tháng, quý đã được xã duyệt"),
}
MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=6)
TIMEOUT_SECONDS = 10


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def backoff(attempts: int) -> timedelta:
    """Wait after the n-th failed attempt: 1, 2, 4, 8 … minutes, at most 6 hours."""
    return min(FIRST_RETRY * (2 ** (attempts - 1)), LONGEST_WAIT)


def create_endpoint(actor: User, url: str, area: Area, events: list[str]) -> WebhookEndpoint:
    url = (url or "").strip()
    if not url.startswith(("https://", "http://")) or len(url) > 500:
        raise RuleError(_("Địa chỉ nhận phải bắt đầu bằng https:// (hoặc http:// trong mạng nội bộ)."))
    unknown = [e for e in events if e not in EVENTS]
    if not events or unknown:
        raise RuleError(_("Hãy chọn ít nhất một sự kiện."))
    endpoint = WebhookEndpoint(url=url, secret=secrets.token_hex(32), events=",".join(events), area_id=area.id,
                               created_by_id=actor.id)
    db.session.add(endpoint)
    db.session.flush()
    audit.record(actor, "webhook_create", endpoint, area_path=area.path,
                 after={"url": url, "events": endpoint.events, "area_id": area.id})
    return endpoint


def revoke_endpoint(actor: User, endpoint: WebhookEndpoint, now: datetime) -> None:
    if endpoint.revoked_at is not None:
        raise RuleError(_("Địa chỉ nhận này đã bị tắt."))
    endpoint.revoked_at = now
    audit.record(actor, "webhook_revoke", endpoint, area_path=endpoint.area.path, after={"url": endpoint.url})


def emit(event: str, area: Area, data: dict) -> int:
    """Queue `event` about `area` for every live endpoint subscribed to it whose area contains `area`."""
    assert event in EVENTS, event
    now = utcnow()
    endpoints = db.session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.revoked_at.is_(None)))
    n = 0
    for endpoint in endpoints:
        if event not in endpoint.events.split(",") or not area.path.startswith(endpoint.area.path):
            continue
        delivery_id = str(uuid.uuid4())
        body = {"event": event, "delivery": delivery_id, "occurred_at": now.isoformat() + "Z",
                "area": {"id": area.id, "name": area.name, "level": area.level, "code": area.code}, "data": data}
        db.session.add(WebhookDelivery(endpoint_id=endpoint.id, uuid=delivery_id, event=event,
                                       payload=json.dumps(body, ensure_ascii=False), next_attempt_at=now))
        n += 1
    return n


def _post(url: str, headers: dict, body: bytes) -> int:
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (admin-set URL)
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


def deliver_due(now: datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Send every delivery due now, each committed on its own (a crash resends at most one)."""
    stats = {"delivered": 0, "retry": 0, "failed": 0}
    query = (select(WebhookDelivery).where(WebhookDelivery.status == DeliveryStatus.PENDING,
                                           WebhookDelivery.next_attempt_at <= (now or utcnow()))
             .order_by(WebhookDelivery.id).limit(limit).with_for_update(skip_locked=True, of=WebhookDelivery))
    for delivery in list(db.session.scalars(query)):
        endpoint = delivery.endpoint
        at = utcnow()
        delivery.attempts += 1
        delivery.last_attempt_at = at
        if endpoint.revoked_at is not None:
            delivery.status, delivery.last_error = DeliveryStatus.FAILED, "endpoint turned off"
            stats["failed"] += 1
            db.session.commit()
            continue
        body = delivery.payload.encode()
        stamp = str(int(time.time()))
        headers = {"Content-Type": "application/json", "User-Agent": "fieldapp-webhooks/1",
                   "X-Fieldapp-Event": delivery.event, "X-Fieldapp-Delivery": delivery.uuid,
                   "X-Fieldapp-Timestamp": stamp, "X-Fieldapp-Signature": sign(endpoint.secret, stamp, body)}
        try:
            code = _post(endpoint.url, headers, body)
            delivery.last_status_code, delivery.last_error = code, None if 200 <= code < 300 else f"HTTP {code}"
        except (OSError, ValueError) as exc:
            code = None
            delivery.last_status_code, delivery.last_error = None, f"{type(exc).__name__}: {exc}"[:300]
        if code is not None and 200 <= code < 300:
            delivery.status, delivery.delivered_at = DeliveryStatus.DELIVERED, at
            stats["delivered"] += 1
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
            stats["failed"] += 1
        else:
            delivery.next_attempt_at = at + backoff(delivery.attempts)
            stats["retry"] += 1
        db.session.commit()
    return stats
