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


def commune_of(team: Team) -> Area | None:
    return team.village.parent
