"""Leaderboards (members, teams, communes) for a period or a campaign, read from the counters.

Fair by default: teams and communes rank by the share of their target achieved (weighted by the
points of each service), not by raw totals that favour big villages. Ties are broken by points,
then visits, then name, then id, so the order is always the same.
"""
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select

from ..counting import campaign_days, campaign_goals, period_end, period_goal, period_start, share, today
from ..extensions import db
from ..models import Area, AreaLevel, Campaign, Service, TallyDay, TallyKind, Team, User
from ..models.tallies import ROLLUPS, VISIT_ROW, rollup_kind
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
    services = {s.id: s for s in db.session.scalars(select(Service).order_by(Service.sort_order, Service.id))}
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
            .where(TallyDay.kind == kind, TallyDay.ref_id.in_(ref_ids), *where)
            .group_by(TallyDay.ref_id, TallyDay.service_id)):
        per = out.setdefault(ref_id, {})
        per[sid] = per.get(sid, 0) + sign * int(total or 0)


def _achieved(kind: str, ref_ids, start: date, end: date, rollups: bool = True) -> dict[int, dict[int, int]]:
    """{ref_id: {service_id (0 = visits): total}} in one grouped query (two with a period's tail).

    For a whole week, month or quarter (or one up to today) the owners' period rollup rows are read:
    one row per (owner, service), whatever the number of visits. Other ranges read the day rows.
    """
    out: dict[int, dict[int, int]] = {}
    plan = _rollup_for(start, end) if rollups and USE_ROLLUPS else None
    if plan is None:
        _sum_rows(out, kind, ref_ids, 1, TallyDay.day >= start, TallyDay.day <= end)
        return out
    period, last = plan
    _sum_rows(out, rollup_kind(kind, period), ref_ids, 1, TallyDay.day == start)
    if end < last:  # the rollup holds the whole period: take off the days after end (none after today)
        _sum_rows(out, kind, ref_ids, -1, TallyDay.day > end, TallyDay.day <= last)
    return out


def _fill(row: BoardRow, done_by: dict[int, int], goals: dict[int, int | None],
          counted: dict[int, tuple[Service, int]], with_score: bool) -> None:
    row.visits = done_by.get(VISIT_ROW, 0)
    weight = achieved = 0.0
    for sid, (service, points) in counted.items():
        done = done_by.get(sid, 0)
        row.people[service.code] = done
        row.points += done * points
        goal = goals.get(sid)
        if goal:
            row.goals[service.code] = round(goal, 2)
            weight += points
            achieved += points * share(done, goal)
    if with_score and weight:
        row.score = achieved / weight
    if row.members:
        row.per_member = row.points / row.members


def _for_period(goals: dict[int, int | None], unit: str | None, start: date) -> dict[int, float | None]:
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
    return (village.path.startswith(area.path)) & (village.level == "village")


def team_board(area: Area, start: date, end: date, campaign: Campaign | None = None,
               previous: tuple[date, date] | None = None, unit: str | None = None) -> list[BoardRow]:
    """Teams of the villages under an area (a commune, or a province for a campaign). unit: the board of a
    week, month or quarter ("w", "m", "q"), each goal measured for that period."""
    counted = services_points(campaign)
    teams = db.session.execute(
        select(Team.id, Team.name, Team.village_id, Area.name, Area.path).join(Area, Area.id == Team.village_id)
        .where(villages_under(area), Team.active.is_(True))).all()
    team_ids = [t[0] for t in teams]
    members = dict(db.session.execute(
        select(User.team_id, func.count()).where(User.team_id.in_(team_ids), User.active.is_(True))
        .group_by(User.team_id)).all())
    goals = campaign_goals(campaign, {t[2]: t[4] for t in teams}, [svc for svc, _p in counted.values()])

    def build(s: date, e: date) -> list[BoardRow]:
        achieved = _achieved(TallyKind.TEAM, team_ids, s, e)
        rows = []
        for tid, name, vid, vname, path in teams:
            row = BoardRow(key=tid, name=name, place=vname, path=path, members=members.get(tid, 0))
            _fill(row, achieved.get(tid, {}), _for_period(goals.get(vid, {}), unit, s), counted, with_score=True)
            rows.append(row)
        return rank(rows)

    return _with_previous(build, start, end, previous)


def commune_board(province: Area, start: date, end: date, campaign: Campaign | None = None,
                  previous: tuple[date, date] | None = None, unit: str | None = None) -> list[BoardRow]:
    """Communes of a province, with targets summed over their villages (unit: as team_board's)."""
    counted = services_points(campaign)
    # Communes with no team yet have nothing to rank: they are left out (a row of zeros means nothing).
    village = Area.__table__.alias("tv")
    has_team = (select(Team.id).join(village, village.c.id == Team.village_id)
                .where(Team.active.is_(True), village.c.parent_id == Area.id).exists())
    communes = db.session.execute(select(Area.id, Area.name, Area.path, Area.level).where(
        Area.parent_id == province.id, Area.archived_at.is_(None), has_team)).all()
    ids = [c.id for c in communes]
    # Only communes (the parents of villages) have area rollups.
    rolled = all(c.level == AreaLevel.COMMUNE for c in communes)
    goals = campaign_goals(campaign, {c.id: c.path for c in communes}, [svc for svc, _p in counted.values()])
    village = Area.__table__.alias("v")
    members = dict(db.session.execute(
        select(village.c.parent_id, func.count(User.id)).select_from(User)
        .join(Team, Team.id == User.team_id).join(village, village.c.id == Team.village_id)
        .where(village.c.parent_id.in_(ids), User.active.is_(True)).group_by(village.c.parent_id)).all())

    def build(s: date, e: date) -> list[BoardRow]:
        achieved = _achieved(TallyKind.AREA, ids, s, e, rollups=rolled)
        out = []
        for cid, name, path, _level in communes:
            row = BoardRow(key=cid, name=name, place=province.name, path=path, members=members.get(cid, 0))
            _fill(row, achieved.get(cid, {}), _for_period(goals.get(cid, {}), unit, s), counted, with_score=True)
            out.append(row)
        return rank(out)

    return _with_previous(build, start, end, previous)


def member_board(area: Area, start: date, end: date, campaign: Campaign | None = None,
                 previous: tuple[date, date] | None = None, team_id: int | None = None,
                 limit: int | None = None) -> list[BoardRow]:
    """Members of one team (or of every team under an area), by points; with their weekly streak."""
    counted = services_points(campaign)
    stmt = (select(User.id, User.name, Team.name, Area.path).join(Team, Team.id == User.team_id)
            .join(Area, Area.id == Team.village_id).where(User.active.is_(True), villages_under(area)))
    if team_id is not None:
        stmt = stmt.where(User.team_id == team_id)
    people = db.session.execute(stmt).all()
    ids = [p[0] for p in people]

    def build(s: date, e: date) -> list[BoardRow]:
        achieved = _achieved(TallyKind.MEMBER, ids, s, e)
        out = []
        for uid, name, tname, path in people:
            row = BoardRow(key=uid, name=name, place=tname, path=path)
            _fill(row, achieved.get(uid, {}), {}, counted, with_score=False)
            out.append(row)
        return rank(out)

    rows = _with_previous(build, start, end, previous)
    if limit:
        rows = rows[:limit]
    streaks = weekly_streaks([r.key for r in rows])
    for r in rows:
        r.streak = streaks.get(r.key, 0)
    return rows


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
