"""Reads of the counters: tallies per area, team and member, with denominators and targets.

Each function issues a fixed number of queries over counter rows (owners x days x services),
so the cost follows the number of areas shown, never the number of visits.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal, overload

from flask import abort, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from ..access import can_see_dashboards, own_area_or_404
from ..counting import area_stats, campaign_days, campaign_goals, eligible, live_households, share, today
from ..extensions import db
from ..models import Area, AreaStats, Campaign, Household, Service, TallyDay, TallyKind, TallyTotal, Team, User
from ..models.tallies import VISIT_ROW
from ..timeutil import BadDate, parse_day
from ..visits.rules import OUTCOMES


@dataclass
class ServiceTally:
    service: Service
    people: int = 0          # helped in the range
    people_ever: int = 0     # helped since the start
    eligible: int | None = None
    # During a campaign that counts the service: what was done since it started, against its goal
    # (the campaign's target, else the eligible residents), as the campaign's boards measure it.
    in_campaign: int | None = None
    campaign_goal: int | None = None

    @property
    def coverage(self) -> float | None:
        """Share of the eligible residents helped ever (the cap keeps it at most 1; shown as it is)."""
        return share(self.people_ever, self.eligible)

    @property
    def campaign_share(self) -> float | None:
        return None if self.in_campaign is None else share(self.in_campaign, self.campaign_goal)


@dataclass
class Tally:
    ref_id: int
    households: int = 0
    visited: int = 0            # households visited at least once (ever)
    reached: int = 0            # households visited for the first time in the range
    visits: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    stats: dict[str, int] = field(default_factory=dict)
    services: dict[int, ServiceTally] = field(default_factory=dict)


def sums_in_range(kind: str, ref_ids, start: date, end: date) -> dict[int, dict[int, dict[str, int]]]:
    """{ref_id: {service_id: {counter: total}}} over the local days start..end (inclusive)."""
    cols = [func.sum(getattr(TallyDay, c)) for c in ("visits", *OUTCOMES, "reached", "people")]
    stmt = (select(TallyDay.ref_id, TallyDay.service_id, *cols)
            .where(TallyDay.kind == kind, TallyDay.ref_id.in_(ref_ids), TallyDay.day >= start, TallyDay.day <= end)
            .group_by(TallyDay.ref_id, TallyDay.service_id))
    out: dict[int, dict[int, dict[str, int]]] = defaultdict(dict)
    for ref_id, sid, visits, helped, not_home, declined, revisit, reached, people in db.session.execute(stmt):
        out[ref_id][sid] = {"visits": int(visits or 0), "helped": int(helped or 0), "not_home": int(not_home or 0),
                            "declined": int(declined or 0), "revisit": int(revisit or 0),
                            "reached": int(reached or 0), "people": int(people or 0)}
    return out


def totals(kind: str, ref_ids) -> dict[int, dict[int, TallyTotal]]:
    out: dict[int, dict[int, TallyTotal]] = defaultdict(dict)
    for row in db.session.scalars(select(TallyTotal).where(TallyTotal.kind == kind, TallyTotal.ref_id.in_(ref_ids))):
        out[row.ref_id][row.service_id] = row
    return out


def tallies(kind: str, ref_ids: list[int], stats_by_ref: dict[int, dict], start: date, end: date,
            services: list[Service]) -> dict[int, Tally]:
    """Tallies of many owners at once: two counter queries, whatever the number of visits."""
    in_range = sums_in_range(kind, ref_ids, start, end)
    ever = totals(kind, ref_ids)
    out = {}
    for ref in ref_ids:
        stats = stats_by_ref.get(ref, {})
        t = Tally(ref_id=ref, households=stats.get("households", 0), stats=stats)
        visit_row = in_range.get(ref, {}).get(VISIT_ROW, {})
        t.visits = visit_row.get("visits", 0)
        t.reached = visit_row.get("reached", 0)
        for o in OUTCOMES:
            t.outcomes[o] = visit_row.get(o, 0)
        total_row = ever.get(ref, {}).get(VISIT_ROW)
        t.visited = total_row.reached if total_row else 0
        for s in services:
            row = ever.get(ref, {}).get(s.id)
            t.services[s.id] = ServiceTally(
                service=s, people=in_range.get(ref, {}).get(s.id, {}).get("people", 0),
                people_ever=row.people if row else 0, eligible=eligible(s, stats))
        out[ref] = t
    return out


def area_tallies(areas: list[Area], start: date, end: date, services: list[Service],
                 campaign: Campaign | None = None) -> dict[int, Tally]:
    """Tallies of areas; during a campaign, each service it counts also measured as its boards do:
    the work since it started against its goal (campaign_period, campaign_goals)."""
    ids = [a.id for a in areas]
    out = tallies(TallyKind.AREA, ids, area_stats(ids), start, end, services)
    if campaign is not None:
        counted = [s for s in services if s.id in {cs.service_id for cs in campaign.services if cs.points > 0}]
        done = sums_in_range(TallyKind.AREA, ids, *campaign_days(campaign))
        goals = campaign_goals(campaign, {a.id: a.path for a in areas}, counted)
        for ref, t in out.items():
            for s in counted:
                t.services[s.id].in_campaign = done.get(ref, {}).get(s.id, {}).get("people", 0)
                t.services[s.id].campaign_goal = goals[ref][s.id]
    return out


def children(area: Area) -> list[Area]:
    """The areas right below, whose rows add up to the area's figures: archived ones too while they
    still hold live households (an archived village keeps its history)."""
    still_counting = AreaStats.households > 0
    return list(db.session.scalars(
        select(Area).outerjoin(AreaStats, AreaStats.area_id == Area.id)
        .where(Area.parent_id == area.id, or_(Area.archived_at.is_(None), still_counting))
        .order_by(Area.name, Area.id)))


def visits_per_day(kind: str, ref_id: int, start: date, end: date) -> list[tuple[date, int]]:
    rows = dict(db.session.execute(
        select(TallyDay.day, TallyDay.visits).where(TallyDay.kind == kind, TallyDay.ref_id == ref_id,
                                                    TallyDay.service_id == VISIT_ROW,
                                                    TallyDay.day >= start, TallyDay.day <= end)).all())
    days = (end - start).days + 1
    return [(start + timedelta(days=i), int(rows.get(start + timedelta(days=i), 0))) for i in range(days)]


def chart(points: list[tuple[date, int]], width: int = 320, height: int = 120) -> dict:
    """Bars for an inline SVG (attributes only; the CSP forbids inline styles)."""
    top = max((n for _d, n in points), default=0) or 1
    step = width / max(len(points), 1)
    bars = []
    for i, (day, n) in enumerate(points):
        h = round((height - 16) * n / top, 1)
        bars.append({"x": round(i * step + 1, 1), "y": round(height - 14 - h, 1), "w": max(round(step - 2, 1), 1),
                     "h": h, "day": day, "n": n})
    return {"bars": bars, "width": width, "height": height, "top": top,
            "first": points[0][0] if points else None, "last": points[-1][0] if points else None}


def member_activity(team_ids: list[int], week_start: date) -> list[dict]:
    """Members of the teams with their visits this week and their last visit day."""
    members = list(db.session.scalars(select(User).where(User.team_id.in_(team_ids), User.active.is_(True))
                                      .order_by(User.name, User.id)))
    ids = [m.id for m in members]
    week = dict(db.session.execute(
        select(TallyDay.ref_id, func.sum(TallyDay.visits))
        .where(TallyDay.kind == TallyKind.MEMBER, TallyDay.ref_id.in_(ids), TallyDay.service_id == VISIT_ROW,
               TallyDay.day >= week_start).group_by(TallyDay.ref_id)).all())
    last = dict(db.session.execute(
        select(TallyDay.ref_id, func.max(TallyDay.day))
        .where(TallyDay.kind == TallyKind.MEMBER, TallyDay.ref_id.in_(ids), TallyDay.service_id == VISIT_ROW,
               TallyDay.visits > 0).group_by(TallyDay.ref_id)).all())
    return [{"member": m, "week": int(week.get(m.id) or 0), "last": last.get(m.id)} for m in members]


def unvisited_households(village_id: int, limit: int = 30) -> list[Household]:
    return list(db.session.scalars(
        live_households().where(Household.village_id == village_id, Household.last_visited_at.is_(None))
        .order_by(Household.code, Household.id).limit(limit)))


def village_teams(village_id: int) -> list[Team]:
    return list(db.session.scalars(select(Team).where(Team.village_id == village_id, Team.active.is_(True))
                                   .order_by(Team.name, Team.id)))


def ancestor_paths(path: str) -> list[str]:
    """"/1/5/9/" -> ["/1/", "/1/5/", "/1/5/9/"]: the area and every area above it."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


