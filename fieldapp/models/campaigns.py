from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..timeutil import utcnow
from .areas import Area
from .services import Service


class Campaign(Model):
    """An emulation campaign (đợt thi đua) over a commune or a whole province."""
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set once when results are frozen; later edits of visits no longer change them.
    frozen_at: Mapped[datetime | None]
    snapshot: Mapped[dict | None] = mapped_column(JSON)
    # Set when the organiser undoes a freeze: the automatic freeze of ended campaigns leaves it alone.
    reopened_at: Mapped[datetime | None]

    area: Mapped[Area] = relationship()
    services: Mapped[list["CampaignService"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin")


class CampaignService(Model):
    """A service the campaign counts, with its points."""
    __tablename__ = "campaign_services"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), primary_key=True)
    points: Mapped[int] = mapped_column(default=1)

    service: Mapped[Service] = relationship()


class CampaignTarget(Model):
    """A village's target for one service in a campaign; without one, the target is the eligible residents."""
    __tablename__ = "campaign_targets"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), primary_key=True)
    target: Mapped[int]
