"""Reads for the offline cache: a village's households with what each already achieved."""
from datetime import datetime

from sqlalchemy import select

from ..counting import achieved, live
from ..extensions import db
from ..models import Eligibility, Household, Service

MAX_HOUSEHOLDS = 5000  # a village has 150-650; this only stops a runaway response


def village_households(village_id: int, since: datetime | None = None) -> list[Household]:
    """A full list leaves deleted households out; an update since a time reports them, so phones drop them."""
    stmt = select(Household).where(Household.village_id == village_id)
    if since is not None:
        stmt = stmt.where(Household.updated_at >= since)
    else:
        stmt = stmt.where(live(Household))
    return list(db.session.scalars(stmt.order_by(Household.code, Household.id).limit(MAX_HOUSEHOLDS)))


def achieved_in_village(village_id: int, household_ids: list[str] | None = None) -> dict[str, dict[str, int]]:
    """{household_id: {service code: counted so far}} in one aggregate query."""
    codes = dict(db.session.execute(select(Service.id, Service.code)).all())
    found = achieved(household_ids, village_id=village_id)
    return {hid: {codes[sid]: n for sid, n in per.items()} for hid, per in found.items() if per}


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
        "return_on": h.return_on.isoformat() if h.return_on else None, "assignee_id": h.assignee_id,
    }


def service_json(s: Service) -> dict:
    # eligible_from: the household's count of the residents who could be helped (households: the
    # household itself, once), or null (no lifetime cap): the phone reads it instead of its own rule.
    return {"code": s.code, "name": s.name, "short_name": s.short_name, "unit": s.unit,
            "eligibility": s.eligibility, "eligible_from": Eligibility.COUNTED_IN[s.eligibility]}


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() + "Z" if dt is not None else None
