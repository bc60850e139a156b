"""The rows behind a figure: the visits and households a tally counted, within the viewer's scope."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import exists, func, select

from ..extensions import db
from ..models import Area, Assistance, Household, Service, Visit
from ..timeutil import from_local

PER_PAGE = 50


@dataclass
class Page:
    items: list
    total: int
    page: int
    pages: int


def _paged(stmt, order, page: int) -> Page:
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)
    items = list(db.session.scalars(stmt.order_by(*order).limit(PER_PAGE).offset((page - 1) * PER_PAGE)).unique())
    return Page(items, total, page, pages)


def day_bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """Local days to naive-UTC instants: [start 00:00, end+1 00:00) in Vietnam time."""
    lo = from_local(datetime.combine(start, time())) if start else None
    hi = from_local(datetime.combine(end + timedelta(days=1), time())) if end else None
    return lo, hi


def visits_behind(area: Area, *, start: date | None = None, end: date | None = None,
                  service: Service | None = None, outcome: str | None = None, team_id: int | None = None,
                  member_id: int | None = None, page: int = 1) -> Page:
    stmt = (select(Visit).join(Household, Household.id == Visit.household_id)
            .join(Area, Area.id == Household.village_id).where(Area.path.startswith(area.path)))
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
    return _paged(stmt, (Visit.visited_at.desc(), Visit.id), page)


def households_behind(area: Area, *, status: str = "unvisited", page: int = 1) -> Page:
    stmt = (select(Household).join(Area, Area.id == Household.village_id)
            .where(Area.path.startswith(area.path)))
    if status == "visited":
        stmt = stmt.where(Household.last_visited_at.is_not(None))
    else:
        stmt = stmt.where(Household.last_visited_at.is_(None))
    return _paged(stmt, (Area.name, Household.code, Household.id), page)
