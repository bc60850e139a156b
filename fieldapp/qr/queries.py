"""Reads for the QR features: token look-ups, the leader's member list, the sticker sheet."""
import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from ..extensions import db
from ..models import (Area, Badge, Household, HouseholdTag, JoinRequest, JoinStatus, OneTimeLogin,
                      Team, TeamInvite, User)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _plausible(token: str) -> bool:
    """Cheap guard before a query: our tokens are short url-safe strings."""
    return 16 <= len(token) <= 64


def invite_by_token(token: str) -> TeamInvite | None:
    if not _plausible(token):
        return None
    return db.session.scalar(select(TeamInvite).where(TeamInvite.token == token))


def live_invite(team_id: int) -> TeamInvite | None:
    return db.session.scalar(select(TeamInvite).where(
        TeamInvite.team_id == team_id, TeamInvite.revoked_at.is_(None)))


def badge_by_token(token: str) -> Badge | None:
    if not _plausible(token):
        return None
    return db.session.scalar(select(Badge).where(Badge.token == token))


def live_badge(user_id: int) -> Badge | None:
    return db.session.scalar(select(Badge).where(Badge.user_id == user_id, Badge.revoked_at.is_(None)))


def one_time_login_by_token(token: str) -> OneTimeLogin | None:
    if not _plausible(token):
        return None
    return db.session.scalar(select(OneTimeLogin).where(OneTimeLogin.token_hash == hash_token(token)))


def household_by_tag(token: str) -> Household | None:
    if not _plausible(token):
        return None
    return db.session.scalar(select(Household).join(HouseholdTag, HouseholdTag.household_id == Household.id)
                             .where(HouseholdTag.token == token))


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


def village_team_names(village_id: int) -> list[str]:
    return list(db.session.scalars(select(Team.name).where(Team.village_id == village_id, Team.active.is_(True))
                                   .order_by(Team.name, Team.id)))


def commune_of(team: Team) -> Area | None:
    return team.village.parent


@dataclass
class StickerPage:
    items: list[tuple[Household, str]]
    untagged: int
    total: int
    page: int
    pages: int


def sticker_page(village_id: int, page: int = 1, per_page: int = 120) -> StickerPage:
    """Households of the village that have a sticker token, by house code; five A4 sheets a page."""
    base = (select(Household, HouseholdTag.token)
            .join(HouseholdTag, HouseholdTag.household_id == Household.id)
            .where(Household.village_id == village_id))
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    all_households = db.session.scalar(
        select(func.count()).select_from(Household).where(Household.village_id == village_id))
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    items = db.session.execute(base.order_by(Household.code, Household.id)
                               .limit(per_page).offset((page - 1) * per_page)).all()
    return StickerPage(items=[(h, t) for h, t in items], untagged=all_households - total,
                       total=total, page=page, pages=pages)


def untagged_households(village_id: int) -> list[Household]:
    return list(db.session.scalars(
        select(Household).outerjoin(HouseholdTag, HouseholdTag.household_id == Household.id)
        .where(Household.village_id == village_id, HouseholdTag.id.is_(None))))


def sign_in_problem(otl: OneTimeLogin, now: datetime) -> str | None:
    """Why a one-time sign-in cannot be used: "used", "expired", "inactive", or None."""
    if otl.used_at is not None:
        return "used"
    if otl.expires_at <= now:
        return "expired"
    if not otl.user.active:
        return "inactive"
    return None
