"""Dated facts, so a figure can be read as it was on a past day (a report "as of" its period's end).

The live tables say what is true now (area_stats, users.team_id, teams.village_id); these say since when:
- `area_stats_day`: the denominators' changes per area and local day (households added, edited, deleted,
  restored, moved by a village merge): the denominators as of a day are the sum of the rows up to it.
- `memberships`: each stint of a member in a team (joined, moved, left), by local day.
- `team_places`: each stint of a team in a village (created, moved by a merge, closed).
- `village_merges` and `merged_counters`: a merge moves the absorbed village's counters into the
  survivor's; the copy taken at the merge lets a report for a period before it show both villages as they were.
- `visit_late`: visits changed (entered, corrected, deleted, restored, their household deleted) on a later
  day than their own: what made a closed period's figures move after its last day.
"""
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from ..timeutil import utcnow
from .tallies import _Counters


class AreaStatsDay(Model):
    """The change of an area's denominators on one local day (deltas; the sum up to a day is the value then)."""
    __tablename__ = "area_stats_day"
    __table_args__ = {"sqlite_with_rowid": False}

    area_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    households: Mapped[int] = mapped_column(Integer, default=0)
    residents_total: Mapped[int] = mapped_column(Integer, default=0)
    residents_14plus: Mapped[int] = mapped_column(Integer, default=0)
    residents_18plus: Mapped[int] = mapped_column(Integer, default=0)
    smartphones: Mapped[int] = mapped_column(Integer, default=0)


class Membership(Model):
    """A member in a team from started_on (inclusive) to ended_on (exclusive; None: still there)."""
    __tablename__ = "memberships"
    __table_args__ = (Index("ix_memberships_team", "team_id", "started_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(20))  # moved | left | other


class TeamPlace(Model):
    """A team in a village from started_on (inclusive) to ended_on (exclusive; None: still there, open)."""
    __tablename__ = "team_places"
    __table_args__ = (Index("ix_team_places_village", "village_id", "started_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(20))  # merged | closed


class VillageMerge(Model):
    __tablename__ = "village_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    absorbed_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    survivor_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    merged_at: Mapped[datetime] = mapped_column(default=utcnow)
    merged_on: Mapped[date] = mapped_column(Date)  # local day


class MergedCounter(_Counters, Model):
    """The absorbed village's day counter rows as they were when its merge moved them to the survivor."""
    __tablename__ = "merged_counters"
    __table_args__ = {"sqlite_with_rowid": False}

    merge_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    service_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)


class VisitLate(Model):
    """A visit changed on a later local day than its own: first_day..last_day are the days it has had,
    changed_at its latest such change. A report ending on day E was moved by it when first_day <= E and
    changed_at is after E."""
    __tablename__ = "visit_late"
    __table_args__ = (
        Index("ix_visit_late_commune", "commune_id", "changed_at", "first_day"),
        Index("ix_visit_late_province", "province_id", "changed_at", "first_day"),
    )

    visit_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    household_id: Mapped[str] = mapped_column(String(36), index=True)
    commune_id: Mapped[int] = mapped_column(Integer)
    province_id: Mapped[int] = mapped_column(Integer)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    changed_at: Mapped[datetime] = mapped_column(info={"clock": True})  # the wall clock at the change
