"""The rows behind a figure: the visits and households a tally counted, within the viewer's scope.

A page reads its 50 rows in index order (visits newest first, `ix_visits_visited`; households by village
and code) and takes its total from the counters the figure itself came from, not from a count of every
row: a province's first page costs what a village's does. A filter the counters do not hold (a service)
is counted up to COUNT_CAP rows.
"""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, func, select
from sqlalchemy.orm import contains_eager

from ..counting import day_bounds, live_households, live_visits
from ..extensions import db
from ..models import (
    Area,
    AreaStats,
    Assistance,
    Household,
    Service,
    TallyDay,
    TallyKind,
    TallyTotal,
    Visit,
    listed_visits,
)
from ..models.areas import within
from ..models.tallies import VISIT_ROW

PER_PAGE = 50
COUNT_CAP = 5000


@dataclass
class Page:
    items: list
    total: int | None   # None: more than COUNT_CAP (the figure is not one the counters hold)
    page: int
    pages: int


def _paged(stmt, order, page: int, total: int | None) -> Page:
    if total is None:
        total = db.session.execute(select(func.count()).select_from(stmt.limit(COUNT_CAP + 1).subquery())).scalar_one()
        total = None if total > COUNT_CAP else total
    pages = max(1, -(-(total if total is not None else COUNT_CAP) // PER_PAGE))
    page = min(max(page, 1), pages)
    items = list(db.session.scalars(stmt.order_by(*order).limit(PER_PAGE).offset((page - 1) * PER_PAGE)).unique())
    return Page(items, total, page, pages)


def _area_visits(area: Area, start: date | None, end: date | None, outcome: str | None) -> int:
    """Live visits of the area (with that outcome) on these local days, from its counters."""
    if start is None and end is None:
        column = getattr(TallyTotal, outcome) if outcome else TallyTotal.visits
        return int(db.session.execute(select(func.coalesce(func.sum(column), 0)).where(
            TallyTotal.kind == TallyKind.AREA, TallyTotal.ref_id == area.id, TallyTotal.service_id == VISIT_ROW)).scalar_one())
    column = getattr(TallyDay, outcome) if outcome else TallyDay.visits
    where = [TallyDay.kind == TallyKind.AREA, TallyDay.ref_id == area.id, TallyDay.service_id == VISIT_ROW]
    if start is not None:
        where.append(TallyDay.day >= start)
    if end is not None:
        where.append(TallyDay.day <= end)
    return int(db.session.execute(select(func.coalesce(func.sum(column), 0)).where(*where)).scalar_one())


def visits_behind(area: Area, *, start: date | None = None, end: date | None = None,
                  service: Service | None = None, outcome: str | None = None, team_id: int | None = None,
                  member_id: int | None = None, page: int = 1) -> Page:
    stmt = live_visits().join(Area, Area.id == Household.village_id).where(within(Area.path, area.path))
    lo, hi = day_bounds(start, end)
    if lo:
        stmt = stmt.where(Visit.visited_at >= lo)
    if hi:
        stmt = stmt.where(Visit.visited_at < hi)
    if outcome:
        stmt = stmt.where(Visit.outcome == outcome)
    if team_id:
        stmt = stmt.where(Visit.team_id == team_id)
    if member_id:
        stmt = stmt.where(Visit.member_id == member_id)
    if service is not None:
        stmt = stmt.where(exists().where(Assistance.visit_id == Visit.id, Assistance.service_id == service.id))
    # The area's own figure when nothing narrows it below the area; else a count (one team's or member's
    # visits are few, and a service's are counted up to COUNT_CAP).
    total = _area_visits(area, start, end, outcome) if not (team_id or member_id or service) else None
    if team_id or member_id:
        total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    return _paged(stmt.options(*listed_visits(household_joined=True)), (Visit.visited_at.desc(), Visit.id), page,
                  total)


def _area_households(area: Area, status: str) -> int:
    """Live households of the area, visited (reached by a live visit) or not, from its counters."""
    households = db.session.scalar(select(AreaStats.households).where(AreaStats.area_id == area.id)) or 0
    reached = db.session.scalar(select(TallyTotal.reached).where(
        TallyTotal.kind == TallyKind.AREA, TallyTotal.ref_id == area.id, TallyTotal.service_id == VISIT_ROW)) or 0
    return reached if status == "visited" else households - reached


def households_behind(area: Area, *, status: str = "unvisited", page: int = 1) -> Page:
    stmt = live_households().join(Area, Area.id == Household.village_id).where(within(Area.path, area.path))
    if status == "visited":
        stmt = stmt.where(Household.last_visited_at.is_not(None))
    else:
        stmt = stmt.where(Household.last_visited_at.is_(None))
    return _paged(stmt.options(contains_eager(Household.village)), (Area.name, Area.id, Household.code, Household.id),
                  page,
                  _area_households(area, status))
