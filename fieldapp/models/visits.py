from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, contains_eager, joinedload, mapped_column, relationship, selectinload

from ..extensions import Model
from ..timeutil import utcnow
from ..visits.rules import MAX_NOTE
from .households import Household, new_uuid
from .people import Team, User
from .services import Service


class Visit(Model):
    """One door knock. The id is made by the client so a resend is recognised."""
    __tablename__ = "visits"
    __table_args__ = (
        Index("ix_visits_household_visited", "household_id", "visited_at"),
        Index("ix_visits_member_received", "member_id", "received_at"),
        Index("ix_visits_team_visited", "team_id", "visited_at"),
        # The drill-down's newest-first page of a commune or a province: a walk, not a sort of every visit.
        Index("ix_visits_visited", "visited_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    household_id: Mapped[str] = mapped_column(ForeignKey("households.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    visited_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(MAX_NOTE))
    # "Hẹn quay lại" / "Không có nhà": the local day the member will come back (None: not said).
    return_on: Mapped[date | None] = mapped_column(Date)
    # Entered from a paper walk sheet by this user (the leader), credited to member_id who made it.
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Soft delete: a deleted visit counts nowhere (caps, lists, tallies) until it is restored.
    deleted_at: Mapped[datetime | None]
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    household: Mapped[Household] = relationship()
    member: Mapped[User] = relationship(foreign_keys=[member_id])
    team: Mapped[Team] = relationship()
    assists: Mapped[list["Assistance"]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", lazy="selectin")

    def counts(self) -> dict[int, int]:
        return {a.service_id: a.count for a in self.assists}


class Assistance(Model):
    """How many people (or dossiers) a visit helped with one service."""
    __tablename__ = "assistance"
    __table_args__ = (
        UniqueConstraint("visit_id", "service_id"),
        CheckConstraint("count > 0", name="positive_count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of its own: the unique (visit_id, service_id) serves every lookup by visit (migration 0024).
    visit_id: Mapped[str] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    count: Mapped[int]

    visit: Mapped[Visit] = relationship(back_populates="assists")
    service: Mapped[Service] = relationship()


def listed_visits(household_joined: bool = False) -> tuple:
    """Loader options for visits shown as rows of a list (code and village of the household, the member's
    name, each help with its service): a fixed number of statements whatever the number of rows.
    `household_joined`: the query already joins the household and its village (Area) to filter on them;
    they are read from that join, not joined a second time (PostgreSQL would then test the area path on a
    scan of the second join: tests/test_query_plans.py)."""
    household = (contains_eager(Visit.household).contains_eager(Household.village) if household_joined
                 else joinedload(Visit.household).joinedload(Household.village))
    return (household, joinedload(Visit.member), selectinload(Visit.assists).joinedload(Assistance.service))
