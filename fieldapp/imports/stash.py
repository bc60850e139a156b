"""Uploaded files kept between the preview and the confirmation, in the database (`pending_imports`).

Every app host sees the same pending import, so a preview served by one host can be confirmed on
another behind a round-robin load balancer. The preview stores the bytes with the user id, the kind of
import ("households", "villages", "members"), the id of the village, commune or team, the file name,
the consent box and the time. The token is random (192 bits), carried by the confirm form, and only its
SHA-256 is stored; `load` only answers for the same user, kind and target, and only within STASH_SECONDS
(an hour, as long as a form's CSRF token). Confirming deletes the row; old rows are swept on every new
upload. The confirmation reads the file again and checks every row again, so nothing written between
the preview and the confirmation slips through unchecked.
"""
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select

from ..extensions import db
from ..models import PendingImport
from ..timeutil import utcnow

STASH_SECONDS = 3600
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32}$")


@dataclass
class Stashed:
    token: str
    user_id: int
    kind: str
    target_id: int
    filename: str
    consent: bool
    data: bytes


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sweep(now=None) -> None:
    """Delete the pending imports older than STASH_SECONDS (abandoned previews)."""
    now = now or utcnow()
    db.session.execute(delete(PendingImport).where(
        PendingImport.created_at < now - timedelta(seconds=STASH_SECONDS)))


def save(*, user_id: int, kind: str, target_id: int, filename: str, consent: bool, data: bytes) -> str:
    """Stored with the request's transaction (the route commits it with the preview)."""
    sweep()
    token = secrets.token_urlsafe(24)
    db.session.add(PendingImport(token_hash=_hash(token), user_id=user_id, kind=kind, target_id=target_id,
                                 filename=filename[:255], consent=bool(consent), data=data))
    db.session.flush()
    return token


def load(token: str | None, *, user_id: int, kind: str, target_id: int) -> Stashed | None:
    """The stashed upload, or None when the token is unknown, expired or someone else's."""
    if not token or not TOKEN_RE.match(token):
        return None
    row = db.session.scalar(select(PendingImport).where(PendingImport.token_hash == _hash(token)))
    if row is None or (row.user_id, row.kind, row.target_id) != (user_id, kind, target_id):
        return None
    if utcnow() - row.created_at > timedelta(seconds=STASH_SECONDS):
        discard(token)
        return None
    return Stashed(token=token, user_id=user_id, kind=kind, target_id=target_id,
                   filename=row.filename or "", consent=row.consent, data=row.data)


def discard(token: str) -> None:
    if not TOKEN_RE.match(token or ""):
        return
    db.session.execute(delete(PendingImport).where(PendingImport.token_hash == _hash(token)))
