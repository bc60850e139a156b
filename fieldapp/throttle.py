"""Slowing down password guessing without locking the owner out (OWASP authentication cheat sheet).

Failed sign-ins are counted in the database (shared by every worker), under these keys:

- a trusted device: a phone that signed in to this account before carries a signed cookie naming it
  (`fieldapp_device`). Its own failures are counted for it alone (10 in the window, then 429 for that
  phone only), and nothing an attacker does elsewhere slows it: the owner on their own phone is never
  locked out by someone who knows their number;
- the account and the client together (`pair:`): 10 failures in the window, then 429 for that pair;
- the account (`phone:`), whatever the client: from the 10th failure in the window, each new try from
  an untrusted client waits a delay that doubles with every failure (1 s, 2 s, 4 s …) up to
  LOGIN_MAX_DELAY_SECONDS: a guesser spread over many addresses gets a try a minute, the owner on a
  new phone waits a minute at most;
- the client (`ip:`), whatever the account (someone trying many numbers): from the 30th failure,
  the same growing delay for that client's untrusted tries. Behind a reverse proxy that the app was
  not told about (FIELDAPP_PROXY_FIX=0), every client has the proxy's address: web.py warns in the
  log when requests carry X-Forwarded-For, and this only slows (it never blocks) them.

An attempt refused for a wait is not checked and not counted, so waiting out the delay is the only way on.
The same table counts join requests (joining/operations.py) with their own keys and window.
"""
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, func, select
from werkzeug.wrappers import Response as BaseResponse

from .extensions import db
from .models import LoginAttempt
from .timeutil import utcnow
from .unit_of_work import keep_on_refusal

DEVICE_COOKIE = "fieldapp_device"
DEVICE_ACCOUNTS = 5                    # accounts remembered on one shared phone
DEVICE_MAX_AGE = 60 * 60 * 24 * 365


@dataclass(frozen=True)
class Attempt:
    """Who tries to sign in to which account: the phone number typed, the client's address, and the
    trusted-device id when this browser signed in to that account before. signed_in: the current
    password typed to change it (a stolen session must not become a way to guess it)."""
    phone: str
    client: str | None
    device: str | None = None
    signed_in: bool = False


def _window() -> timedelta:
    return timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"])


def event_key(kind: str, *parts) -> str:
    """"pair:0912345678|203.0.113.9": what a row counts (sign-in failures, join requests)."""
    return f"{kind}:{'|'.join(str(p) for p in parts)}"[:80]


def _hard_limits(attempt: Attempt) -> list[tuple[str, int]]:
    limit = current_app.config["LOGIN_MAX_FAILURES_ACCOUNT"]
    if attempt.signed_in:
        return [(event_key("change", attempt.phone), limit)]
    if attempt.device:
        return [(event_key("device", attempt.device, attempt.phone), limit)]
    return [(event_key("pair", attempt.phone, attempt.client), limit)]


def _slowed(attempt: Attempt) -> list[tuple[str, int]]:
    """Counters that slow an untrusted attempt: (key, failures before the delays start)."""
    if attempt.device or attempt.signed_in:
        return []
    cfg = current_app.config
    keys = [(event_key("phone", attempt.phone), cfg["LOGIN_MAX_FAILURES_ACCOUNT"])]
    if attempt.client:
        keys.append((event_key("ip", attempt.client), cfg["LOGIN_MAX_FAILURES_CLIENT"]))
    return keys


def growing_delay(failures: int, free: int) -> timedelta:
    """After `free` failures, 1 s, then twice as long with each one, up to the configured ceiling."""
    if failures < free:
        return timedelta(0)
    ceiling = current_app.config["LOGIN_MAX_DELAY_SECONDS"]
    return timedelta(seconds=min(2 ** min(failures - free, 20), ceiling))


def blocked_until(attempt: Attempt, now: datetime | None = None) -> datetime | None:
    """When this attempt may be made (naive UTC), or None if it may be made now."""
    now = now or utcnow()
    window = _window()
    until = None
    for key, limit in _hard_limits(attempt):
        recent = db.session.scalars(
            select(LoginAttempt.at).where(LoginAttempt.key == key, LoginAttempt.at > now - window)
            .order_by(LoginAttempt.at.desc()).limit(limit)).all()
        if len(recent) >= limit:
            # The limit-th latest failure leaves the window at this time; then one more try is allowed.
            until = _later(until, recent[-1] + window)
    for key, free in _slowed(attempt):
        n, last = db.session.execute(
            select(func.count(), func.max(LoginAttempt.at))
            .where(LoginAttempt.key == key, LoginAttempt.at > now - window)).one()
        if n >= free and last is not None and last + growing_delay(n, free) > now:
            until = _later(until, last + growing_delay(n, free))
    return until


def _later(a: datetime | None, b: datetime) -> datetime:
    return b if a is None else max(a, b)


def record_failure(attempt: Attempt) -> None:
    """Count a failed attempt; it is kept though the answer is a refusal."""
    keep_on_refusal()
    now = utcnow()
    keys = {key for key, _limit in _hard_limits(attempt)} | {key for key, _free in _slowed(attempt)}
    for key in sorted(keys):
        db.session.add(LoginAttempt(key=key, at=now))
    purge(now)


def record_success(attempt: Attempt) -> None:
    """The right password clears this device's or this client's count for the account. Not the account's
    own count: a success elsewhere must not reset the delays of someone guessing meanwhile."""
    keys = [key for key, _limit in _hard_limits(attempt)]
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.key.in_(keys)))


def purge(now: datetime) -> None:
    """Opportunistic: one indexed delete keeps the table as small as the longest window."""
    longest = max(_window(), timedelta(minutes=current_app.config["JOIN_WINDOW_MINUTES"]))
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.at <= now - longest))


def count_events(key: str, since: datetime) -> int:
    return db.session.execute(select(func.count()).select_from(LoginAttempt)
                              .where(LoginAttempt.key == key, LoginAttempt.at > since)).scalar_one()


def record_event(key: str, now: datetime) -> None:
    """Count an event (a join request sent); it is kept though the answer is a refusal."""
    keep_on_refusal()
    db.session.add(LoginAttempt(key=key[:80], at=now))
    purge(now)


# --- The trusted-device cookie ----------------------------------------------------------------------

def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="fieldapp-trusted-device")


def _device_cookie() -> dict | None:
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        data = _serializer().loads(raw)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("d"), str) or not isinstance(data.get("u"), list):
        return None
    return data


def trusted_device(user_id: int | None) -> str | None:
    """The device id if this browser signed in to this account before (a valid cookie names it)."""
    data = _device_cookie()
    if data is None or user_id is None or user_id not in data["u"]:
        return None
    return data["d"][:32]


def remember_device(response: BaseResponse, user_id: int) -> None:
    """After a successful sign-in: this browser is now a trusted device of the account."""
    data = _device_cookie() or {"d": secrets.token_urlsafe(16), "u": []}
    accounts = [u for u in data["u"] if u != user_id][-(DEVICE_ACCOUNTS - 1):] + [user_id]
    response.set_cookie(DEVICE_COOKIE, _serializer().dumps({"d": data["d"], "u": accounts}),
                        max_age=DEVICE_MAX_AGE, httponly=True, samesite="Lax",
                        secure=bool(current_app.config.get("HTTPS")))
