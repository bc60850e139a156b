"""Campaigns as the signed-in user sees them: the ones over, inside or above their area, and their boards
(frozen from the snapshot, else live from the counters: leaderboards.queries.board)."""
from flask import abort
from flask_login import current_user
from sqlalchemy import select, union

from ..extensions import db
from ..leaderboards.queries import BoardRow, board, campaign_period, scope_or_404
from ..models import Area, AreaLevel, Campaign, Role
from ..models.areas import within
from ..tallies.queries import ancestor_paths

TOP_MEMBERS = 20


def visible_campaigns():
    """The campaigns the signed-in user sees: over their area, inside it or above it."""
    prefix = scope_or_404()
    area = current_user.scope_area
    ancestors = ancestor_paths(area.path) if area is not None else []
    # The areas first, each half by its own index condition on the paths, then their campaigns: with an OR,
    # PostgreSQL read every area by its id to test the path (tests/test_query_plans.py).
    areas = union(select(Area.id).where(within(Area.path, prefix)), select(Area.id).where(Area.path.in_(ancestors)))
    return select(Campaign).join(Area, Area.id == Campaign.area_id).where(Campaign.area_id.in_(areas))


def campaign_or_404(campaign_id: int) -> Campaign:
    campaign = db.session.scalar(visible_campaigns().where(Campaign.id == campaign_id))
    if campaign is None:
        abort(404)
    return campaign


def view_area(campaign: Campaign) -> Area:
    """Where the viewer looks at a campaign from: their own area when it lies inside the campaign."""
    mine = current_user.scope_area
    if mine is not None and mine.path.startswith(campaign.area.path):
        return mine
    return campaign.area


def campaign_boards(campaign: Campaign, where: Area) -> dict[str, list[BoardRow]]:
    """The campaign's boards seen from an area: frozen from the snapshot, else live from the counters."""
    if campaign.frozen_at is not None:
        snap = campaign.snapshot or {}

        def rows(key):
            return [BoardRow(**r) for r in snap.get(key, []) if r["path"].startswith(where.path)]
        out = {"teams": rows("teams"), "members": rows("members")[:TOP_MEMBERS],
               "communes": rows("communes") if where.level == AreaLevel.PROVINCE else []}
    else:
        period = campaign_period(campaign)
        out = {"teams": board("teams", where, period.start, period.end, campaign)
               if where.level != AreaLevel.VILLAGE else [],
               "members": board("members", where, period.start, period.end, campaign, limit=TOP_MEMBERS,
                                team_id=current_user.team_id if current_user.role in Role.TEAM_ROLES else None),
               "communes": board("communes", where, period.start, period.end, campaign)
               if where.level == AreaLevel.PROVINCE else []}
    # Ranks within the viewer's area (a commune officer's view of a province campaign).
    for key in out:
        for i, row in enumerate(out[key], 1):
            row.rank = i
    return out
