"""Reads for the QR features: token look-ups, the leader's member list, the sticker sheet."""
import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from ..extensions import db
from ..qrcodes import plausible_token
from ..models import (Area, Badge, Household, HouseholdTag, JoinRequest, JoinStatus, OneTimeLogin,
                      Team, TeamInvite, User)


def invite_by_token(token: str) -> TeamInvite | None:
    if not plausible_token(token):
        return None
    return db.session.scalar(select(TeamInvite).where(TeamInvite.token == token))


def live_invite(team_id: int) -> TeamInvite | None:
    return db.session.scalar(select(TeamInvite).where(
        TeamInvite.team_id == team_id, TeamInvite.revoked_at.is_(None)))


def phone_taken(phone: str) -> bool:
    return db.session.scalar(select(User.id).where(User.phone == phone)) is not None


def pending_request_for_phone(phone: str) -> JoinRequest | None:
    return db.session.scalar(select(JoinRequest).where(
        JoinRequest.phone == phone, JoinRequest.status == JoinStatus.PENDING).limit(1))


def pending_count(team_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(JoinRequest).where(
        JoinRequest.team_id == team_id, JoinRequest.status == JoinStatus.PENDING))


def pending_requests(team_id: int) -> list[JoinRequest]:
    return list(db.session.scalars(select(JoinRequest).where(
        JoinRequest.team_id == team_id, JoinRequest.status == JoinStatus.PENDING)
        .order_by(JoinRequest.created_at, JoinRequest.id)))


@dataclass
class MemberRow:
    user: User
    badge: Badge | None
    all_views: int  # residents' checks over every badge the member ever had


def team_members(team_id: int) -> list[MemberRow]:
    """Members with their live badge and how often residents checked it: one query."""
    totals = (select(Badge.user_id, func.sum(Badge.views).label("views"))
              .group_by(Badge.user_id).subquery())
    rows = db.session.execute(
        select(User, Badge, totals.c.views)
        .outerjoin(Badge, (Badge.user_id == User.id) & Badge.revoked_at.is_(None))
        .outerjoin(totals, totals.c.user_id == User.id)
        .where(User.team_id == team_id)
        .order_by(User.active.desc(), User.name, User.id))
    return [MemberRow(user=u, badge=b, all_views=int(v or 0)) for u, b, v in rows]


def commune_of(team: Team) -> Area | None:
    return team.village.parent
