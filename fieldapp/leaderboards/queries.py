"""Leaderboards (members, teams, communes) for a period or a campaign, read from the counters.

Fair by default: teams and communes rank by the share of their target achieved (weighted by the
points of each service), not by raw totals that favour big villages. Ties are broken by points,
then visits, then name, then id, so the order is always the same.
"""
import heapq
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import ColumnElement, and_, case, false, func, literal, literal_column, or_, select, union_all

from ..access import is_in_team, scope_path
from ..counting import (
    campaign_days,
    campaign_goals,
    period_cover,
    period_end,
    period_goal,
    period_start,
    share,
    today,
)
from ..extensions import db, in_list, plain_rows
from ..models import Area, AreaLevel, Campaign, Service, TallyDay, TallyKind, Team, User
from ..models.areas import within
from ..models.tallies import BY_DAY_KINDS, ROLLUPS, VISIT_ROW, rollup_kind
from ..services.queries import all_services
from ..text import fold

PERIODS = ("week", "month", "quarter")
STREAK_WEEKS = 26


@dataclass
class Period:
    key: str
    start: date
    end: date
    previous: "Period | None" = None


def period_for(key: str, on: date | None = None) -> Period:
    """This week, month or quarter up to today (or `on`), with the whole period before it."""
    d = on or today()
    key = key if key in PERIODS else "month"
    unit = key[0]  # "w", "m", "q": the rollup periods
    start = period_start(unit, d)
    prev_start = period_start(unit, start - timedelta(days=1))
    return Period(key, start, d, Period(key, prev_start, period_end(unit, prev_start)))


def campaign_period(campaign: Campaign) -> Period:
    return Period("campaign", *campaign_days(campaign))


@dataclass
class BoardRow:
    key: int
    name: str
    place: str = ""              # village or commune name, for context
    path: str = ""               # the area path, to keep a frozen board within a viewer's scope
    members: int = 0
    visits: int = 0
    points: int = 0
    per_member: float | None = None
    score: float | None = None   # share of the goals achieved (1.0 = 100%; over-achievement as it is)
    people: dict[str, int] = field(default_factory=dict)
    goals: dict[str, float] = field(default_factory=dict)  # what each service is measured against (a period's part)
    rank: int = 0
    prev_rank: int | None = None
    streak: int | None = None

    @property
    def move(self) -> str:
        if self.prev_rank is None:
            return "new"
        return "up" if self.prev_rank > self.rank else "down" if self.prev_rank < self.rank else "same"

    def as_dict(self) -> dict:
        return asdict(self)


def services_points(campaign: Campaign | None) -> dict[int, tuple[Service, int]]:
    """The services counted and their points: the campaign's, or every active service at catalogue points."""
    services = {s.id: s for s in all_services()}
    if campaign is not None:
        return {cs.service_id: (services[cs.service_id], cs.points) for cs in campaign.services if cs.points > 0}
    return {s.id: (s, s.points) for s in services.values() if s.active and s.points > 0}


def sort_key(row: BoardRow):
    return (row.score is None, -(row.score or 0), -row.points, -row.visits, fold(row.name), row.key)


def rank(rows: list[BoardRow]) -> list[BoardRow]:
    rows.sort(key=sort_key)
    for i, row in enumerate(rows, 1):
        row.rank = i
    return rows


# Benchmarks set this to False to time the boards on the day rows alone.
USE_ROLLUPS = True


def _rollup_for(start: date, end: date) -> tuple[str, date] | None:
    """The period rollup ("w", "m", "q") that begins on start and covers end, with its last day, when
    reading it (one row, minus the day rows between end and the period's end, which are none after
    today) costs fewer rows than reading the days themselves; None otherwise (read the days)."""
    best, now = None, today()
    days_cost = (min(end, now) - start).days + 1
    for period in ROLLUPS:
        if period_start(period, start) != start:
            continue
        last = period_end(period, start)
        if last < end:
            continue
        cost = 1 + max(0, (min(last, now) - end).days)
        if cost < days_cost and (best is None or cost < best[0]):
            best = (cost, period, last)
    return best and best[1:]


