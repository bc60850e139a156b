"""Tokens behind the QR codes: team join links, join requests, one-time sign-ins, badges, stickers.

No QR carries a database id: each carries a random token of at least 128 bits.
"""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..timeutil import utcnow
from .households import Household
from .people import Team, User


class TeamInvite(Model):
    """The join link of a team, printed on a poster. Rotating it revokes the old one."""
    __tablename__ = "team_invites"
    __table_args__ = (
        # At most one live link per team, kept by the database, not by a read-then-write.
        Index("ix_team_invites_one_live", "team_id", unique=True,
              sqlite_where=text("revoked_at IS NULL"), postgresql_where=text("revoked_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    # Shown again on every reprint of the poster, so kept as is (random, 128 bits).
    token: Mapped[str] = mapped_column(String(64), unique=True)
    auto_approve: Mapped[bool] = mapped_column(default=False)
    expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None]

    team: Mapped[Team] = relationship()

    def problem(self, now: datetime) -> str | None:
        """Why the link cannot be used now: "revoked", "expired", "team_inactive", or None."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        if not self.team.active:
            return "team_inactive"
        return None


class JoinStatus:
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


class JoinRequest(Model):
    """Someone who scanned the poster. The User is only created when the request is approved."""
    __tablename__ = "join_requests"
    __table_args__ = (Index("ix_join_requests_team_status", "team_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invite_id: Mapped[int] = mapped_column(ForeignKey("team_invites.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(15), index=True)
    # Cleared when the request is refused.
    password_hash: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default=JoinStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    team: Mapped[Team] = relationship()


class OneTimeLogin(Model):
    """A sign-in QR a leader shows for one member: works once, for 15 minutes. Only the hash is kept."""
    __tablename__ = "one_time_logins"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    # The first browser that opens the code holds it (hash of a cookie): a copy of the link, read in a
    # log or over a shoulder after the member opened it, cannot be used from elsewhere.
    bound_hash: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class Badge(Model):
    """A member's printed badge; its QR opens the public verification page."""
    __tablename__ = "badges"
    __table_args__ = (
        Index("ix_badges_one_live", "user_id", unique=True,
              sqlite_where=text("revoked_at IS NULL"), postgresql_where=text("revoked_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The team printed on the badge: a member who moves to another team needs a new badge.
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None]
    views: Mapped[int] = mapped_column(default=0)
    last_viewed_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    team: Mapped[Team] = relationship()


class HouseholdTag(Model):
    """The token on a household's door sticker; the sticker carries nothing else personal."""
    __tablename__ = "household_tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[str] = mapped_column(ForeignKey("households.id"), unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    household: Mapped[Household] = relationship()
