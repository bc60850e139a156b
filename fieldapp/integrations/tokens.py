"""Read-only API tokens: `Authorization: Bearer fa_…` on the GET routes marked @token_readable.

A token acts as a read-only viewer of its area (a province or a commune): the routes' own scope checks
apply to it unchanged, so an object outside the area is a 404 as for a person. Only the SHA-256 of a
token is stored; it is shown once. Creating and revoking are audited; the last use is kept (to the minute
it was first seen in a ten-minute window, so reads do not write on every call).
"""
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from functools import wraps

from flask import current_app, g, request
from flask_babel import gettext as _
from sqlalchemy import select, update

from .. import audit
from ..extensions import db, login_manager
from ..models import ApiToken, Area, Role, User
from ..rules import RuleError
from ..timeutil import utcnow

PREFIX = "fa_"
LAST_USED_STEP = timedelta(minutes=10)


def token_readable(view):
    """Mark a GET route that an API token may call (besides a signed-in person). A new report route
    for the province is one more function with this decorator."""
    view.token_readable = True

    @wraps(view)
    def wrapper(*args, **kwargs):
        return view(*args, **kwargs)
    wrapper.token_readable = True
    return wrapper


class TokenPrincipal:
    """Who a token request is, for the routes' permission checks: a read-only viewer of the token's area."""
    is_authenticated = True
    is_active = True
    is_anonymous = False
    role = Role.PROVINCE_VIEWER
    id = None
    team = None
    team_id = None
    phone = None

    def __init__(self, token: ApiToken):
        self.token = token
        self.area = token.area
        self.area_id = token.area_id
        self.name = token.name

    @property
    def scope_area(self) -> Area:
        return self.area

    def get_id(self):
        return None  # never put in a session

    def __repr__(self) -> str:
        return f"<ApiToken {self.token.prefix}… area {self.area_id}>"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_token(actor: User, name: str, area: Area) -> tuple[ApiToken, str]:
    name = (name or "").strip()
    if not name:
        raise RuleError(_("Hãy đặt tên cho mã truy cập (hệ thống nào dùng nó)."))
    raw = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name[:120], prefix=raw[:10], token_hash=hash_token(raw), area_id=area.id,
                     created_by_id=actor.id)
    db.session.add(token)
    db.session.flush()
    audit.record(actor, "api_token_create", token, area_path=area.path,
                 after={"name": token.name, "area_id": area.id, "prefix": token.prefix})
    return token, raw


def revoke_token(actor: User, token: ApiToken, now: datetime) -> None:
    if token.revoked_at is not None:
        raise RuleError(_("Mã truy cập này đã bị thu hồi."))
    token.revoked_at = now
    token.revoked_by_id = actor.id
    audit.record(actor, "api_token_revoke", token, area_path=token.area.path,
                 after={"name": token.name, "prefix": token.prefix})


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip().startswith(PREFIX):
        return None
    return value.strip()


@login_manager.request_loader
def _load_token(_request):
    """Only GET (and HEAD) on a route marked @token_readable; anything else ignores the header."""
    raw = _bearer()
    if raw is None or request.method not in ("GET", "HEAD"):
        return None
    view = current_app.view_functions.get(request.endpoint or "")
    if not getattr(view, "token_readable", False):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    if token is None or token.revoked_at is not None or not hmac.compare_digest(token.token_hash, hash_token(raw)):
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_STEP:
        db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
        db.session.commit()
    g.api_token_id = token.id
    return TokenPrincipal(token)