def _sum_rows(out, kind, ref_ids, sign, *where) -> None:
    value = func.sum(TallyDay.people + TallyDay.visits)  # service rows hold people, row 0 holds visits
    for ref_id, sid, total in db.session.execute(
            select(TallyDay.ref_id, TallyDay.service_id, value)
            .where(in_list(TallyDay.ref_id, ref_ids), *(where if kind is None else (TallyDay.kind == kind, *where)))
            .group_by(TallyDay.ref_id, TallyDay.service_id)):
        per = out.setdefault(ref_id, {})
        per[sid] = per.get(sid, 0) + sign * int(total or 0)


# Below this many days the day rows are read: one index range per owner (its days follow each other in the
# key) costs less than one lookup per piece of a cover (a province board has 25,000 owners).
COVER_AFTER_DAYS = 100


def _covering(kind: str, start: date, end: date):
    """The tally_day rows of `kind` owners that add up to [start, end] (counting.period_cover), as one condition;
    `kind IN (...)` first, so that with the owners' ids it is a range of the primary key, not a scan."""
    if (min(end, today()) - start).days + 1 <= COVER_AFTER_DAYS:
        return and_(TallyDay.kind == kind, TallyDay.day >= start, TallyDay.day <= end)
    parts, kinds = [], set()
    for period, first, last in period_cover(start, end, open_end=end >= today()):
        k = kind if period == "d" else rollup_kind(kind, period)
        kinds.add(k)
        parts.append(and_(TallyDay.kind == k, TallyDay.day >= first, TallyDay.day <= last))
    return and_(TallyDay.kind.in_(sorted(kinds)), or_(*parts)) if parts else false()


# Above this many owners, a board over day rows reads them by day (_by_day), not by owner.
MANY_OWNERS = 1000


def _reads_by_day(kind: str, ref_ids, start: date, end: date) -> bool:
    """Whether start..end's day rows of these owners are read by day: many owners of a kind whose day rows are
    indexed by day (a province's 5,000 teams or 25,000 members), over a range read from its day rows."""
    return (kind in BY_DAY_KINDS and len(ref_ids) > MANY_OWNERS
            and (min(end, today()) - start).days + 1 <= COVER_AFTER_DAYS)


def _day_rows(kind: str, start: date, end: date):
    """start..end's day rows of a kind, read by day, as (ref_id, service_id, value): the visits of the visit rows
    from ix_tally_day_visit_rows, the people of the service rows from ix_tally_day_service_rows, each one index
    range of the kind's days (index only). By owner it was one range of the primary key per owner and a heap
    page per row: 25,000 members' 14 days took 250-340 ms at 1 M visits, by day 40 ms. The constants are written
    into the statement so that PostgreSQL can match the indexes' conditions (and the visit rows' service_id is
    the constant: ix_tally_day_visit_rows does not hold it)."""
    days = (TallyDay.kind == kind, TallyDay.day >= start, TallyDay.day <= end)
    return union_all(
        select(TallyDay.ref_id, literal_column(str(VISIT_ROW)).label("service_id"), TallyDay.visits.label("value"))
        .where(TallyDay.service_id == literal_column(str(VISIT_ROW)), *days),
        select(TallyDay.ref_id, TallyDay.service_id, TallyDay.people)
        .where(TallyDay.service_id != literal_column(str(VISIT_ROW)),
               TallyDay.kind.in_([literal_column(f"'{k}'") for k in BY_DAY_KINDS]), *days)).subquery()


