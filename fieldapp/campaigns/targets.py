"""Targets of a campaign summed over areas: explicit village targets, else the eligible residents."""
from sqlalchemy import select

from ..extensions import db
from ..models import Area, AreaStats, Campaign, CampaignTarget, Service
from ..tallies.queries import area_stats, eligible_for


def targets_for_areas(campaign: Campaign, areas: list[Area], services: list[Service]) -> dict[int, dict[int, int]]:
    """{area_id: {service_id: target}} for the areas that have at least one explicit village target below."""
    rows = db.session.execute(
        select(Area.path, CampaignTarget.service_id, CampaignTarget.target, AreaStats)
        .join(Area, Area.id == CampaignTarget.village_id)
        .outerjoin(AreaStats, AreaStats.area_id == CampaignTarget.village_id)
        .where(CampaignTarget.campaign_id == campaign.id)).all()
    if not rows:
        return {}
    by_id = {s.id: s for s in services}
    stats = area_stats([a.id for a in areas])
    out: dict[int, dict[int, int]] = {}
    for area in areas:
        mine = [r for r in rows if r[0].startswith(area.path) and r[1] in by_id]
        if not mine:
            continue
        sums = {sid: eligible_for(s, stats.get(area.id, {})) or 0 for sid, s in by_id.items()}
        touched = set()
        for _path, sid, target, st in mine:
            village_stats = ({"households": st.households, "residents_total": st.residents_total,
                              "residents_14plus": st.residents_14plus, "residents_18plus": st.residents_18plus}
                             if st else {})
            sums[sid] += target - (eligible_for(by_id[sid], village_stats) or 0)
            touched.add(sid)
        out[area.id] = {sid: sums[sid] for sid in touched}
    return out
