"""Reads about households: the village list with search and filters, and what a household achieved."""
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import case, func, select

from ..counting import (
    achieved_in,
    come_back_sql,
    due_back_sql,
    eligible,
    household_stats,
    live,
    live_households,
    remaining,
    remaining_sql,
    today,
)
from ..extensions import db
from ..models import Household, Visit
from ..services.queries import active_services, all_services
from ..text import code_key, search_terms

# "all" is no filter; "mine": assigned to the user; "due": the return day has come (today or overdue).
FILTERS = ("all", "mine", "unvisited", "revisit", "due", "remaining")
SORTS = ("code", "last")  # by house code, or by days since the last visit (never visited first)
LONG_SINCE_DAYS = 30  # a household not visited for this many days is marked on the list


@dataclass
class HouseholdPage:
    items: list[Household]
    total: int
    page: int
    pages: int


def filtered(stmt, filter_: str | None, *, on: date, user_id: int | None = None, q: str | None = None,
             names: bool = True):
    """The village list's search words and filter on a SELECT of households (the list, the walk sheet,
    the assignment by filter). names=False (a viewer who may not see residents' names): the search
    matches house codes only."""
    searched = Household.search_text if names else func.lower(Household.code)
    for term in search_terms(q):
        stmt = stmt.where(searched.contains(term, autoescape=True))
    if filter_ == "mine":
        stmt = stmt.where(Household.assignee_id == user_id)
    elif filter_ == "unvisited":
        stmt = stmt.where(Household.last_visited_at.is_(None))
    elif filter_ == "revisit":
        stmt = stmt.where(come_back_sql())
    elif filter_ == "due":
        stmt = stmt.where(due_back_sql(on))
    elif filter_ == "remaining":
        stmt = stmt.where(remaining_sql())
    return stmt


def village_households(village_id: int, *, q: str | None = None, filter_: str | None = None,
                       page: int = 1, per_page: int = 50, sort: str = "code", on: date | None = None,
                       user_id: int | None = None, names: bool = True) -> HouseholdPage:
    stmt = filtered(live_households().where(Household.village_id == village_id), filter_, on=on or today(),
                    user_id=user_id, q=q, names=names)
    total = db.session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    order: list[Any] = [Household.code, Household.id]
    if sort == "last":  # the longest without a visit first; never visited before all
        order = [case((Household.last_visited_at.is_(None), 0), else_=1), Household.last_visited_at] + order
    items = db.session.scalars(stmt.order_by(*order).limit(per_page).offset((page - 1) * per_page)).all()
    return HouseholdPage(items=list(items), total=total, page=page, pages=pages)


def village_counts(village_id: int, on: date, user_id: int | None = None) -> dict[str, int]:
    row = db.session.execute(
        select(
            func.count(),
            func.count(Household.last_visited_at),
            func.count().filter(come_back_sql()),
            func.count().filter(due_back_sql(on)),
            func.count().filter(Household.assignee_id == user_id) if user_id else func.sum(0),
        ).where(Household.village_id == village_id, live(Household))
    ).one()
    return {"total": row[0], "visited": row[1], "revisit": row[2], "due": row[3], "mine": int(row[4] or 0)}


def due_households(village_id: int, on: date, *, assignee_id: int | None = None, limit: int = 8) -> list[Household]:
    """Hôm nay cần đến / Quá hẹn: the households whose return day has come, the longest overdue first
    (only the user's own when they have households assigned)."""
    stmt = live_households().where(Household.village_id == village_id, due_back_sql(on))
    if assignee_id is not None:
        stmt = stmt.where(Household.assignee_id == assignee_id)
    return list(db.session.scalars(stmt.order_by(Household.return_on, Household.code, Household.id).limit(limit)))


def household_visits(household_id: str, limit: int = 50) -> list[Visit]:
    return list(db.session.scalars(
        select(Visit).where(Visit.household_id == household_id, live(Visit))
        .order_by(Visit.visited_at.desc()).limit(limit)))


def remaining_per_service(household: Household, exclude_visit_id: str | None = None) -> dict[str, int | None]:
    """What is left to count per active service, shown beside each stepper of a visit form (None: no cap)."""
    done, stats = achieved_in(household.id, exclude_visit_id), household_stats(household)
    return {s.code: remaining(s, stats, done.get(s.id, 0)) for s in active_services()}


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


__all__ = ["FILTERS", "SORTS", "filtered", "village_households", "village_counts", "due_households",
           "household_visits", "remaining_per_service", "progress_rows", "code_taken", "deleted_in_village"]
