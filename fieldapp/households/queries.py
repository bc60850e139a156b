"""Reads about households: the village list with search and filters, and what a household achieved."""
from dataclasses import dataclass

from sqlalchemy import func, select

from ..counting import achieved_in, eligible, household_stats, live, live_households
from ..extensions import db
from ..models import Household, Service, Visit
from ..text import code_key, search_terms

FILTERS = ("unvisited", "revisit")


@dataclass
class HouseholdPage:
    items: list[Household]
    total: int
    page: int
    pages: int


def village_households(village_id: int, *, q: str | None = None, filter_: str | None = None,
                       page: int = 1, per_page: int = 50, names: bool = True) -> HouseholdPage:
    """names=False (a viewer who may not see residents' names): the search matches house codes only."""
    stmt = live_households().where(Household.village_id == village_id)
    searched = Household.search_text if names else func.lower(Household.code)
    for term in search_terms(q):
        stmt = stmt.where(searched.contains(term, autoescape=True))
    if filter_ == "unvisited":
        stmt = stmt.where(Household.last_visited_at.is_(None))
    elif filter_ == "revisit":
        stmt = stmt.where(Household.last_outcome.in_(("not_home", "revisit")))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    items = db.session.scalars(
        stmt.order_by(Household.code, Household.id).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return HouseholdPage(items=list(items), total=total, page=page, pages=pages)


def village_counts(village_id: int) -> dict[str, int]:
    row = db.session.execute(
        select(
            func.count(),
            func.count(Household.last_visited_at),
            func.count().filter(Household.last_outcome.in_(("not_home", "revisit"))),
        ).where(Household.village_id == village_id, live(Household))
    ).one()
    return {"total": row[0], "visited": row[1], "revisit": row[2]}


def household_visits(household_id: str, limit: int = 50) -> list[Visit]:
    return list(db.session.scalars(
        select(Visit).where(Visit.household_id == household_id, live(Visit))
        .order_by(Visit.visited_at.desc()).limit(limit)))


def active_services() -> list[Service]:
    return list(db.session.scalars(
        select(Service).where(Service.active.is_(True)).order_by(Service.sort_order, Service.id)))


def all_services() -> list[Service]:
    return list(db.session.scalars(select(Service).order_by(Service.sort_order, Service.id)))


def progress_rows(household: Household) -> list[dict]:
    """For the household page: each service with what was achieved and what is eligible."""
    done_by, stats = achieved_in(household.id), household_stats(household)
    rows = []
    for service in all_services():
        done = done_by.get(service.id, 0)
        if not service.active and not done:
            continue
        rows.append({"service": service, "done": done, "cap": eligible(service, stats)})
    return rows


def code_taken(village_id: int, code: str, exclude_id: str | None = None) -> str | None:
    """The code of another household of the village that is the same code once normalised
    (text.code_key: "H 001", "h001", "H０01"), or None."""
    stmt = select(Household.code).where(Household.village_id == village_id, Household.code_key == code_key(code))
    if exclude_id:
        stmt = stmt.where(Household.id != exclude_id)
    return db.session.scalar(stmt.limit(1))


def deleted_in_village(village_id: int, limit: int = 100) -> tuple[list[Household], list[Visit]]:
    """Soft-deleted households, and deleted visits of the remaining ones, newest first (for undo)."""
    households = db.session.scalars(
        select(Household).where(Household.village_id == village_id, ~live(Household))
        .order_by(Household.deleted_at.desc()).limit(limit)).all()
    visits = db.session.scalars(
        select(Visit).join(Household, Household.id == Visit.household_id)
        .where(Household.village_id == village_id, live(Household), ~live(Visit))
        .order_by(Visit.deleted_at.desc()).limit(limit)).all()
    return list(households), list(visits)


__all__ = ["FILTERS", "village_households", "village_counts",
           "household_visits", "active_services", "progress_rows", "code_taken", "deleted_in_village"]
