"""Reads and rights about teams and their members."""
from sqlalchemy import case, func, select
from sqlalchemy.orm import contains_eager

from ..access import can_manage_villages, can_view_area
from ..counting import live_visits
from ..extensions import db
from ..models import Area, AreaLevel, Role, Team, User, Visit


def manages_team(user: User, team: Team) -> bool:
    """The commune officer (or an admin) runs every team of the commune."""
    return can_manage_villages(user, team.village.parent)


def manages_members(user: User, team: Team) -> bool:
    """Officers for the whole commune; a leader only for their own team."""
    return manages_team(user, team) or (user.role == Role.LEADER and user.team_id == team.id)


def can_view_team(user: User, team: Team) -> bool:
    return can_view_area(user, team.village)


def may_change_member(actor: User, member: User) -> bool:
    """Deactivate or reactivate: officers for anyone of the commune; leaders for the other members of their team."""
    if member.team is None:
        return False
    if manages_team(actor, member.team):
        return True
    return (actor.role == Role.LEADER and actor.team_id == member.team_id
            and member.id != actor.id and member.role == Role.MEMBER)


def commune_teams(commune: Area, active_only: bool = False) -> list[Team]:
    stmt = (select(Team).join(Area, Area.id == Team.village_id).options(contains_eager(Team.village))
            .where(Area.parent_id == commune.id).order_by(Area.name_folded, Team.name, Team.id))
    if active_only:
        stmt = stmt.where(Team.active.is_(True), Area.archived_at.is_(None))
    return list(db.session.scalars(stmt))


def member_counts(team_ids: list[int]) -> dict[int, dict[str, int]]:
    out = {tid: {"active": 0, "inactive": 0} for tid in team_ids}
    if not team_ids:
        return out
    for tid, active, n in db.session.execute(
            select(User.team_id, User.active, func.count()).where(User.team_id.in_(team_ids))
            .group_by(User.team_id, User.active)):
        out[tid]["active" if active else "inactive"] = n
    return out


def leaders_of(team_ids: list[int]) -> dict[int, list[User]]:
    out: dict[int, list[User]] = {tid: [] for tid in team_ids}
    if team_ids:
        for u in db.session.scalars(select(User).where(
                User.team_id.in_(team_ids), User.role == Role.LEADER, User.active.is_(True)).order_by(User.name)):
            out[u.team_id].append(u)
    return out


def team_members(team: Team) -> list[User]:
    """Leader first, then active members by name, then the deactivated ones."""
    return list(db.session.scalars(select(User).where(User.team_id == team.id).order_by(
        User.active.desc(), case((User.role == Role.LEADER, 0), else_=1), User.name, User.id)))


def commune_candidates(commune: Area) -> list[User]:
    """Active members and leaders of the commune's teams: who may be appointed leader."""
    return list(db.session.scalars(
        select(User).join(Team, Team.id == User.team_id).join(Area, Area.id == Team.village_id)
        .options(contains_eager(User.team))
        .where(Area.parent_id == commune.id, User.active.is_(True), User.role.in_(Role.TEAM_ROLES))
        .order_by(User.name, User.id)))


def visit_count(member: User) -> int:
    """The member's visits that count (live, of a live household)."""
    return db.session.scalar(select(func.count()).select_from(
        live_visits(Visit.id).where(Visit.member_id == member.id).subquery()))


def open_villages(commune: Area) -> list[Area]:
    """Villages of the commune that can still get a new team."""
    return list(db.session.scalars(select(Area).where(
        Area.parent_id == commune.id, Area.level == AreaLevel.VILLAGE, Area.archived_at.is_(None))
        .order_by(Area.name_folded)))
