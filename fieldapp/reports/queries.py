"""The periodic report (báo cáo định kỳ) of a commune or a province: one query function, three renderers.

Every figure about visits comes from the tally counters (fieldapp/tallies/queries.py), so the report
equals the dashboards; sessions come from one grouped query on the sessions table. The number of
queries is fixed (about a dozen per period), whatever the number of villages, teams or visits.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select

from ..counting import day_bounds, live_visits, period_start, share
from ..extensions import db
from ..models import Area, AreaLevel, Household, Role, Service, TallyDay, TallyKind, Team, User, Visit
from ..models.tallies import VISIT_ROW
from ..outreach.queries import SessionSums, active_team_ids, session_sums
from ..tallies.operations import area_ids
from ..tallies.queries import Tally, area_tallies, children, services_for_tallies

PERIODS = ("quarter", "year", "review", "custom")
REVIEW_MONTH, REVIEW_DAY = 10, 10   # the yearly review of the teams is on 10 October
COVERAGE_CODES = ("vneid", "payment", "skills5")
DOSSIER_CODE = "dvc"
MAX_DAYS = 732


def period_dates(key: str, on: date) -> tuple[date, date]:
    """Quick picks, ending on `on` (today): this quarter, this year, since the last 10 October."""
    if key == "quarter":
        return period_start("q", on), on
    if key == "year":
        return date(on.year, 1, 1), on
    if key == "review":
        review = date(on.year, REVIEW_MONTH, REVIEW_DAY)
        return (review if on >= review else date(on.year - 1, REVIEW_MONTH, REVIEW_DAY)), on
    raise ValueError(key)


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period of the same length just before."""
    days = (end - start).days + 1
    prev_end = start - timedelta(days=1)
    return prev_end - timedelta(days=days - 1), prev_end


@dataclass
class Coverage:
    service: Service
    helped_ever: int
    eligible: int | None

    @property
    def rate(self) -> float | None:
        """As it is: the cap keeps it at most 1, and a figure above would be a fault to see, not to hide."""
        return share(self.helped_ever, self.eligible)


@dataclass
class Row:
    """The figures of one area over one period."""
    area: Area
    tally: Tally
    teams_active: int = 0
    teams_total: int = 0
    members_active: int = 0
    members_total: int = 0
    villages_covered: int = 0
    villages_total: int = 0
    households_visited: int = 0    # households with a visit in the period
    sessions: SessionSums = field(default_factory=SessionSums)

    @property
    def households(self) -> int:
        return self.tally.households

    def people(self, service: Service) -> int:
        st = self.tally.services.get(service.id)
        return st.people if st else 0

    def people_ever(self, service: Service) -> int:
        st = self.tally.services.get(service.id)
        return st.people_ever if st else 0

    def coverage(self, service: Service) -> Coverage:
        st = self.tally.services.get(service.id)
        eligible = st.eligible if st else None
        return Coverage(service, st.people_ever if st else 0, eligible)


@dataclass
class Report:
    area: Area
    start: date
    end: date
    prev_start: date
    prev_end: date
    services: list[Service]
    total: Row
    previous: Row
    rows: list[Row]               # villages (commune report) or communes (province report)

    @property
    def child_level(self) -> str:
        return AreaLevel.VILLAGE if self.area.level == AreaLevel.COMMUNE else AreaLevel.COMMUNE

    @property
    def coverage_services(self) -> list[Service]:
        by_code = {s.code: s for s in self.services}
        return [by_code[c] for c in COVERAGE_CODES if c in by_code]

    @property
    def dossier_service(self) -> Service | None:
        return next((s for s in self.services if s.code == DOSSIER_CODE), None)


def _child_of(depth: int, path: str) -> int | None:
    ids = area_ids(path)
    return ids[depth] if len(ids) > depth else None


def _active_refs(kind: str, ref_ids_stmt, start: date, end: date) -> set[int]:
    """Owners (teams, members, villages) with at least one visit in the period, from the counters."""
    return set(db.session.scalars(
        select(TallyDay.ref_id).distinct()
        .where(TallyDay.kind == kind, TallyDay.service_id == VISIT_ROW, TallyDay.visits > 0,
               TallyDay.day >= start, TallyDay.day <= end, TallyDay.ref_id.in_(ref_ids_stmt))))


def _rows(area: Area, kids: list[Area], start: date, end: date, services: list[Service]) -> dict[int, Row]:
    tallies = area_tallies([area, *kids], start, end, services)
    rows = {a.id: Row(area=a, tally=tallies[a.id]) for a in (area, *kids)}
    depth = len(area_ids(area.path))

    def bump(path: str, attr: str) -> None:
        for ref in (area.id, _child_of(depth, path)):
            if ref in rows:
                setattr(rows[ref], attr, getattr(rows[ref], attr) + 1)

    inside = Area.path.startswith(area.path)
    # Active teams of the area's villages, and those with a visit or a session in the period.
    team_ids = select(Team.id).join(Area, Area.id == Team.village_id).where(inside, Team.active.is_(True))
    busy = _active_refs(TallyKind.TEAM, team_ids, start, end) | active_team_ids(area, start, end)
    team_paths = {}
    for team_id, path in db.session.execute(
            select(Team.id, Area.path).join(Area, Area.id == Team.village_id).where(inside, Team.active.is_(True))):
        team_paths[team_id] = path
        bump(path, "teams_total")
        if team_id in busy:
            bump(path, "teams_active")
    # Active members of those teams, and those with a visit in the period.
    member_ids = select(User.id).where(User.team_id.in_(team_ids), User.active.is_(True),
                                       User.role.in_(Role.TEAM_ROLES))
    visiting = _active_refs(TallyKind.MEMBER, member_ids, start, end)
    for user_id, team_id in db.session.execute(select(User.id, User.team_id).where(User.id.in_(member_ids))):
        bump(team_paths[team_id], "members_total")
        if user_id in visiting:
            bump(team_paths[team_id], "members_active")
    # Villages (not archived), and those with a visit in the period.
    village_ids = select(Area.id).where(inside, Area.level == AreaLevel.VILLAGE, Area.archived_at.is_(None))
    covered = _active_refs(TallyKind.AREA, village_ids, start, end)
    for village_id, path in db.session.execute(select(Area.id, Area.path).where(Area.id.in_(village_ids))):
        bump(path, "villages_total")
        if village_id in covered:
            bump(path, "villages_covered")
    # Households with at least one (live) visit in the period: the counters hold first visits only.
    lo, hi = day_bounds(start, end)
    for path, n in db.session.execute(
            live_visits(Area.path, func.count(func.distinct(Visit.household_id)))
            .join(Area, Area.id == Household.village_id)
            .where(inside, Visit.visited_at >= lo, Visit.visited_at < hi).group_by(Area.path)):
        for ref in (area.id, _child_of(depth, path)):
            if ref in rows:
                rows[ref].households_visited += int(n or 0)
    for ref, sums in session_sums(area, start, end, kids).items():
        rows[ref].sessions = sums
    return rows


def build_report(area: Area, start: date, end: date, services: list[Service] | None = None) -> Report:
    services = services if services is not None else services_for_tallies()
    kids = children(area) if area.level != AreaLevel.VILLAGE else []
    rows = _rows(area, kids, start, end, services)
    prev_start, prev_end = previous_period(start, end)
    previous = _rows(area, [], prev_start, prev_end, services)[area.id]
    return Report(area=area, start=start, end=end, prev_start=prev_start, prev_end=prev_end, services=services,
                  total=rows[area.id], previous=previous, rows=[rows[k.id] for k in kids])
