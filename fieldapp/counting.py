"""The counting rules, each in one function named in the domain's words (docs/counting.md).

What is live, what a household has achieved, who is eligible for a service, what a figure is measured
against and how its percentage reads, and which local day or period a moment belongs to. Every query,
check, counter and screen that applies one of these rules calls the function here; none writes it out
again (a second copy drifts: issue 14).
"""
from datetime import date, datetime, time, timedelta
from typing import overload

from flask import current_app
from sqlalchemy import Date, DateTime, Integer, and_, cast, func, literal, or_, select

from .extensions import db, in_list
from .models import (
    Area,
    AreaStats,
    Assistance,
    Campaign,
    CampaignTarget,
    Eligibility,
    Household,
    Outcome,
    Service,
    Visit,
)
from .timeutil import UTC_OFFSET, from_local, to_local, utcnow

# --- Live: soft-deleted rows count nowhere --------------------------------------------------------

def live(entity):
    """The condition "not soft-deleted" on a household, visit or outreach session (a model, an alias
    or a Core table): deleted rows count nowhere (caps, lists, tallies) until they are restored."""
    columns = getattr(entity, "c", None)
    return (columns.deleted_at if columns is not None else entity.deleted_at).is_(None)


def live_visit(visit=Visit, household=Household):
    """A visit that counts: it is live and so is its household (the caller joins the two)."""
    return and_(live(visit), live(household))


def live_households(*columns):
    """SELECT the live households (or these columns of them)."""
    return select(*(columns or (Household,))).where(live(Household))


def live_visits(*columns):
    """SELECT the visits that count (or these columns of them), joined to their household."""
    return (select(*(columns or (Visit,))).select_from(Visit).join(Household, Household.id == Visit.household_id)
            .where(live_visit()))


# --- A household's state on the walk list: done, or someone must come back ---------------------------

def is_done(household) -> bool:
    """Nobody needs to go back: visited, and the latest visit helped or was declined. The others (never
    visited, or "Không có nhà" / "Hẹn quay lại" last) are the remaining households of a walk list."""
    return household.last_visited_at is not None and household.last_outcome not in Outcome.COME_BACK


def done_sql(household=Household):
    """is_done() in SQL, on the households table (or an alias)."""
    return and_(household.last_visited_at.is_not(None), household.last_outcome.not_in(Outcome.COME_BACK))


def come_back_sql(household=Household):
    """The latest visit was "Không có nhà" or "Hẹn quay lại": someone must go back ("Cần quay lại")."""
    return household.last_outcome.in_(Outcome.COME_BACK)


def remaining_sql(household=Household):
    """The households still to visit (not done), in SQL."""
    return or_(household.last_visited_at.is_(None), come_back_sql(household))


def due_back_sql(on: date, household=Household):
    """Households whose latest visit promised to come back on or before this day (due today or overdue)."""
    return and_(household.return_on.is_not(None), household.return_on <= on)


# --- Achieved so far: per household and service ---------------------------------------------------

def achieved(household_ids=None, *, village_id: int | None = None,
             exclude_visit_id: str | None = None) -> dict[str, dict[int, int]]:
    """{household id: {service id: people (or dossiers) counted so far}} over the visits that count,
    in one grouped query: for these households, or every household of a village. A household with
    nothing counted is absent (or {} when asked for by id). exclude_visit_id leaves out one visit
    (the one being corrected)."""
    out: dict[str, dict[int, int]] = {}
    if household_ids is not None:
        household_ids = list(household_ids)
        out = {hid: {} for hid in household_ids}
        if not household_ids:
            return out  # before the statement is built: a batch without counts asks for none
    stmt = (live_visits(Visit.household_id, Assistance.service_id, func.sum(Assistance.count))
            .join(Assistance, Assistance.visit_id == Visit.id)
            .group_by(Visit.household_id, Assistance.service_id))
    if household_ids is not None:
        stmt = stmt.where(in_list(Visit.household_id, household_ids))
    if village_id is not None:
        stmt = stmt.where(Household.village_id == village_id)
    if exclude_visit_id is not None:
        stmt = stmt.where(Visit.id != exclude_visit_id)
    for household_id, service_id, total in db.session.execute(stmt):
        out.setdefault(household_id, {})[service_id] = int(total)
    return out


def achieved_in(household_id: str, exclude_visit_id: str | None = None) -> dict[int, int]:
    """{service id: counted so far} of one household."""
    return achieved([household_id], exclude_visit_id=exclude_visit_id)[household_id]


# --- Eligible residents of a service ---------------------------------------------------------------

STATS = ("households", "residents_total", "residents_14plus", "residents_18plus", "smartphones")


def household_stats(household) -> dict[str, int]:
    """What a household adds to its areas' denominators: itself and its residents by age group
    (nothing once deleted). A Household, a row read with its columns, or None."""
    if household is None or household.deleted_at is not None:
        return dict.fromkeys(STATS, 0)
    return {"households": 1, **{name: getattr(household, name) for name in STATS[1:]}}


