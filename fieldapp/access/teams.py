"""Teams and their members: who belongs to a team, who leads it, who runs it; the team's prints (join poster,
badges) and member list. Out of the user's area is a 404; inside it without the right, a 403."""
from flask import abort

from ..extensions import db
from ..models import Area, Role, Team, User
from .areas import can_oversee_village, can_run_commune, can_view_area


def is_in_team(user: User) -> bool:
    """A member or a leader (whether or not their team is set)."""
    return user.role in Role.TEAM_ROLES


def is_leader(user: User) -> bool:
    return user.role == Role.LEADER


def leads_a_team(user: User) -> bool:
    return user.role == Role.LEADER and user.team_id is not None


def can_carry_badge(user: User) -> bool:
    """Members and leaders of a team carry a badge (the "Thẻ của tôi" page)."""
    return user.role in Role.TEAM_ROLES and user.team_id is not None


def works_in_village(user: User, village: Area) -> bool:
    """A member or leader of a team of this village."""
    return user.role in Role.TEAM_ROLES and user.team is not None and user.team.village_id == village.id


def can_view_team(user: User, team: Team) -> bool:
    return can_view_area(user, team.village)


def can_lead_team(user: User, team: Team) -> bool:
    return user.role == Role.LEADER and user.team_id == team.id


def can_run_team(user: User, team: Team) -> bool:
    """The commune officer (or an admin) runs every team of the commune."""
    commune = team.village.parent
    assert commune is not None  # a village always lies in a commune
    return can_run_commune(user, commune)


def can_manage_members(user: User, team: Team) -> bool:
    """Add members: officers for the whole commune; a leader only for their own team."""
    return can_run_team(user, team) or can_lead_team(user, team)


def can_change_member(actor: User, member: User) -> bool:
    """Deactivate or reactivate: officers for anyone of the commune; leaders for the other members of their team."""
    if member.team is None:
        return False
    if can_run_team(actor, member.team):
        return True
    return (actor.role == Role.LEADER and actor.team_id == member.team_id
            and member.id != actor.id and member.role == Role.MEMBER)


def can_view_team_prints(user: User, team: Team) -> bool:
    """Posters, badges and the member list: the team's leader, and officers (or admins) whose area holds the village."""
    return can_lead_team(user, team) or can_oversee_village(user, team.village)


def visible_team_or_404(user: User, team_id: int) -> Team:
    team = db.session.get(Team, team_id)
    if team is None or not can_view_team(user, team):
        abort(404)
    return team


def team_or_404(user: User, team_id: int, *, manage: bool = False) -> Team:
    """A team's prints and member list (manage=True: the leader's own actions on them)."""
    team = db.session.get(Team, team_id)
    if team is None or not can_view_area(user, team.village):
        abort(404)
    allowed = can_lead_team(user, team) if manage else can_view_team_prints(user, team)
    if not allowed:
        abort(403)
    return team


def member_or_404(user: User, member_id: int) -> User:
    member = db.session.get(User, member_id)
    if member is None or member.team is None or not can_view_area(user, member.team.village):
        abort(404)
    return member


def team_member_or_404(team: Team, user_id: int) -> User:
    member = db.session.get(User, user_id)
    if member is None or member.team_id != team.id or member.role not in Role.TEAM_ROLES:
        abort(404)
    return member
