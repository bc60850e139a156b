"""Patterns a commune officer should look at before trusting or rewarding the numbers."""
from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import func, or_, select, union
from sqlalchemy.orm import joinedload

from ..counting import STATS, day_bounds, eligible, household_stats, live_visit, local_day
from ..extensions import db
from ..models import Area, Assistance, Campaign, Household, Service, Team, User, Visit
from ..models.areas import within
from .queries import ancestor_paths

MAX_PER_HOUR = 12          # more visits than this in any 60 minutes by one member is implausible
LATE_DAYS = 2              # a visit received more than this long after it was made was entered late (back-entry)
CAP_BURST_HOUSEHOLDS = 10  # this many households counted at their full cap by one member in one day
MAX_ROWS = 50


def _in_area(stmt, area: Area):
    """The visits that count inside the area."""
    return (stmt.join(Household, Household.id == Visit.household_id)
            .join(Area, Area.id == Household.village_id).where(within(Area.path, area.path), live_visit()))


def fast_visits(area: Area, start: date, end: date) -> list[dict]:
    lo, hi = day_bounds(start, end)
    rows = db.session.execute(_in_area(select(Visit.member_id, Visit.visited_at), area)
                              .where(Visit.visited_at >= lo, Visit.visited_at < hi,
                                     Visit.entered_by_id.is_(None))  # a paper sheet's times are typed: listed below
                              .order_by(Visit.member_id, Visit.visited_at)).all()
    found: dict[int, dict] = {}
    by_member: dict[int, list] = defaultdict(list)
    for member_id, at in rows:
        by_member[member_id].append(at)
    for member_id, times in by_member.items():
        i = 0
        for j, at in enumerate(times):
            while at - times[i] >= timedelta(hours=1):
                i += 1
            n = j - i + 1
            if n > MAX_PER_HOUR and n > found.get(member_id, {}).get("count", 0):
                found[member_id] = {"member_id": member_id, "count": n, "from": times[i], "to": at}
    return _with_members(sorted(found.values(), key=lambda r: (-r["count"], r["member_id"]))[:MAX_ROWS])


def cap_bursts(area: Area, start: date, end: date) -> list[dict]:
    lo, hi = day_bounds(start, end)
    services = {s.id: s for s in db.session.scalars(select(Service))}
    rows = db.session.execute(
        _in_area(select(Visit.member_id, Visit.visited_at, Visit.household_id, Assistance.service_id,
                        Assistance.count, *[Household.__table__.c[name] for name in STATS[1:]],
                        Household.deleted_at), area)
        .join(Assistance, Assistance.visit_id == Visit.id)
        .where(Visit.visited_at >= lo, Visit.visited_at < hi)).all()
    groups: dict[tuple, set] = defaultdict(set)
    for row in rows:
        cap = eligible(services[row.service_id], household_stats(row))
        if cap is not None and cap >= 2 and row.count == cap:
            groups[(row.member_id, local_day(row.visited_at))].add(row.household_id)
    found = [{"member_id": m, "day": d, "households": len(h)} for (m, d), h in groups.items()
             if len(h) >= CAP_BURST_HOUSEHOLDS]
    return _with_members(sorted(found, key=lambda r: (-r["households"], r["member_id"], r["day"]))[:MAX_ROWS])


def shared_households(area: Area, start: date, end: date) -> list[dict]:
    """Households visited by more than one team in the range (bounded by it, like every check here:
    not every visit the commune ever had)."""
    lo, hi = day_bounds(start, end)
    teams = func.count(func.distinct(Visit.team_id))
    rows = db.session.execute(
        _in_area(select(Household.id, Household.code, Area.name, teams), area)
        .where(Visit.visited_at >= lo, Visit.visited_at < hi)
        .group_by(Household.id, Household.code, Area.name).having(teams > 1)
        .order_by(Area.name, Household.code).limit(MAX_ROWS)).all()
    return [{"household_id": r[0], "code": r[1], "village": r[2], "teams": r[3]} for r in rows]


def late_edits(area: Area) -> list[dict]:
    """Visits inside an ended campaign's dates, edited after it ended."""
    # Each half by its own index condition on the paths (with an OR, every area was read to test it).
    areas = union(select(Area.id).where(Area.path.in_(ancestor_paths(area.path))),
                  select(Area.id).where(within(Area.path, area.path)))
    campaigns = db.session.scalars(select(Campaign).where(Campaign.area_id.in_(areas))).all()
    out = []
    for c in campaigns:
        lo, hi = day_bounds(c.starts_on, c.ends_on)
        for v in db.session.scalars(_in_area(select(Visit), area).where(
                Visit.visited_at >= lo, Visit.visited_at < hi, Visit.updated_at.is_not(None),
                Visit.updated_at >= hi).options(*SHOWN).order_by(Visit.updated_at.desc()).limit(MAX_ROWS)):
            out.append({"campaign": c, "visit": v})
    return out[:MAX_ROWS]


SHOWN = (joinedload(Visit.household), joinedload(Visit.member))  # the visits' rows show code and member


def _late(dialect: str):
    """Received more than LATE_DAYS after the visit, in SQL."""
    if dialect == "sqlite":
        return func.julianday(Visit.received_at) - func.julianday(Visit.visited_at) > LATE_DAYS
    return Visit.received_at - Visit.visited_at > timedelta(days=LATE_DAYS)


def back_entered(area: Area, start: date, end: date) -> list[Visit]:
    """Visits entered in these days for an earlier day: from a paper walk sheet (by the leader, for a
    member), or sent more than LATE_DAYS after they were made. Allowed within the back-entry window
    (counting.earliest_visit_day), and shown here because they change figures already seen."""
    lo, hi = day_bounds(start, end)
    late = or_(Visit.entered_by_id.is_not(None), _late(db.session.get_bind().dialect.name))
    return list(db.session.scalars(_in_area(select(Visit), area).where(
        Visit.received_at >= lo, Visit.received_at < hi, late).options(*SHOWN)
        .order_by(Visit.received_at.desc()).limit(MAX_ROWS)))


def _with_members(rows: list[dict]) -> list[dict]:
    ids = [r["member_id"] for r in rows]
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    teams = {t.id: t for t in db.session.scalars(select(Team).where(
        Team.id.in_([u.team_id for u in users.values() if u.team_id])))} if users else {}
    for r in rows:
        r["member"] = users.get(r["member_id"])
        r["team"] = teams.get(r["member"].team_id) if r["member"] else None
    return rows


def anomalies(area: Area, start: date, end: date) -> dict[str, list]:
    return {"fast": fast_visits(area, start, end), "cap": cap_bursts(area, start, end),
            "shared": shared_households(area, start, end), "late": late_edits(area),
            "back": back_entered(area, start, end)}
