"""Reads for joining a team: the join link by its token, the team's live link, pending requests."""
from sqlalchemy import func, select

from ..extensions import db
from ..models import JoinRequest, JoinStatus, TeamInvite, User
from ..qrcodes import plausible_token


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
    return db.session.execute(select(func.count()).select_from(JoinRequest).where(
        JoinRequest.team_id == team_id, JoinRequest.status == JoinStatus.PENDING)).scalar_one()


def pending_requests(team_id: int) -> list[JoinRequest]:
    return list(db.session.scalars(select(JoinRequest).where(
        JoinRequest.team_id == team_id, JoinRequest.status == JoinStatus.PENDING)
        .order_by(JoinRequest.created_at, JoinRequest.id)))