def eligible(service: Service, stats: dict[str, int]) -> int | None:
    """The residents who could be counted for a service in a household or an area (stats as
    household_stats or area_stats give them): its lifetime cap and its denominator. None: no cap
    (dossiers)."""
    column = Eligibility.COUNTED_IN[service.eligibility]
    return None if column is None else stats.get(column, 0)


def eligible_sql(eligibility: str, household=Household):
    """eligible() of each household, in SQL, for a service of this eligibility (None: no cap)."""
    column = Eligibility.COUNTED_IN[eligibility]
    if column is None:
        return None
    return literal(1) if column == "households" else getattr(household, column)  # a household counts once


def per_visit_limit(service: Service, stats: dict[str, int]) -> int | None:
    """At most this many in one visit: services without a lifetime cap (dossiers) take one per resident."""
    return stats.get("residents_total", 0) if eligible(service, stats) is None else None


def over_eligible(service: Service, stats: dict[str, int], counted: int) -> bool:
    """More counted than the residents who could be: what no write may leave behind."""
    cap = eligible(service, stats)
    return cap is not None and counted > cap


def remaining(service: Service, stats: dict[str, int], done: int) -> int | None:
    """What is still left to count (None: no cap)."""
    cap = eligible(service, stats)
    return None if cap is None else max(cap - done, 0)


def area_stats(area_ids) -> dict[int, dict[str, int]]:
    """The denominators of areas (villages, communes, provinces): {area id: stats}."""
    ids = list(area_ids)
    if not ids:
        return {}
    columns = [getattr(AreaStats, name) for name in STATS]  # plain rows: a province's 5,000 villages at once
    return {area_id: dict(zip(STATS, values, strict=True)) for area_id, *values in db.session.execute(
        select(AreaStats.area_id, *columns).where(in_list(AreaStats.area_id, ids)))}


# --- The goal of a figure and its percentage -----------------------------------------------------

@overload
def goal(target: int | None, eligible_residents: int) -> int: ...
@overload
def goal(target: int | None, eligible_residents: int | None) -> int | None: ...
def goal(target: int | None, eligible_residents: int | None) -> int | None:
    """What a figure is measured against: the campaign's target when one is set, else the eligible residents."""
    return target if target is not None else eligible_residents


def share(done: int, of: float | None) -> float | None:
    """done as a share of its goal (1.0 = 100%), shown as it is: over-achievement reads 1.217, not 1.0.
    None when there is nothing to measure against."""
    return done / of if of else None


GOAL_YEAR_DAYS = 365  # without a campaign, a goal (the eligible residents) is the work of a year


def period_goal(goal: int | None, period: str, start: date) -> float | None:
    """The share of a year's goal that falls to the week ("w"), month ("m") or quarter ("q") beginning on
    start: goal x its days / 365. A week is measured against its part of the work, not against every
    eligible resident (which read 0.24-1.45%: issue 16). None without a goal."""
    if not goal:
        return None
    return goal * ((period_end(period, start) - start).days + 1) / GOAL_YEAR_DAYS


def campaign_goals(campaign: Campaign | None, areas: dict[int, str], services) -> dict[int, dict[int, int | None]]:
    """{area id: {service id: goal}} of these areas ({id: path}, any level) in a campaign: a village's
    goal is the campaign's target for it, else its eligible residents; an area above villages adds up
    its villages' goals (its eligible residents, with each targeted village's replaced by the target).
    Without a campaign: the eligible residents."""
    services = list(services)
    stats = area_stats(areas)
    # eligible() once per area and kind of eligibility (a campaign's 11 services have 4), not per service:
    # a province board's 5,000 villages
    by_kind: dict[str, list[int]] = {}
    first: dict[str, Service] = {}
    for s in services:
        by_kind.setdefault(s.eligibility, []).append(s.id)
        first.setdefault(s.eligibility, s)
    out: dict[int, dict[int, int | None]] = {}
    for aid in areas:
        st, row = stats.get(aid, {}), {}
        for kind, ids in by_kind.items():
            n = eligible(first[kind], st)
            for sid in ids:
                row[sid] = n
        out[aid] = row
    if campaign is None or not areas:
        return out
    by_id = {s.id: s for s in services}
    rows = db.session.execute(
        select(Area.path, CampaignTarget.village_id, CampaignTarget.service_id, CampaignTarget.target)
        .join(Area, Area.id == CampaignTarget.village_id)
        .where(CampaignTarget.campaign_id == campaign.id, in_list(CampaignTarget.service_id, list(by_id)))).all()
    if not rows:
        return out
    villages = area_stats({r.village_id for r in rows})
    by_path = {area_path: aid for aid, area_path in areas.items()}
    for path, village_id, service_id, target in rows:  # each target moves the goal of its areas, and only theirs
        parts = [p for p in path.split("/") if p]
        for aid in {by_path[a] for a in ("/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1))
                    if a in by_path}:
            instead = eligible(by_id[service_id], villages.get(village_id, {})) or 0
            out[aid][service_id] = (out[aid][service_id] or 0) - instead + goal(target, instead)
    return out


# --- Local days and periods: Vietnam time (UTC+7) ---------------------------------------------------

def today() -> date:
    """Today in Vietnam."""
    return to_local(utcnow()).date()


def local_day(dt: datetime) -> date:
    """The Vietnamese calendar day of a stored (naive UTC) time."""
    return to_local(dt).date()


def local_day_sql(column, dialect: str):
    """local_day() in SQL, for a stored time column, on SQLite or PostgreSQL."""
    if dialect == "sqlite":
        return func.date(column, f"{UTC_OFFSET.total_seconds():+.0f} seconds", type_=Date)
    return cast(column + UTC_OFFSET, Date)


@overload
def day_bounds(start: date, end: date) -> tuple[datetime, datetime]: ...
@overload
def day_bounds(start: date, end: None) -> tuple[datetime, None]: ...
@overload
def day_bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]: ...
def day_bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """Local days start..end as stored instants: [start 00:00, end + 1 day 00:00) in Vietnam time."""
    lo = from_local(datetime.combine(start, time())) if start else None
    hi = from_local(datetime.combine(end + timedelta(days=1), time())) if end else None
    return lo, hi


