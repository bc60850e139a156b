"""The rows behind a figure: the visits and households a tally counted, within the viewer's scope."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, func, select

from ..counting import day_bounds, live_households, live_visits
from ..extensions import db
from ..models import Area, Assistance, Household, Service, Visit

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


def visits_behind(area: Area, *, start: date | None = None, end: date | None = None,
                  service: Service | None = None, outcome: str | None = None, team_id: int | None = None,
                  member_id: int | None = None, page: int = 1) -> Page:
    stmt = live_visits().join(Area, Area.id == Household.village_id).where(Area.path.startswith(area.path))
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
    stmt = live_households().join(Area, Area.id == Household.village_id).where(Area.path.startswith(area.path))
    if status == "visited":
        stmt = stmt.where(Household.last_visited_at.is_not(None))
    else:
        stmt = stmt.where(Household.last_visited_at.is_(None))
    return _paged(stmt, (Area.name, Household.code, Household.id), page)
