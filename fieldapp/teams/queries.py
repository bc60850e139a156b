"""Reads about teams and their members (who may do what: fieldapp/access/teams.py)."""
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import contains_eager

from ..counting import live_visits
from ..extensions import db
from ..models import Area, AreaLevel, Badge, Role, Team, User, Visit


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
        assert tid is not None  # in team_ids
        out[tid]["active" if active else "inactive"] = n
    return out


def leaders_of(team_ids: list[int]) -> dict[int, list[User]]:
    out: dict[int, list[User]] = {tid: [] for tid in team_ids}
    if team_ids:
        for u in db.session.scalars(select(User).where(
                User.team_id.in_(team_ids), User.role == Role.LEADER, User.active.is_(True)).order_by(User.name)):
            assert u.team_id is not None  # in team_ids
            out[u.team_id].append(u)
    return out


def team_members(team: Team) -> list[User]:
    """Leader first, then active members by name, then the deactivated ones."""
    return list(db.session.scalars(select(User).where(User.team_id == team.id).order_by(
        User.active.desc(), case((User.role == Role.LEADER, 0), else_=1), User.name, User.id)))


@dataclass
class MemberRow:
    user: User
    badge: Badge | None
    all_views: int  # residents' checks over every badge the member ever had


def members_with_badges(team_id: int) -> list[MemberRow]:
    """Members with their live badge and how often residents checked it: one query."""
    totals = (select(Badge.user_id, func.sum(Badge.views).label("views"))
              .group_by(Badge.user_id).subquery())
    rows = db.session.execute(
        select(User, Badge, totals.c.views)
        .outerjoin(Badge, (Badge.user_id == User.id) & Badge.revoked_at.is_(None))
        .outerjoin(totals, totals.c.user_id == User.id)
        .where(User.team_id == team_id)
        .order_by(User.active.desc(), User.name, User.id))
    return [MemberRow(user=u, badge=b, all_views=int(v or 0)) for u, b, v in rows]


def commune_candidates(commune: Area) -> list[User]:
    """Active members and leaders of the commune's teams: who may be appointed leader."""
    return list(db.session.scalars(
        select(User).join(Team, Team.id == User.team_id).join(Area, Area.id == Team.village_id)
        .options(contains_eager(User.team))
        .where(Area.parent_id == commune.id, User.active.is_(True), User.role.in_(Role.TEAM_ROLES))
        .order_by(User.name, User.id)))


def visit_count(member: User) -> int:
    """The member's visits that count (live, of a live household)."""
    return db.session.execute(select(func.count()).select_from(
        live_visits(Visit.id).where(Visit.member_id == member.id).subquery())).scalar_one()


def open_villages(commune: Area) -> list[Area]:
    """Villages of the commune that can still get a new team."""
    return list(db.session.scalars(select(Area).where(
        Area.parent_id == commune.id, Area.level == AreaLevel.VILLAGE, Area.archived_at.is_(None))
        .order_by(Area.name_folded)))


def commune_of(team: Team) -> Area | None:
    return team.village.parent
