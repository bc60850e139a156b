from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..timeutil import utcnow
from .areas import Area
from .campaigns import Campaign


class Notice(Model):
    """A short notice from the commune officer to the commune's teams (or to a campaign's teams there)."""
    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_commune_expires", "commune_id", "expires_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    # Set: addressed to the teams taking part in this campaign (within the commune).
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(String(1000), default="")
    # The last local (Vietnam) day it shows on home screens.
    expires_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Archived by the officer: off the home screens at once, kept for the record.
    archived_at: Mapped[datetime | None]
    archived_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    commune: Mapped[Area] = relationship()
    campaign: Mapped[Campaign | None] = relationship()


class NoticeSeen(Model):
    """A member or leader has read a notice ("đã xem"): once per person, kept by the primary key."""
    __tablename__ = "notice_seen"

    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