def _by_day(kind: str, ref_ids, start: date, end: date) -> dict[int, dict[int, int]]:
    """_achieved's {ref_id: {service_id (0 = visits): total}} for many owners, from _day_rows."""
    ids = set(ref_ids)
    out: dict[int, dict[int, int]] = {}
    rows = _day_rows(kind, start, end)
    for ref_id, sid, total in plain_rows(
            select(rows.c.ref_id, rows.c.service_id, func.sum(rows.c.value)).group_by(rows.c.ref_id, rows.c.service_id)):
        if ref_id in ids:
            out.setdefault(ref_id, {})[sid] = int(total or 0)
    return out


def _achieved(kind: str, ref_ids, start: date, end: date, rollups: bool = True) -> dict[int, dict[int, int]]:
    """{ref_id: {service_id (0 = visits): total}} in one grouped query (two with a period's tail).

    For a whole week, month or quarter (or one up to today) the owners' period rollup rows are read:
    one row per (owner, service), whatever the number of visits. Other ranges (a campaign's dates) read
    the rollups of the periods inside them and the day rows of their edges.
    """
    out: dict[int, dict[int, int]] = {}
    plan = _rollup_for(start, end) if rollups and USE_ROLLUPS else None
    if plan is None and _reads_by_day(kind, ref_ids, start, end):
        return _by_day(kind, ref_ids, start, end)
    if not (rollups and USE_ROLLUPS):
        _sum_rows(out, kind, ref_ids, 1, TallyDay.day >= start, TallyDay.day <= end)
        return out
    if plan is None:
        _sum_rows(out, None, ref_ids, 1, _covering(kind, start, end))
        return out
    period, last = plan
    _sum_rows(out, rollup_kind(kind, period), ref_ids, 1, TallyDay.day == start)
    if end < last:  # the rollup holds the whole period: take off the days after end (none after today)
        _sum_rows(out, kind, ref_ids, -1, TallyDay.day > end, TallyDay.day <= last)
    return out


def _points_sum(counted: dict[int, tuple[Service, int]], service_id, people) -> ColumnElement[int]:
    if not counted:
        return literal(0)
    return func.sum(case(*[(service_id == sid, people * pts) for sid, (_svc, pts) in counted.items()], else_=0))


def _points_and_visits(kind: str, ref_ids, start: date, end: date,
                       counted: dict[int, tuple[Service, int]]) -> dict[int, tuple[int, int]]:
    """{ref_id: (points, visits)} summed by the database: one row per owner, not one per owner and service
    (many owners' day rows read by day: _day_rows)."""
    if _rollup_for(start, end) is None and _reads_by_day(kind, ref_ids, start, end):
        ids, rows = set(ref_ids), _day_rows(kind, start, end)
        return {ref: (int(p or 0), int(v or 0)) for ref, p, v in plain_rows(
            select(rows.c.ref_id, _points_sum(counted, rows.c.service_id, rows.c.value),
                   func.sum(case((rows.c.service_id == VISIT_ROW, rows.c.value), else_=0))).group_by(rows.c.ref_id))
                if ref in ids}
    points = _points_sum(counted, TallyDay.service_id, TallyDay.people)
    visits = func.sum(case((TallyDay.service_id == VISIT_ROW, TallyDay.visits), else_=0))
    if USE_ROLLUPS and _rollup_for(start, end) is None:
        where = [_covering(kind, start, end)]
    else:
        where = [TallyDay.kind == kind, TallyDay.day >= start, TallyDay.day <= end]
    return {ref: (int(p or 0), int(v or 0)) for ref, p, v in db.session.execute(
        select(TallyDay.ref_id, points, visits).where(in_list(TallyDay.ref_id, ref_ids), *where)
        .group_by(TallyDay.ref_id))}


def service_codes(counted: dict[int, tuple[Service, int]]) -> list[tuple[int, str, int]]:
    """(service id, code, points), read once per board: thousands of rows reading ORM attributes add up."""
    return [(sid, service.code, points) for sid, (service, points) in counted.items()]


