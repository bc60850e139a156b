"""Brute-force recounts from raw rows, to check the counters against."""
from collections import defaultdict
from datetime import date

from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Area, AreaStats, Household, HouseholdReach, TallyDay, TallyTotal, Visit
from fieldapp.tallies.operations import COUNTERS, area_ids, local_day


def recount():
    """(day rows, total rows, area stats, first visits) recomputed from Visit, Assistance and Household rows."""
    day_rows = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    total_rows = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    first = {}
    # Soft-deleted visits, and every visit of a soft-deleted household, count nowhere.
    visits = [v for v in db.session.scalars(select(Visit)).all()
              if v.deleted_at is None and v.household.deleted_at is None]
    for v in visits:
        owners = [("area", a) for a in area_ids(v.household.village.path)] + [("team", v.team_id), ("member", v.member_id)]
        day = local_day(v.visited_at)
        rows = [(0, {"visits": 1, v.outcome: 1})] + [(a.service_id, {"people": a.count}) for a in v.assists]
        for kind, ref in owners:
            for sid, values in rows:
                for name, value in values.items():
                    day_rows[(kind, ref, day, sid)][name] += value
                    total_rows[(kind, ref, sid)][name] += value
        key = (v.visited_at, v.received_at, v.id)
        if v.household_id not in first or key < first[v.household_id][0]:
            first[v.household_id] = (key, v, owners)
    reach = {}
    for _key, v, owners in first.values():
        reach[v.household_id] = (local_day(v.visited_at), v.team_id, v.member_id, v.visited_at)
        for kind, ref in owners:
            day_rows[(kind, ref, local_day(v.visited_at), 0)]["reached"] += 1
            total_rows[(kind, ref, 0)]["reached"] += 1
    stats = defaultdict(lambda: [0, 0, 0, 0])
    for h in db.session.scalars(select(Household).where(Household.deleted_at.is_(None))):
        for a in area_ids(h.village.path):
            s = stats[a]
            s[0] += 1
            s[1] += h.residents_total
            s[2] += h.residents_14plus
            s[3] += h.residents_18plus
    add_rollups(day_rows)
    clean = lambda rows: {k: v for k, v in rows.items() if any(v.values())}  # noqa: E731
    return clean(day_rows), clean(total_rows), dict(stats), reach


def starts(day: date) -> dict[str, date]:
    """Week (ISO, from the calendar), month and quarter starts, computed independently of the app."""
    year, week, _ = day.isocalendar()
    return {"w": date.fromisocalendar(year, week, 1), "m": date(day.year, day.month, 1),
            "q": date(day.year, (day.month + 2) // 3 * 3 - 2, 1)}


def add_rollups(day_rows) -> None:
    """Add to day_rows the week/month/quarter rows of teams, members and communes, summed from the day rows."""
    communes = set(db.session.scalars(select(Area.id).where(Area.level == "commune")))
    for (kind, ref, day, sid), values in list(day_rows.items()):
        if ":" in kind or (kind == "area" and ref not in communes):
            continue
        for period, start in starts(day).items():
            row = day_rows[(f"{kind}:{period}", ref, start, sid)]
            for name, value in values.items():
                row[name] += value


def stored(reach=True):
    """The stored counters, in recount()'s shape; reach=False skips household_reach (a schema before 0013)."""
    def rows(model, keys):
        out = {}
        for r in db.session.scalars(select(model)):
            values = {c: getattr(r, c) for c in COUNTERS}
            if any(values.values()):
                out[tuple(getattr(r, k) for k in keys)] = values
        return out
    # Named columns, not the model: an older schema (a downgrade test) lacks the columns added since.
    stats = {s.area_id: [s.households, s.residents_total, s.residents_14plus, s.residents_18plus]
             for s in db.session.execute(select(AreaStats.area_id, AreaStats.households, AreaStats.residents_total,
                                                AreaStats.residents_14plus, AreaStats.residents_18plus))
             if s.households}
    reach = {r.household_id: (r.first_day, r.team_id, r.member_id, r.first_at)
             for r in db.session.scalars(select(HouseholdReach))} if reach else None
    return (rows(TallyDay, ("kind", "ref_id", "day", "service_id")), rows(TallyTotal, ("kind", "ref_id", "service_id")),
            stats, reach)
