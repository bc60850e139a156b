"""Issuing badges (a new one retires the old QR at once) and counting residents' checks."""
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..extensions import db
from ..models import Badge, Team, User
from ..qrcodes import new_token
from ..rules import RuleError
from .queries import live_badge, members_without_badge


def issue_badge(actor: User | None, member: User, now: datetime) -> Badge:
    """A new badge; the QR of the previous one stops verifying at once."""
    if not member.active or member.team is None:
        raise RuleError(_("Chỉ cấp thẻ cho thành viên đang hoạt động của một tổ."))
    old = live_badge(member.id)
    if old is not None:
        old.revoked_at = now
        db.session.flush()
    badge = Badge(user_id=member.id, team_id=member.team_id, token=new_token(), issued_at=now,
                  issued_by_id=actor.id if actor else None)
    db.session.add(badge)
    try:
        db.session.flush()
    except IntegrityError:
        raise RuleError(_("Thẻ vừa được cấp ở một máy khác. Hãy tải lại trang.")) from None
    audit.record(actor, "badge_reissue" if old else "badge_issue", badge, area_path=member.team.village.path,
                 before={"badge_id": old.id} if old else None, after={"user_id": member.id})
    return badge


def issue_missing_badges(actor: User, team: Team, now: datetime) -> int:
    """A badge for every active member of the team who has none (members from before badges)."""
    missing = members_without_badge(team.id)
    for member in missing:
        issue_badge(actor, member, now)
    return len(missing)


def count_badge_view(badge: Badge, now: datetime) -> None:
    """One atomic increment; the page needs no read-modify-write."""
    db.session.execute(update(Badge).where(Badge.id == badge.id)
                       .values(views=Badge.views + 1, last_viewed_at=now)
                       .execution_options(synchronize_session=False))
