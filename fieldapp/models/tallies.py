from datetime import date, datetime

from sqlalchemy import Date, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model


class TallyKind:
    """Who a counter row belongs to: an area (village, commune or province), a team, a member."""
    AREA = "area"
    TEAM = "team"
    MEMBER = "member"


VISIT_ROW = 0  # service_id of the row that counts the visits themselves

# Period rollups: besides its day rows, a team, a member and a commune (the parent of a visit's
# village) has one tally_day row per ISO week, month and quarter, with kind "<kind>:<period>"
# (e.g. "team:w") and day = the first day of the period. A leaderboard for a week, a month or a
# quarter reads one row per (owner, service) instead of one per day, whatever the number of visits.
ROLLUPS = ("w", "m", "q")
ROLLED_KINDS = (TallyKind.AREA, TallyKind.TEAM, TallyKind.MEMBER)


# The day rows read by day for many owners (leaderboards.queries._by_day): the members' and the teams'.
BY_DAY_KINDS = (TallyKind.MEMBER, TallyKind.TEAM)
SERVICE_ROWS_BY_DAY = "service_id <> 0 AND kind IN ('member', 'team')"


def rollup_kind(kind: str, period: str) -> str:
    return f"{kind}:{period}"


class _Counters:
    visits: Mapped[int] = mapped_column(Integer, default=0)
    helped: Mapped[int] = mapped_column(Integer, default=0)
    not_home: Mapped[int] = mapped_column(Integer, default=0)
    declined: Mapped[int] = mapped_column(Integer, default=0)
    revisit: Mapped[int] = mapped_column(Integer, default=0)
    # Households visited for the first time (service row 0 only).
    reached: Mapped[int] = mapped_column(Integer, default=0)
    # People (or dossiers) helped (service rows only).
    people: Mapped[int] = mapped_column(Integer, default=0)


class TallyDay(_Counters, Model):
    """Counters per owner, service and local day; updated in the same transaction as each visit.

    A tally over any range reads (owners x days x services) rows, never the visits. Rows whose kind
    is a rollup kind ("team:w", "member:m", "area:q" ...) hold the sums of a whole period (ROLLUPS).
    """
    __tablename__ = "tally_day"
    # Who had a visit in a range (a report's active members and teams): the visit rows of one kind by day,
    # an index range per period of the cover for a whole province's owners, never the service rows.
    __table_args__ = (
        Index("ix_tally_day_visit_rows", "kind", "day", "ref_id", "visits",
              postgresql_where=text("service_id = 0"), sqlite_where=text("service_id = 0")),
        # A province's campaign board (5,000 teams, 25,000 members): their service rows of a campaign's days, one
        # index range by day (leaderboards.queries._by_day), not a range of the primary key per owner.
        Index("ix_tally_day_service_rows", "kind", "day", "ref_id", "service_id", "people",
              postgresql_where=text(SERVICE_ROWS_BY_DAY), sqlite_where=text(SERVICE_ROWS_BY_DAY)),
        {"sqlite_with_rowid": False},
    )

    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    ref_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    service_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)


class TallyTotal(_Counters, Model):
    """All-time counters per owner and service: "people helped ever", households reached."""
    __tablename__ = "tally_total"
    __table_args__ = {"sqlite_with_rowid": False}

    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    ref_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    service_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)


class HouseholdReach(Model):
    """Each household's first live visit (its time, local day, team and member), so "reached" moves
    when visits are edited. first_at lets a new visit be compared with the first without reading it:
    only a visit at the very same time (or a row from before first_at existed: NULL) reads the visits."""
    __tablename__ = "household_reach"
    __table_args__ = {"sqlite_with_rowid": False}

    household_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    first_day: Mapped[date] = mapped_column(Date)
    team_id: Mapped[int]
    member_id: Mapped[int]
    first_at: Mapped[datetime | None]  # visited_at (naive UTC) of the first visit


class AreaStats(Model):
    """Denominators per area (every level): households, residents by age group, smartphones."""
    __tablename__ = "area_stats"
    __table_args__ = {"sqlite_with_rowid": False}

    area_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    households: Mapped[int] = mapped_column(default=0)
    residents_total: Mapped[int] = mapped_column(default=0)
    residents_14plus: Mapped[int] = mapped_column(default=0)
    residents_18plus: Mapped[int] = mapped_column(default=0)
    smartphones: Mapped[int] = mapped_column(default=0)  # as the households declare them