def fill_row(row: BoardRow, done_by: dict[int, int], goals: Mapping[int, float | None],
          codes: list[tuple[int, str, int]], with_score: bool) -> None:
    row.visits = done_by.get(VISIT_ROW, 0)
    weight = achieved = 0.0
    people, row_goals, total = row.people, row.goals, 0
    for sid, code, points in codes:
        done = done_by.get(sid, 0)
        people[code] = done
        total += done * points
        goal = goals.get(sid)
        if goal:
            row_goals[code] = round(goal, 2)
            weight += points
            achieved += points * (share(done, goal) or 0.0)  # a goal is set: share is a number
    row.points += total
    if with_score and weight:
        row.score = achieved / weight
    if row.members:
        row.per_member = row.points / row.members


def _for_period(goals: dict[int, int | None], unit: str | None, start: date) -> Mapping[int, float | None]:
    """A board of a week, month or quarter (unit "w", "m", "q") without a campaign measures each goal's part
    for that period (counting.period_goal); a campaign's board, its whole goal."""
    if unit is None:
        return goals
    return {sid: period_goal(g, unit, start) for sid, g in goals.items()}


def _with_previous(build, start: date, end: date, previous: tuple[date, date] | None) -> list[BoardRow]:
    """The board of start..end, each row with its rank in the previous period (for the arrows)."""
    rows = build(start, end)
    if previous:
        before = {r.key: r.rank for r in build(*previous)}
        for r in rows:
            r.prev_rank = before.get(r.key)
    return rows


def villages_under(area: Area, village=Area):
    """A condition on Area (or an alias of it) selecting the villages under an area (the index on
    parent_id for a commune)."""
    if area.level == "commune":
        return village.parent_id == area.id
    if area.level == "village":
        return village.id == area.id
    return within(village.path, area.path) & (village.level == "village")


@dataclass
class _Owner:
    """One row-to-be of a board: who is ranked, where, and what each service of theirs is measured against."""
    key: int
    name: str
    place: str
    path: str
    members: int = 0
    goals: dict[int, int | None] = field(default_factory=dict)
    rolled: bool = True  # its counters have period rollups (only communes, the parents of villages, among areas)


BOARD_KINDS = ("members", "teams", "communes")


def _team_owners(area: Area, counted, campaign: Campaign | None, team_id: int | None) -> list[_Owner]:
    teams = plain_rows(
        select(Team.id, Team.name, Team.village_id, Area.name, Area.path).join(Area, Area.id == Team.village_id)
        .where(villages_under(area), Team.active.is_(True))).all()
    members = dict(db.session.execute(
        select(User.team_id, func.count()).where(in_list(User.team_id, [t[0] for t in teams]), User.active.is_(True))
        .group_by(User.team_id)).all())
    goals = campaign_goals(campaign, {t[2]: t[4] for t in teams}, [svc for svc, _p in counted.values()])
    return [_Owner(tid, name, vname, path, members.get(tid, 0), goals.get(vid, {}))
            for tid, name, vid, vname, path in teams]


def _commune_owners(province: Area, counted, campaign: Campaign | None, team_id: int | None) -> list[_Owner]:
    # Communes with no team yet have nothing to rank: they are left out (a row of zeros means nothing).
    village = Area.__table__.alias("tv")
    has_team = (select(Team.id).join(village, village.c.id == Team.village_id)
                .where(Team.active.is_(True), village.c.parent_id == Area.id).exists())
    communes = db.session.execute(select(Area.id, Area.name, Area.path, Area.level).where(
        Area.parent_id == province.id, Area.archived_at.is_(None), has_team)).all()
    goals = campaign_goals(campaign, {c.id: c.path for c in communes}, [svc for svc, _p in counted.values()])
    village = Area.__table__.alias("v")
    members: dict[int, int] = dict(db.session.execute(
        select(village.c.parent_id, func.count(User.id)).select_from(User)
        .join(Team, Team.id == User.team_id).join(village, village.c.id == Team.village_id)
        .where(village.c.parent_id.in_([c.id for c in communes]), User.active.is_(True))
        .group_by(village.c.parent_id)).all())
    return [_Owner(cid, name, province.name, path, members.get(cid, 0), goals.get(cid, {}),
                   rolled=level == AreaLevel.COMMUNE) for cid, name, path, level in communes]


