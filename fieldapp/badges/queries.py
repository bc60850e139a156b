"""Reads for badges: the token look-up of the public check page, a member's live badge, the team's sheet."""
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from ..extensions import db
from ..models import Badge, User
from ..qrcodes import plausible_token


def badge_by_token(token: str) -> Badge | None:
    if not plausible_token(token):
        return None
    return db.session.scalar(select(Badge).where(Badge.token == token))


def live_badge(user_id: int) -> Badge | None:
    return db.session.scalar(select(Badge).where(Badge.user_id == user_id, Badge.revoked_at.is_(None)))


def active_badges(team_id: int) -> list[Badge]:
    return list(db.session.scalars(
        select(Badge).join(User, User.id == Badge.user_id).options(contains_eager(Badge.user))
        .where(Badge.team_id == team_id, Badge.revoked_at.is_(None), User.active.is_(True),
               User.team_id == team_id)
        .order_by(User.name, User.id)))


def members_without_badge(team_id: int) -> list[User]:
    return list(db.session.scalars(
        select(User).outerjoin(Badge, (Badge.user_id == User.id) & Badge.revoked_at.is_(None))
        .where(User.team_id == team_id, User.active.is_(True), Badge.id.is_(None))
        .order_by(User.name, User.id)))
