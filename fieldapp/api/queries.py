"""Reads for the offline cache: a village's households with what each already achieved."""
from datetime import datetime

from sqlalchemy import func, select

from ..extensions import db
from ..models import Assistance, Household, Service, Visit

MAX_HOUSEHOLDS = 5000  # a village has 150-650; this only stops a runaway response


def village_households(village_id: int, since: datetime | None = None) -> list[Household]:
    """A full list leaves deleted households out; an update since a time reports them, so phones drop them."""
    stmt = select(Household).where(Household.village_id == village_id)
    if since is not None:
        stmt = stmt.where(Household.updated_at >= since)
    else:
        stmt = stmt.where(Household.deleted_at.is_(None))
    return list(db.session.scalars(stmt.order_by(Household.code, Household.id).limit(MAX_HOUSEHOLDS)))


def achieved_in_village(village_id: int, household_ids: list[str] | None = None) -> dict[str, dict[str, int]]:
    """{household_id: {service code: counted so far}} in one aggregate query."""
    stmt = (select(Visit.household_id, Service.code, func.sum(Assistance.count))
            .join(Assistance, Assistance.visit_id == Visit.id)
            .join(Service, Service.id == Assistance.service_id)
            .join(Household, Household.id == Visit.household_id)
            .where(Household.village_id == village_id, Visit.deleted_at.is_(None))
            .group_by(Visit.household_id, Service.code))
    if household_ids is not None:
        if not household_ids:
            return {}
        stmt = stmt.where(Visit.household_id.in_(household_ids))
    out: dict[str, dict[str, int]] = {}
    for household_id, code, total in db.session.execute(stmt):
        out.setdefault(household_id, {})[code] = int(total)
    return out


def household_json(h: Household, achieved: dict[str, int], personal: bool) -> dict:
    """personal: the caller may see residents' names (access.can_see_personal_data), else head_name is null.
    The head's phone stays on the server: the phone cache holds only what the list shows."""
    return {
        "id": h.id, "village_id": h.village_id, "code": h.code, "head_name": h.head_name if personal else None,
        "residents_total": h.residents_total, "residents_14plus": h.residents_14plus,
        "residents_18plus": h.residents_18plus, "smartphones": h.smartphones,
        "created_at": _iso(h.created_at), "updated_at": _iso(h.updated_at),
        "last_visited_at": _iso(h.last_visited_at), "last_outcome": h.last_outcome,
        "visit_count": h.visit_count, "achieved": achieved, "deleted": h.deleted_at is not None,
    }


def service_json(s: Service) -> dict:
    return {"code": s.code, "name": s.name, "short_name": s.short_name, "unit": s.unit,
            "eligibility": s.eligibility}


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() + "Z" if dt is not None else None
