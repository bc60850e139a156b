"""Read-only JSON for dashboards elsewhere: area tallies and leaderboards, computed by the very
functions the HTML dashboards and boards use (tallies.queries, leaderboards.queries)."""
from datetime import date
from typing import Any

from ..leaderboards.queries import BoardRow
from ..models import Area
from ..tallies.queries import Tally
from ..visits.rules import OUTCOMES


def area_json(area: Area) -> dict:
    return {"id": area.id, "name": area.name, "level": area.level, "parent_id": area.parent_id}


def tally_json(t: Tally, services) -> dict:
    out: dict[str, Any] = {"households": t.households, "visited": t.visited, "reached": t.reached, "visits": t.visits,
           "outcomes": {o: t.outcomes[o] for o in OUTCOMES}, "services": []}
    for s in services:
        st = t.services[s.id]
        out["services"].append({
            "code": s.code, "name": s.name, "short_name": s.short_name, "unit": s.unit,
            "helped": st.people, "helped_ever": st.people_ever, "eligible": st.eligible,
            "coverage": _rounded(st.coverage),
            "goal": st.campaign_goal if st.in_campaign is not None else st.eligible,
            "campaign": None if st.in_campaign is None else {
                "helped": st.in_campaign, "goal": st.campaign_goal, "share": _rounded(st.campaign_share)}})
    return out


def _rounded(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def board_row_json(r: BoardRow) -> dict:
    return {
        "id": r.key, "name": r.name, "place": r.place, "rank": r.rank, "previous_rank": r.prev_rank,
        "rank_change": None if r.prev_rank is None else r.prev_rank - r.rank, "move": r.move,
        "members": r.members, "visits": r.visits, "points": r.points,
        "points_per_member": None if r.per_member is None else round(r.per_member, 2),
        "score": _rounded(r.score),
        "percent_of_target": None if r.score is None else round(100 * r.score, 2),
        "people": dict(r.people), "goals": dict(r.goals), "streak": r.streak,
    }


def iso(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None