def running_campaign(area: Area) -> Campaign | None:
    """The latest campaign running today that covers the area (its area is the area or above it)."""
    d = today()
    return db.session.scalar(
        select(Campaign).join(Area, Area.id == Campaign.area_id)
        .where(Area.path.in_(ancestor_paths(area.path)), Campaign.starts_on <= d, Campaign.ends_on >= d)
        .order_by(Campaign.starts_on.desc(), Campaign.id.desc()).limit(1))


# --- What a dashboard (page or API) asks for --------------------------------------------------------

MAX_DAYS = 366


def dashboard_area_or_404(area_id: int) -> Area:
    """Dashboards show only the user's own area and what is below it (a leader: their village).

    Out of scope is a 404 first; inside it, a role without dashboards (a member) gets a 403.
    """
    area = own_area_or_404(current_user, area_id)
    if not can_see_dashboards(current_user):
        abort(403)
    return area


def date_arg(name: str) -> date | None:
    """One ?name=YYYY-MM-DD argument (a Vietnamese local date); bad input is a 400 with a clear message."""
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return parse_day(raw)
    except BadDate as err:
        abort(400, description=str(err))


@overload
def date_range(default_days: int = 30, allow_open: Literal[False] = False) -> tuple[date, date]: ...
@overload
def date_range(default_days: int = 30, allow_open: bool = False) -> tuple[date | None, date | None]: ...
def date_range(default_days: int = 30, allow_open: bool = False) -> tuple[date | None, date | None]:
    """?from=YYYY-MM-DD&to=YYYY-MM-DD in Vietnam time; bad input is a 400 with a clear message."""
    start, end = date_arg("from"), date_arg("to")
    if allow_open and start is None and end is None:
        return None, None
    end = end or today()
    try:
        start = start or end - timedelta(days=default_days - 1)
    except OverflowError:
        abort(400, description=_("Ngày không hợp lệ."))
    if start > end:
        abort(400, description=_("Ngày bắt đầu phải trước ngày kết thúc."))
    if (end - start).days >= MAX_DAYS:
        abort(400, description=_("Chỉ xem tối đa %(n)d ngày một lần.", n=MAX_DAYS))
    return start, end
