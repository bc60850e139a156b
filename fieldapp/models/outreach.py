from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Index, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model, db
from ..timeutil import utcnow
from .areas import Area
from .people import Team
from .services import Service


class SessionKind:
    """Outreach besides door-to-door visits."""
    MEETING = "meeting"        # buổi tuyên truyền
    TRAINING = "training"      # tập huấn
    HELP_POINT = "help_point"  # điểm hỗ trợ tại nhà văn hóa
    BROADCAST = "broadcast"    # phát thanh loa (attendees optional)
    ALL = (MEETING, TRAINING, HELP_POINT, BROADCAST)


outreach_session_services = Table(
    "outreach_session_services", db.metadata,
    Column("session_id", Integer, ForeignKey("outreach_sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", Integer, ForeignKey("services.id"), primary_key=True),
)


class OutreachSession(Model):
    """A propaganda meeting, training, help point or loudspeaker broadcast held by a team in its village."""
    __tablename__ = "outreach_sessions"
    __table_args__ = (
        Index("ix_outreach_village_held", "village_id", "held_on"),
        CheckConstraint("attendees >= 0", name="attendees_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    held_on: Mapped[date] = mapped_column(Date)  # local (Vietnam) date
    kind: Mapped[str] = mapped_column(String(20))
    topic: Mapped[str] = mapped_column(String(200))
    place: Mapped[str | None] = mapped_column(String(200))
    attendees: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime | None]
    # Soft delete: a deleted session counts nowhere.
    deleted_at: Mapped[datetime | None]
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    team: Mapped[Team] = relationship()
    village: Mapped[Area] = relationship()
    services: Mapped[list[Service]] = relationship(secondary=outreach_session_services, lazy="selectin",
                                                   order_by="Service.sort_order")
