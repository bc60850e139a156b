"""Sign-in throttling per account and per client, counted in the database (shared by all workers)."""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select

from ..extensions import db
from ..models import LoginAttempt
from ..timeutil import utcnow


def _window() -> timedelta:
    return timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"])


def _keys(phone: str | None, client: str | None) -> list[tuple[str, int]]:
    cfg = current_app.config
    keys = []
    if phone:
        keys.append((f"phone:{phone}"[:80], cfg["LOGIN_MAX_FAILURES_ACCOUNT"]))
    if client:
        keys.append((f"ip:{client}"[:80], cfg["LOGIN_MAX_FAILURES_CLIENT"]))
    return keys


def blocked_until(phone: str | None, client: str | None, now: datetime | None = None) -> datetime | None:
    """When the account or the client may try again (naive UTC), or None if it may try now."""
    now = now or utcnow()
    window = _window()
    until = None
    for key, limit in _keys(phone, client):
        recent = db.session.scalars(
            select(LoginAttempt.at).where(LoginAttempt.key == key, LoginAttempt.at > now - window)
            .order_by(LoginAttempt.at.desc()).limit(limit)).all()
        if len(recent) >= limit:
            # The limit-th latest failure leaves the window at this time; then one more try is allowed.
            free_at = recent[-1] + window
            until = free_at if until is None else max(until, free_at)
    return until


def record_failure(phone: str | None, client: str | None) -> None:
    now = utcnow()
    for key, _limit in _keys(phone, client):
        db.session.add(LoginAttempt(key=key, at=now))
    # Opportunistic purge: one indexed delete keeps the table as small as the window.
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.at <= now - _window()))


def record_success(phone: str) -> None:
    """A correct password clears the account's counter (not the client's)."""
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.key == f"phone:{phone}"[:80]))
