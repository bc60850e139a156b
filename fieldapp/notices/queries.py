"""Reads of commune notices: what a member's home shows, and who has read what ("đã xem") per team.

A notice reaches every active team of its commune (a campaign covers whole communes, so a campaign
notice reaches the same teams; it carries the campaign's name and link). Its readers are the active
members and leaders of those teams; "đã xem" counts only them, so it never exceeds the members.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import cast

from sqlalchemy import func, select

from ..access import notice_team
from ..counting import today
from ..extensions import db
from ..models import Area, Campaign, Notice, NoticeSeen, Role, Team, User

OLD_SHOWN = 20  # expired or archived notices listed on the officer's page


def is_live(notice: Notice, on: date | None = None) -> bool:
    """On the home screens: not archived, and its last day not passed."""
    return notice.archived_at is None and notice.expires_on >= (on or today())


def _live(on: date):
    return (Notice.archived_at.is_(None), Notice.expires_on >= on)


def _readers():
    """Active members and leaders, by team: the people "đã xem" is counted over."""
    return (User.active.is_(True), User.role.in_(Role.TEAM_ROLES))


@dataclass
class MemberNotice:
    notice: Notice
    seen: bool
    team_seen: int | None = None      # for a leader: how many of the team have read it
    team_members: int | None = None


def notices_for(user: User) -> list[MemberNotice]:
    """The live notices of the user's commune, newest first, each with whether the user has read it."""
    team = notice_team(user)
    if team is None:
        return []
    seen = (select(NoticeSeen.notice_id).where(NoticeSeen.user_id == user.id, NoticeSeen.notice_id == Notice.id)
            .exists())
    stmt = (select(Notice, seen).where(Notice.commune_id == team.village.parent_id, *_live(today()))
            .order_by(Notice.created_at.desc(), Notice.id.desc()))
    rows = [MemberNotice(notice, bool(was_seen)) for notice, was_seen in db.session.execute(stmt)]
    if user.role == Role.LEADER and rows:
        counts = team_seen_counts([r.notice.id for r in rows], [team.id])
        members = reader_counts([team.id]).get(team.id, 0)
        for r in rows:
            r.team_seen, r.team_members = counts.get((r.notice.id, team.id), 0), members
    return rows


def reader_counts(team_ids: list[int]) -> dict[int, int]:
    """{team id: active members and leaders}."""
    if not team_ids:
        return {}
    return cast(dict[int, int], dict(  # team ids filtered by in_()
        db.session.execute(select(User.team_id, func.count()).where(User.team_id.in_(team_ids), *_readers())
                           .group_by(User.team_id)).all()))


def team_seen_counts(notice_ids: list[int], team_ids: list[int]) -> dict[tuple[int, int], int]:
    """{(notice id, team id): active members and leaders of the team who have read the notice}."""
    if not notice_ids or not team_ids:
        return {}
    return cast(dict[tuple[int, int], int], {(nid, tid): n for nid, tid, n in db.session.execute(  # team ids: in_()
        select(NoticeSeen.notice_id, User.team_id, func.count()).join(User, User.id == NoticeSeen.user_id)
        .where(NoticeSeen.notice_id.in_(notice_ids), User.team_id.in_(team_ids), *_readers())
        .group_by(NoticeSeen.notice_id, User.team_id))})


def audience_teams(commune: Area) -> list[Team]:
    """The teams a notice of this commune reaches: its active teams, by village and name."""
    return list(db.session.scalars(
        select(Team).join(Area, Area.id == Team.village_id)
        .where(Area.parent_id == commune.id, Team.active.is_(True))
        .order_by(Area.name_folded, Team.name, Team.id)))


@dataclass
class Reach:
    """How far a notice got: members who read it of those it reaches, and teams where everyone has."""
    seen: int = 0
    members: int = 0
    teams_done: int = 0
    teams: int = 0


def reach_of(notices: list[Notice], commune: Area) -> dict[int, Reach]:
    """{notice id: Reach} for notices of one commune, from two grouped queries."""
    team_ids = [t.id for t in audience_teams(commune)]
    members = reader_counts(team_ids)
    seen = team_seen_counts([n.id for n in notices], team_ids)
    out = {}
    for n in notices:
        r = Reach(members=sum(members.values()), teams=len(team_ids))
        for tid in team_ids:
            got = seen.get((n.id, tid), 0)
            r.seen += got
            r.teams_done += members.get(tid, 0) > 0 and got >= members.get(tid, 0)
        out[n.id] = r
    return out


@dataclass
class TeamReach:
    team: Team
    members: int = 0
    seen: int = 0
    not_yet: list[str] = field(default_factory=list)  # names of the members who have not read it


def reach_by_team(notice: Notice) -> list[TeamReach]:
    """Per team of the audience: members, how many have read the notice, who has not yet."""
    teams = audience_teams(notice.commune)
    rows = {t.id: TeamReach(t) for t in teams}
    if not rows:
        return []
    seen_ids = set(db.session.scalars(select(NoticeSeen.user_id).where(NoticeSeen.notice_id == notice.id)))
    for uid, name, tid in db.session.execute(
            select(User.id, User.name, User.team_id).where(User.team_id.in_(rows), *_readers())
            .order_by(User.name, User.id)):
        assert tid is not None  # in rows
        r = rows[tid]
        r.members += 1
        if uid in seen_ids:
            r.seen += 1
        else:
            r.not_yet.append(name)
    return list(rows.values())


def commune_notices(commune: Area) -> tuple[list[Notice], list[Notice]]:
    """(live notices, the latest expired or archived ones) of a commune, newest first."""
    day = today()
    order = (Notice.created_at.desc(), Notice.id.desc())
    live = list(db.session.scalars(select(Notice).where(Notice.commune_id == commune.id, *_live(day)).order_by(*order)))
    old = list(db.session.scalars(
        select(Notice).where(Notice.commune_id == commune.id,
                             (Notice.archived_at.is_not(None)) | (Notice.expires_on < day))
        .order_by(*order).limit(OLD_SHOWN)))
    return live, old


CAMPAIGN_GRACE_DAYS = 30  # a notice may still follow up a campaign this long after it ended


def campaigns_for(commune: Area) -> list[Campaign]:
    """Campaigns over this commune (its own, or its province's) a notice may be addressed through."""
    ids = [commune.id, *(a.id for a in commune.ancestors)]
    return list(db.session.scalars(
        select(Campaign).where(Campaign.area_id.in_(ids),
                               Campaign.ends_on >= today() - timedelta(days=CAMPAIGN_GRACE_DAYS))
        .order_by(Campaign.starts_on.desc(), Campaign.id.desc())))


def notices_by_id(ids: list[int]) -> list[Notice]:
    return list(db.session.scalars(select(Notice).where(Notice.id.in_(ids)))) if ids else []


def has_seen(user: User, notice: Notice) -> bool:
    return db.session.get(NoticeSeen, (notice.id, user.id)) is not None


@dataclass
class HomeNotices:
    mine: bool = False  # this is the user's own home (their team's village)
    unseen: list[MemberNotice] = field(default_factory=list)
    seen: int = 0


def home_notices(user: User, village: Area) -> HomeNotices:
    """On a member's or leader's home (their own village's list): the notices not read yet, in full,
    and how many are read (one tap away)."""
    team = notice_team(user)
    if team is None or team.village_id != village.id:
        return HomeNotices()
    items = notices_for(user)
    return HomeNotices(True, [m for m in items if not m.seen], sum(m.seen for m in items))