def _members_stmt(area: Area, team_id: int | None, *columns):
    stmt = (select(*columns).join(Team, Team.id == User.team_id)
            .join(Area, Area.id == Team.village_id).where(User.active.is_(True), villages_under(area)))
    return stmt if team_id is None else stmt.where(User.team_id == team_id)


def _member_owners(area: Area, counted, campaign: Campaign | None, team_id: int | None,
                   only: list[int] | None = None) -> list[_Owner]:
    """The members ranked on a board; only: just these (a top's candidates: names for 20, not 25,000)."""
    stmt = _members_stmt(area, team_id, User.id, User.name, Team.name, Area.path)
    if only is not None:
        stmt = stmt.where(in_list(User.id, only))
    return [_Owner(uid, name, tname, path) for uid, name, tname, path in db.session.execute(stmt)]


def _member_keys(area: Area, team_id: int | None) -> list[int]:
    return list(plain_rows(_members_stmt(area, team_id, User.id)).scalars())


# kind: (who is ranked, their counters, ranked by the share of their goals (else by points))
_KINDS = {"teams": (_team_owners, TallyKind.TEAM, True),
          "communes": (_commune_owners, TallyKind.AREA, True),
          "members": (_member_owners, TallyKind.MEMBER, False)}


def board(kind: str, area: Area, start: date, end: date, campaign: Campaign | None = None,
          previous: tuple[date, date] | None = None, unit: str | None = None, team_id: int | None = None,
          limit: int | None = None) -> list[BoardRow]:
    """One leaderboard of start..end (a campaign's: its services and points, else the catalogue's):

    - "teams": the teams of the villages under an area (a commune, or a province for a campaign);
    - "communes": the communes of a province, with targets summed over their villages;
    - "members": the members of one team (team_id) or of every team under an area, by points, with their
      weekly streak.

    Teams and communes rank by the share of their goals achieved; unit ("w", "m", "q") makes it a board of a
    week, month or quarter, each goal measured for that period. previous: a period whose ranks give the arrows.
    With a limit and no previous period (a campaign's "top members"), the members' ranking is made from one
    (points, visits) pair per member summed by the database, and only the rows shown are built: a province's
    board of 25,000 members costs a sort of tuples, not 25,000 rows."""
    owners_of, tally_kind, scored = _KINDS[kind]
    counted = services_points(campaign)
    codes = service_codes(counted)
    top_only = bool(limit) and previous is None and kind == "members"
    owners = [] if top_only else owners_of(area, counted, campaign, team_id)
    rollups = all(o.rolled for o in owners)

    def build(s: date, e: date, who: list[_Owner] = owners) -> list[BoardRow]:
        achieved = _achieved(tally_kind, [o.key for o in who], s, e, rollups=rollups)
        rows = []
        for o in who:
            row = BoardRow(key=o.key, name=o.name, place=o.place, path=o.path, members=o.members)
            fill_row(row, achieved.get(o.key, {}), _for_period(o.goals, unit, s), codes, with_score=scored)
            rows.append(row)
        return rank(rows)

    if top_only and limit:  # ranked from one (points, visits) pair per member; names read for the top's candidates only
        keys = _member_keys(area, team_id)
        totals = _points_and_visits(tally_kind, keys, start, end, counted)
        candidates = _member_owners(area, counted, campaign, team_id, only=_ahead(keys, totals, limit))
        rows = build(start, end, _top(candidates, totals, limit))
    else:
        rows = _with_previous(build, start, end, previous)
        if limit:
            rows = rows[:limit]
    if kind == "members":
        streaks = weekly_streaks([r.key for r in rows])
        for r in rows:
            r.streak = streaks.get(r.key, 0)
    return rows


