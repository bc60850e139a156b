"""Reads about areas: the children of an area with their households, teams and members."""
from sqlalchemy import func, select

from ..counting import live
from ..extensions import db
from ..models import Area, AreaLevel, Household, Team
from ..models import User as U
from ..services.queries import all_services
from ..text import search_terms


def child_counts(area: Area, q: str | None = None) -> list[dict]:
    """Children of an area with households, teams and members, for the area page."""
    stmt = select(Area).where(Area.parent_id == area.id).order_by(Area.name)
    for term in search_terms(q):
        stmt = stmt.where(Area.name_folded.contains(term, autoescape=True))
    children = list(db.session.scalars(stmt))
    if not children:
        return []
    ids = [c.id for c in children]
    rows = {c.id: {"area": c, "households": 0, "teams": 0, "members": 0} for c in children}
    if area.level == AreaLevel.COMMUNE:
        for vid, n in db.session.execute(select(Household.village_id, func.count())
                                         .where(Household.village_id.in_(ids), live(Household))
                                         .group_by(Household.village_id)):
            rows[vid]["households"] = n
        for vid, n in db.session.execute(select(Team.village_id, func.count())
                                         .where(Team.village_id.in_(ids), Team.active.is_(True))
                                         .group_by(Team.village_id)):
            rows[vid]["teams"] = n
        for vid, n in db.session.execute(select(Team.village_id, func.count(U.id)).join(U, U.team_id == Team.id)
                                         .where(Team.village_id.in_(ids), U.active.is_(True))
                                         .group_by(Team.village_id)):
            rows[vid]["members"] = n
    return list(rows.values())


def campaign_points(commune: Area) -> dict[str, int]:
    """Default points per service code for a new campaign of this commune."""
    overrides = commune.campaign_points or {}
    return {s.code: int(overrides.get(s.code, s.points))
            for s in all_services()}


def sibling_villages(village: Area) -> list[Area]:
    """Villages a village may be merged into: same commune, not archived."""
    return list(db.session.scalars(select(Area).where(
        Area.parent_id == village.parent_id, Area.level == AreaLevel.VILLAGE, Area.id != village.id,
        Area.archived_at.is_(None)).order_by(Area.name)))
