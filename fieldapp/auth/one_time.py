"""One-time sign-in: a leader shows a QR that signs a member in once, within 15 minutes, on the first phone
that opens it; the member then sets a new password. The raw token is never stored (only its hash)."""
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import cast

from flask_babel import gettext as _
from sqlalchemy import CursorResult, select, update

from .. import audit
from ..extensions import db
from ..models import OneTimeLogin, User
from ..qrcodes import plausible_token
from ..rules import RuleError

SIGN_IN_MINUTES = 15


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def one_time_login_by_token(token: str) -> OneTimeLogin | None:
    if not plausible_token(token):
        return None
    return db.session.scalar(select(OneTimeLogin).where(OneTimeLogin.token_hash == hash_token(token)))


def sign_in_problem(otl: OneTimeLogin, now: datetime) -> str | None:
    """Why a one-time sign-in cannot be used: "used", "expired", "inactive", or None."""
    if otl.used_at is not None:
        return "used"
    if otl.expires_at <= now:
        return "expired"
    if not otl.user.active:
        return "inactive"
    return None


def create_one_time_login(actor: User, member: User, now: datetime) -> tuple[OneTimeLogin, str]:
    """Returns the record and the raw token, which is shown once as a QR and never stored."""
    if member.id == actor.id:
        raise RuleError(_("Không thể tạo mã đăng nhập cho chính mình."))
    if not member.active:
        raise RuleError(_("%(name)s đã ngừng hoạt động.", name=member.name))
    # One live code per member: showing a new one retires the earlier ones.
    db.session.execute(update(OneTimeLogin).where(
        OneTimeLogin.user_id == member.id, OneTimeLogin.used_at.is_(None),
        OneTimeLogin.expires_at > now).values(expires_at=now))
    token = secrets.token_urlsafe(32)
    otl = OneTimeLogin(user_id=member.id, token_hash=hash_token(token), created_by_id=actor.id,
                       created_at=now, expires_at=now + timedelta(minutes=SIGN_IN_MINUTES))
    db.session.add(otl)
    db.session.flush()
    assert member.team is not None
    audit.record(actor, "signin_qr_create", otl, area_path=member.team.village.path,
                 after={"user_id": member.id, "expires_at": otl.expires_at.isoformat()})
    return otl, token


def bind_one_time_login(otl: OneTimeLogin, holder: str | None) -> str | None:
    """The browser opening the code holds it: returns a new holder secret for the first one (a conditional
    UPDATE, so two browsers at once cannot both hold it), None for the browser already holding it.
    RuleError for any other browser."""
    if otl.bound_hash is None:
        secret = secrets.token_urlsafe(24)
        result = cast(CursorResult, db.session.execute(update(OneTimeLogin).where(
            OneTimeLogin.id == otl.id, OneTimeLogin.bound_hash.is_(None),
        ).values(bound_hash=hash_token(secret)).execution_options(synchronize_session=False)))
        if result.rowcount == 1:
            db.session.refresh(otl)
            return secret
        db.session.refresh(otl)
    if holder and hmac.compare_digest(otl.bound_hash or "", hash_token(holder)):
        return None
    raise RuleError(_("Mã đăng nhập này đã được mở trên một điện thoại khác. Mỗi mã chỉ dùng được trên "
                      "điện thoại mở nó đầu tiên; hãy nhờ tổ trưởng tạo mã mới."))


def use_one_time_login(otl: OneTimeLogin, now: datetime) -> User:
    """Marks the code used; a conditional UPDATE, so two scans at once cannot both win."""
    result = cast(CursorResult, db.session.execute(update(OneTimeLogin).where(
        OneTimeLogin.id == otl.id, OneTimeLogin.used_at.is_(None), OneTimeLogin.expires_at > now,
    ).values(used_at=now).execution_options(synchronize_session=False)))
    member = otl.user
    if result.rowcount != 1 or not member.active:
        raise RuleError(_("Mã đăng nhập này đã được dùng hoặc đã hết hạn. Hãy nhờ tổ trưởng tạo mã mới."))
    db.session.refresh(otl)
    audit.record(member, "signin_qr_use", otl, area_path=member.team.village.path if member.team else "",
                 after={"user_id": member.id})
    return member


def retire_sign_in_codes(member: User, now: datetime) -> None:
    """A member who stops being active cannot use a one-time sign-in code made earlier."""
    db.session.execute(update(OneTimeLogin).where(
        OneTimeLogin.user_id == member.id, OneTimeLogin.used_at.is_(None)).values(expires_at=now))