def _score(totals: dict[int, tuple[int, int]], key: int) -> tuple[int, int]:
    points, visits = totals.get(key, (0, 0))
    return -points, -visits


def _ahead(keys: list[int], totals: dict[int, tuple[int, int]], limit: int) -> list[int]:
    """The people that can be in the first `limit` by (points, visits): those ahead of or tied with the
    limit-th (only the names break the ties among them)."""
    if len(keys) <= limit:
        return keys
    scored = [(_score(totals, k), k) for k in keys]
    cut = heapq.nsmallest(limit, [score for score, _k in scored])[-1]
    return [k for score, k in scored if score <= cut]


def _top(people: list[_Owner], totals: dict[int, tuple[int, int]], limit: int) -> list[_Owner]:
    """The first `limit` people in the board's order (points, visits, folded name, id), folding the names of
    only those ahead of or tied with the last one kept: not 25,000 names for a top 20."""
    keep = set(_ahead([p.key for p in people], totals, limit))
    return sorted((p for p in people if p.key in keep),
                  key=lambda p: (*_score(totals, p.key), fold(p.name), p.key))[:limit]


def weekly_streaks(member_ids: list[int], on: date | None = None) -> dict[int, int]:
    """Consecutive weeks with at least one visit, counting back from this week (or last week,
    when this week has none yet: a streak is not broken before the week is over)."""
    d = on or today()
    this_monday = period_start("w", d)
    since = this_monday - timedelta(weeks=STREAK_WEEKS)
    weeks: dict[int, set[int]] = {}
    for ref_id, day in db.session.execute(
            select(TallyDay.ref_id, TallyDay.day).where(  # one week rollup row per member and week
                TallyDay.kind == rollup_kind(TallyKind.MEMBER, "w"), TallyDay.ref_id.in_(member_ids),
                TallyDay.service_id == VISIT_ROW, TallyDay.visits > 0, TallyDay.day >= since)):
        weeks.setdefault(ref_id, set()).add((this_monday - period_start("w", day)).days // 7)
    out = {}
    for mid, ago in weeks.items():
        n = 0 if 0 in ago else 1
        streak = 0
        while n in ago:
            streak += 1
            n += 1
        out[mid] = streak
    return out


# --- The boards a viewer asks for --------------------------------------------------------------------

def scope_or_404() -> str:
    """The path prefix of what the signed-in user may see; no area at all is a 404."""
    prefix = scope_path(current_user)
    if prefix is None:
        abort(404)
    return prefix


def board_area_or_404(area_id: int) -> Area:
    """A leaderboard inside the user's own area (members and leaders: their village only)."""
    area = db.session.get(Area, area_id)
    if area is None or not area.path.startswith(scope_or_404()):
        abort(404)
    return area


def teams_of(village: Area) -> list[Team]:
    teams = list(db.session.scalars(select(Team).where(Team.village_id == village.id, Team.active.is_(True))
                                    .order_by(Team.name, Team.id)))
    if is_in_team(current_user):
        teams = [t for t in teams if t.id == current_user.team_id]
    return teams


def period_boards(area: Area, period) -> list[tuple[str, str, list[BoardRow]]]:
    """(kind, title, rows) for a week, month or quarter, with the previous period for the rank arrows:
    members of each team in a village, teams in a commune, communes in a province. The page and the API."""
    prev = (period.previous.start, period.previous.end)
    if area.level == AreaLevel.VILLAGE:
        return [("members", team.name,
                 board("members", area, period.start, period.end, previous=prev, team_id=team.id))
                for team in teams_of(area)]
    unit = period.key[0]  # "w", "m", "q": each goal measured for the period (counting.period_goal)
    if area.level == AreaLevel.COMMUNE:
        return [("teams", _("Các tổ trong xã"), board("teams", area, period.start, period.end, previous=prev, unit=unit))]
    return [("communes", _("Các xã, phường trong tỉnh"),
             board("communes", area, period.start, period.end, previous=prev, unit=unit))]