def period_start(period: str, day: date) -> date:
    """The first day of the ISO week ("w", a Monday), the month ("m") or the quarter ("q") of a day."""
    if period == "w":
        return day - timedelta(days=day.weekday())
    if period == "m":
        return day.replace(day=1)
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def period_end(period: str, start: date) -> date:
    """The last day of the period that begins on start."""
    if period == "w":
        return start + timedelta(days=6)
    months = 1 if period == "m" else 3
    m = start.month - 1 + months
    return date(start.year + m // 12, m % 12 + 1, 1) - timedelta(days=1)


def earliest_visit_day(on: date | None = None) -> date:
    """The earliest local day a new visit may be dated, for every door (the form, a phone's batch, a
    paper walk sheet) and whenever or however its household was added: today minus the back-entry
    window (BACK_ENTRY_DAYS). A household a phone added offline is dated no earlier either."""
    return (on or today()) - timedelta(days=current_app.config["BACK_ENTRY_DAYS"])


def period_cover(start: date, end: date, open_end: bool = False) -> list[tuple[str, date, date]]:
    """Tile the days start..end with whole quarters ("q"), months ("m"), ISO weeks ("w") and runs of single
    days ("d"), taking on each day the longest period that begins there and fits, except a week that would
    run into a month which fits whole (a week from Monday 29 December would leave January, February and
    March to days and weeks instead of one quarter): [(period, first start, last start)], the starts of
    consecutive periods of one kind merged into one run. A sum over start..end then reads one rollup row
    per owner, service and period (tally_day's "<kind>:q" ... rows, day = the period's first day) and day
    rows only at the ragged ends.

    open_end: the range runs to today or later, and nothing is counted after today, so a period that begins
    by then may run past end (a campaign until Sunday reads this week's rollup), and days after today are
    left out."""
    out: list[tuple[str, date, date]] = []
    stop = min(end, today()) if open_end else end

    def fits(p: str, first: date) -> bool:
        return open_end or period_end(p, first) <= end

    d = start
    while d <= stop:
        for p in ("q", "m", "w"):
            if period_start(p, d) == d and fits(p, d):
                step, last = p, period_end(p, d)
                if p == "w" and last.month != d.month and fits("m", last.replace(day=1)):
                    continue
                break
        else:
            step, last = "d", d
        if out and out[-1][0] == step:
            out[-1] = (step, out[-1][1], d)
        else:
            out.append((step, d, d))
        d = last + timedelta(days=1)
    return out


def campaign_days(campaign: Campaign) -> tuple[date, date]:
    """The days a campaign's figures count so far: from its first day to its last, or to today while it runs."""
    return campaign.starts_on, min(campaign.ends_on, max(today(), campaign.starts_on))


def period_start_sql(period: str, day, dialect: str):
    """period_start() in SQL, for a date column, on SQLite or PostgreSQL."""
    if dialect == "sqlite":
        if period == "w":
            return func.date(day, "weekday 0", "-6 days", type_=Date)  # the Sunday on or after, minus 6 days
        if period == "m":
            return func.date(day, "start of month", type_=Date)
        back = (cast(func.strftime("%m", day), Integer) - 1) % 3
        return func.date(day, "start of month", func.printf("-%d months", back), type_=Date)
    unit = {"w": "week", "m": "month", "q": "quarter"}[period]
    return cast(func.date_trunc(unit, cast(day, DateTime)), Date)
