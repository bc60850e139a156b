"""Who may print and manage what: leaders their own team; commune officers may view prints in their commune.

Out of the user's area is a 404; inside it without the right, a 403 (as in fieldapp/access.py).
"""
from flask import abort

from ..access import can_view_area
from ..extensions import db
from ..models import Area, AreaLevel, Household, Role, Team, User


def can_lead_team(user: User, team: Team) -> bool:
    return user.role == Role.LEADER and user.team_id == team.id


def can_view_team_prints(user: User, team: Team) -> bool:
    """Posters and badges: the team's leader, and officers (or admins) whose area holds the village."""
    if can_lead_team(user, team):
        return True
    return user.role in (Role.COMMUNE_OFFICER, Role.ADMIN) and can_view_area(user, team.village)


def can_print_stickers(user: User, village: Area) -> bool:
    if user.role == Role.LEADER:
        return user.team is not None and user.team.village_id == village.id
    return user.role in (Role.COMMUNE_OFFICER, Role.ADMIN) and can_view_area(user, village)


def can_open_sticker(user: User, household: Household) -> bool:
    """A door sticker opens the household only for members of a team of that village."""
    return (user.role in Role.TEAM_ROLES and user.team is not None
            and user.team.village_id == household.village_id)


def team_or_404(user: User, team_id: int, *, manage: bool = False) -> Team:
    team = db.session.get(Team, team_id)
    if team is None or not can_view_area(user, team.village):
        abort(404)
    allowed = can_lead_team(user, team) if manage else can_view_team_prints(user, team)
    if not allowed:
        abort(403)
    return team


def team_member_or_404(team: Team, user_id: int) -> User:
    member = db.session.get(User, user_id)
    if member is None or member.team_id != team.id or member.role not in Role.TEAM_ROLES:
        abort(404)
    return member


def village_or_404(user: User, village_id: int) -> Area:
    village = db.session.get(Area, village_id)
    if village is None or village.level != AreaLevel.VILLAGE or not can_view_area(user, village):
        abort(404)
    if not can_print_stickers(user, village):
        abort(403)
    return village
