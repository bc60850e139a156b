"""Aggregate counters, written in the same transaction as every visit and household write.

A visit adds +1/-1 deltas to the rows of its owners (its village, commune and province, its team,
its member) for its local day and for all time. Tallies then read counters, never visits, so their
cost follows the number of areas shown, not the number of visits.
"""
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from operator import itemgetter

from sqlalchemy import Column, Date, Integer, MetaData, String, Table, case, delete, func, literal, select
from sqlalchemy.schema import SchemaItem

from .. import bulk
from ..bulk import Bulk, insert_rows
from ..counting import (
    STATS,
    household_stats,
    live,
    live_visit,
    local_day,
    local_day_sql,
    period_start,
    period_start_sql,
    today,
)
from ..extensions import db, in_list
from ..history import backfill
from ..models import (
    Area,
    AreaStats,
    AreaStatsDay,
    Assistance,
    Household,
    HouseholdReach,
    MergedCounter,
    TallyDay,
    TallyKind,
    TallyTotal,
    VillageMerge,
    Visit,
    VisitLate,
)
from ..models.tallies import ROLLUPS, VISIT_ROW, rollup_kind
from ..timeutil import utcnow
from ..visits.rules import OUTCOMES

COUNTERS = ("visits", *OUTCOMES, "reached", "people")


@dataclass(frozen=True)
class VisitFacts:
    """What the counters need to know about one visit, taken before and after a change."""
    household_id: str
    area_ids: tuple[int, ...]
    team_id: int
    member_id: int
    day: date
    at: datetime  # visited_at, naive UTC: compared with the household's first visit
    outcome: str
    counts: tuple[tuple[int, int], ...]
    visit_id: str | None = None  # to note a change made on a later day than the visit's (visit_late)


@lru_cache(maxsize=32768)
def area_ids(path: str) -> tuple[int, ...]:
    """"/1/5/9/" -> (1, 5, 9): the area and every area above it (kept for the last 32,768 paths: a province's
    report asks it for each of 5,000 villages several times; a path never changes its meaning)."""
    return tuple(int(part) for part in path.strip("/").split("/") if part)


def facts(visit: Visit, household: Household | None = None) -> VisitFacts:
    household = household or visit.household
    return VisitFacts(
        household_id=household.id, area_ids=area_ids(household.village.path),
        team_id=visit.team_id, member_id=visit.member_id, day=local_day(visit.visited_at),
        at=visit.visited_at, outcome=visit.outcome, counts=tuple(sorted((a.service_id, a.count) for a in visit.assists)),
        visit_id=visit.id)


def _owners(area_list, team_id, member_id):
    """(kind, ref_id, rolled up by period?) for every owner of a visit's counters.

    The commune (the village's parent) is rolled up for the province leaderboard, the team and the
    member for theirs; the village and the province keep day rows only.
    """
    commune = area_list[-2] if len(area_list) >= 2 else None
    return ([(TallyKind.AREA, a, a == commune) for a in area_list]
            + [(TallyKind.TEAM, team_id, True), (TallyKind.MEMBER, member_id, True)])


def _add(day_rows, total_rows, owners, day, service_id, **values) -> None:
    """Add values to every counter key a (day, service) of these owners touches: the day rows, the
    all-time rows and, for rolled-up owners, the week, month and quarter rows of that day.

    This is the one place where keys are enumerated: any caller (one visit, or a batch of visits
    accumulated into the same two dicts before one _upsert each) gets the rollup keys with it.
    """
    starts = [(p, period_start(p, day)) for p in ROLLUPS]
    for kind, ref, rolled in owners:
        keys = [(day_rows, (kind, ref, day, service_id)), (total_rows, (kind, ref, service_id))]
        if rolled:
            keys += [(day_rows, (rollup_kind(kind, p), ref, start, service_id)) for p, start in starts]
        for rows, key in keys:
            row = rows[key]
            for name, value in values.items():
                row[name] += value


def new_rows() -> tuple[dict, dict]:
    """Empty (day rows, total rows) accumulators for add_visit / write_rows."""
    return defaultdict(lambda: dict.fromkeys(COUNTERS, 0)), defaultdict(lambda: dict.fromkeys(COUNTERS, 0))


def _alike(f: VisitFacts) -> tuple:
    """What a visit's counters depend on, apart from "reached": visits alike in it count alike."""
    return f.area_ids, f.team_id, f.member_id, f.day, f.outcome, f.counts


def _add_alike(day_rows, total_rows, alike: tuple, n: int) -> None:
    """Accumulate n visits alike (n < 0 uncounts them), without the first-visit ("reached") part."""
    area_list, team_id, member_id, day, outcome, counts = alike
    owners = _owners(area_list, team_id, member_id)
    _add(day_rows, total_rows, owners, day, VISIT_ROW, visits=n, **{outcome: n})
    for service_id, count in counts:
        _add(day_rows, total_rows, owners, day, service_id, people=n * count)


def add_visit(day_rows, total_rows, f: VisitFacts, sign: int) -> None:
    """Accumulate one visit's counters (+1 counted, -1 uncounted), without the first-visit ("reached") part."""
    _add_alike(day_rows, total_rows, _alike(f), sign)


def write_rows(day_rows, total_rows, together=()) -> None:
    """One upsert per counter table (day, period rollup and all-time rows), the day rows first, then the
    all-time rows: every writer takes the counters' row locks in that order (and in key order within each).
    `together`: other Bulk statements and their rows, run with the day rows (in one statement on PostgreSQL,
    bulk.run_together): writes to rows no other writer holds (new rows, rows under the households' lock)."""
    conn = db.session.connection()
    bulk.run_together(conn, [*together, _upsert_rows(TallyDay, ("kind", "ref_id", "day", "service_id"), day_rows)])
    bulk.run_together(conn, [_upsert_rows(TallyTotal, ("kind", "ref_id", "service_id"), total_rows)])


def apply_visit_delta(before: VisitFacts | None, after: VisitFacts | None) -> None:
    """Move the counters from what a visit was (None: new) to what it is (None: deleted)."""
    if before is None and after is not None:
        apply_new_visits([after])  # a new visit: the cheaper "reached" check of the batch path
        return
    day_rows, total_rows = new_rows()
    for f, sign in ((before, -1), (after, 1)):
        if f is not None:
            add_visit(day_rows, total_rows, f, sign)
    ref = after or before
    assert ref is not None
    _refresh_reach(ref.household_id, ref.area_ids, day_rows, total_rows)
    write_rows(day_rows, total_rows)
    note_late([f for f in (before, after) if f is not None])


def apply_new_visits(new: list[VisitFacts], reach: dict[str, tuple | None] | None = None, together=()) -> None:
    """apply_visit_delta(None, f) for every f, as one upsert per table: a sync batch's new visits.

    Deltas add up, so the counters end where one call per visit would leave them; "reached" is
    computed once per household, against its stored first visit. reach: the households' household_reach
    rows as the writer read them under their lock (locks.lock_households(reach=True)); None: read here.
    together: the writer's own Bulk statements and rows (bulk.run_together), run in the counters' statement
    on PostgreSQL (writes that read none of these tables).
    """
    if not new:
        bulk.run_together(db.session.connection(), together)
        return
    day_rows, total_rows = new_rows()
    areas: dict[str, tuple[int, ...]] = {}
    earliest: dict[str, list[VisitFacts]] = {}  # per household: its new visits at the earliest time
    alike: dict[tuple, int] = defaultdict(int)  # a batch's visits mostly share owners, day and outcome
    for f in new:
        alike[_alike(f)] += 1
        areas[f.household_id] = f.area_ids
        first = earliest.setdefault(f.household_id, [f])
        if f.at < first[0].at:
            earliest[f.household_id] = [f]
        elif f.at == first[0].at and f is not first[0]:
            first.append(f)
    for key, n in alike.items():
        _add_alike(day_rows, total_rows, key, n)
    reached = _refresh_reach_many(areas, earliest, day_rows, total_rows, reach)
    write_rows(day_rows, total_rows, [*together, *reached])
    note_late(new)


def note_late(changed: list[VisitFacts]) -> None:
    """Visits changed today whose own day is earlier: a report of a period that ended before today moved,
    so each is kept in visit_late (its earliest and latest day, this change's time). A visit entered or
    corrected on its own day is not late for any period and writes nothing: the usual path costs nothing."""
    day = today()
    by_visit: dict[str, list] = {}
    for f in changed:
        if f.visit_id is None:
            continue
        seen = by_visit.setdefault(f.visit_id, [f, f.day, f.day])
        seen[1], seen[2] = min(seen[1], f.day), max(seen[2], f.day)
    now = utcnow()
    rows = [(vid, f.household_id, f.area_ids[-2] if len(f.area_ids) > 1 else f.area_ids[0], f.area_ids[0], lo, hi,
             now) for vid, (f, lo, hi) in sorted(by_visit.items()) if lo < day]
    _LATE.run(db.session.connection(), rows)  # one statement (fieldapp.bulk); in the writer's pipeline if one runs


def _late_upsert(rows):
    table = VisitLate.__table__
    stmt = insert_rows(table, rows)
    low, high = (func.least, func.greatest) if rows.dialect == "postgresql" else (func.min, func.max)
    return stmt.on_conflict_do_update(index_elements=["visit_id"], set_={
        "first_day": low(table.c.first_day, stmt.excluded.first_day),
        "last_day": high(table.c.last_day, stmt.excluded.last_day), "changed_at": stmt.excluded.changed_at})


_LATE = Bulk({n: VisitLate.__table__.c[n].type for n in ("visit_id", "household_id", "commune_id", "province_id",
                                                         "first_day", "last_day", "changed_at")}, _late_upsert)


def _refresh_reach_many(areas: dict[str, tuple[int, ...]], earliest: dict[str, list[VisitFacts]],
                        day_rows, total_rows, reach: dict[str, tuple | None] | None = None) -> list:
    """_refresh_reach for households that only gained visits (earliest: the new visits at the
    earliest time of each): one read of the stored first visits (none when the writer read them with the
    lock: `reach`), then the inserts and updates, returned as Bulk statements and rows (write_rows runs them).

    A new visit later than the stored first leaves it; one earlier (or a household without a first
    visit) becomes it. Only a tie in time, or a row without first_at, reads the visits themselves.
    """
    ids = sorted(areas)
    v, hh, r = Visit.__table__, Household.__table__, HouseholdReach.__table__
    db.session.flush()  # the Core reads below do not autoflush: pending visits and reach rows first
    if reach is not None and all(hid in reach for hid in ids):
        stored = {hid: row for hid, row in reach.items() if row is not None}
    else:
        stored = {row.household_id: (row.first_day, row.team_id, row.member_id, row.first_at)
                  for row in db.session.execute(select(r).where(in_list(r.c.household_id, ids)))}
    first: dict[str, tuple] = {}
    unsure = []
    for hid in ids:
        old, news = stored.get(hid), earliest[hid]
        if old is not None and old[3] is not None and news[0].at > old[3]:
            first[hid] = old
        elif len(news) == 1 and (old is None or (old[3] is not None and news[0].at < old[3])):
            first[hid] = (news[0].day, news[0].team_id, news[0].member_id, news[0].at)
        else:
            unsure.append(hid)
    if unsure:
        # The first live visit of each: one index walk per household (household_id, visited_at).
        first_id = (select(v.c.id).where(v.c.household_id == hh.c.id, live(v))
                    .order_by(v.c.visited_at, v.c.received_at, v.c.id).limit(1).correlate(hh).scalar_subquery())
        firsts = select(first_id.label("visit_id")).where(in_list(hh.c.id, unsure), live(hh)).subquery()
        first.update({row.household_id: (local_day(row.visited_at), row.team_id, row.member_id, row.visited_at)
                      for row in db.session.execute(select(v.c.household_id, v.c.visited_at, v.c.team_id,
                                                           v.c.member_id).join(firsts, firsts.c.visit_id == v.c.id))})
    inserts: list[tuple] = []  # (household_id, first_day, team_id, member_id, first_at)
    updates: list[tuple] = []
    deletes: list[str] = []
    for household_id in ids:
        new, old = first.get(household_id), stored.get(household_id)
        if new == old:
            continue
        if old and old[:3] != (new or ())[:3]:
            _add(day_rows, total_rows, _owners(areas[household_id], old[1], old[2]), old[0], VISIT_ROW, reached=-1)
        if new and (old or ())[:3] != new[:3]:
            _add(day_rows, total_rows, _owners(areas[household_id], new[1], new[2]), new[0], VISIT_ROW, reached=1)
        if old is None:
            assert new is not None  # new == old was skipped
            inserts.append((household_id, *new))
        elif new is None:
            deletes.append(household_id)
        else:
            updates.append((household_id, *new))
    for obj in [o for o in db.session.identity_map.values() if isinstance(o, HouseholdReach)]:
        if obj.household_id in areas:
            db.session.expire(obj)  # written below without the ORM
    if deletes:
        db.session.connection().execute(r.delete().where(r.c.household_id.in_(deletes)))
    return [(_REACH_INSERT, inserts), (_REACH_UPDATE, updates)]  # written with the counters (write_rows)


_REACH_COLUMNS = ("household_id", "first_day", "team_id", "member_id", "first_at")
_REACH_INSERT = Bulk({n: HouseholdReach.__table__.c[n].type for n in _REACH_COLUMNS},
                     lambda rows: insert_rows(HouseholdReach.__table__, rows))


def _reach_update(rows):
    r = HouseholdReach.__table__
    return r.update().where(r.c.household_id == rows.c["hid"]).values(
        first_day=rows.c["first_day"], team_id=rows.c["team_id"], member_id=rows.c["member_id"],
        first_at=rows.c["first_at"])


_REACH_UPDATE = Bulk({"hid": String(), **{n: HouseholdReach.__table__.c[n].type for n in _REACH_COLUMNS[1:]}},
                     _reach_update)


def _refresh_reach(household_id, areas, day_rows, total_rows) -> None:
    """A household counts as reached on the day of its first visit, for that visit's team and member."""
    first = db.session.execute(
        select(Visit.visited_at, Visit.team_id, Visit.member_id)
        .join(Household, Household.id == Visit.household_id)
        .where(Visit.household_id == household_id, live_visit())
        .order_by(Visit.visited_at, Visit.received_at, Visit.id).limit(1)).first()
    row = db.session.get(HouseholdReach, household_id)
    new = (local_day(first.visited_at), first.team_id, first.member_id) if first else None
    old = (row.first_day, row.team_id, row.member_id) if row else None
    if row is not None and new is not None:
        assert first is not None
        row.first_at = first.visited_at  # the time can move within the same day and owners
    if new == old:
        return
    if old:
        _add(day_rows, total_rows, _owners(areas, old[1], old[2]), old[0], VISIT_ROW, reached=-1)
    if new:
        _add(day_rows, total_rows, _owners(areas, new[1], new[2]), new[0], VISIT_ROW, reached=1)
    if row is None:
        assert first is not None and new is not None  # else new == old above
        db.session.add(HouseholdReach(household_id=household_id, first_day=new[0], team_id=new[1], member_id=new[2],
                                      first_at=first.visited_at))
    elif new is None:
        db.session.delete(row)
    else:
        row.first_day, row.team_id, row.member_id = new


def _insert_for_dialect():
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def _upsert(model, keys, rows: dict, columns=COUNTERS) -> None:
    """INSERT ... ON CONFLICT DO UPDATE SET c = c + excluded.c, in key order (no deadlocks): one statement
    for all the rows (fieldapp.bulk)."""
    stmt, values = _upsert_rows(model, keys, rows, columns)
    stmt.run(db.session.connection(), values)


def _upsert_rows(model, keys, rows: dict, columns=COUNTERS) -> tuple[Bulk, list[tuple]]:
    """The upsert of a counter table and its rows, in key order (no deadlocks), the all-zero ones left out."""
    get = itemgetter(*columns) if len(columns) > 1 else (lambda counts: (counts[columns[0]],))
    values = [(*key, *get(counts)) for key, counts in sorted(rows.items()) if any(counts.values())]
    return _upsert_statement(model, tuple(keys), tuple(columns)), values


_UPSERTS: dict = {}


def _upsert_statement(model, keys: tuple, columns: tuple) -> Bulk:
    """Built once per table: building it took ~0.5 ms, more than running it."""
    stmt = _UPSERTS.get((model, keys, columns))
    if stmt is None:
        table = model.__table__

        def build(rows):
            insert = insert_rows(table, rows)
            return insert.on_conflict_do_update(index_elements=list(keys),
                                                set_={c: table.c[c] + insert.excluded[c] for c in columns})
        stmt = _UPSERTS[(model, keys, columns)] = Bulk({n: table.c[n].type for n in (*keys, *columns)}, build)
    return stmt


def apply_household_delta(before: dict[str, int] | None, household: Household) -> None:
    """Keep the denominators of the household's village, commune and province in step."""
    before = before or household_stats(None)
    after = household_stats(household)
    delta = {k: after[k] - before[k] for k in STATS}
    if not any(delta.values()):
        return
    _add_stats(household.village.path, delta)


def _add_stats(village_path: str, delta: dict[str, int]) -> None:
    """Add to the denominators of a village, its commune and its province: now, and dated today, so a
    report reads them as they were on its last day (reports.figures.stats_as_of)."""
    ids = area_ids(village_path)
    _upsert(AreaStats, ("area_id",), {(a,): dict(delta) for a in ids}, columns=STATS)
    day = today()
    _upsert(AreaStatsDay, ("area_id", "day"), {(a, day): dict(delta) for a in ids}, columns=STATS)


def apply_households_added(village: Area, rows) -> None:
    """The denominators of many new households of one village (anything with the resident counts), in
    one upsert per table: the village, its commune and its province, now and dated."""
    delta = dict.fromkeys(STATS, 0)
    for row in rows:
        delta["households"] += 1
        for name in STATS[1:]:
            delta[name] += getattr(row, name)
    _add_stats(village.path, delta)


def move_village_counters(absorbed_id: int, survivor_id: int) -> None:
    """A merge of two villages of one commune: every counter and denominator row of the absorbed village
    is added to the survivor's, then removed. The commune's and the province's rows do not move; the
    teams', members' and households' first visits are not the village's. In the merge's transaction,
    after its households are locked and moved (a visit saved meanwhile counts where its household is).

    Before anything moves, the merge is recorded with a copy of the absorbed village's day rows and dated
    denominator changes (out of the absorbed village, into the survivor), so a report for a period that
    ended before the merge still shows the two villages as they were (reports.figures)."""
    insert = _insert_for_dialect()
    _record_merge(absorbed_id, survivor_id)
    village_rows = TallyDay.kind.in_([TallyKind.AREA, *(rollup_kind(TallyKind.AREA, p) for p in ROLLUPS)])
    for model, keys, columns, where in (
            (TallyDay, ("kind", "ref_id", "day", "service_id"), COUNTERS, village_rows),
            (TallyTotal, ("kind", "ref_id", "service_id"), COUNTERS, TallyTotal.kind == TallyKind.AREA)):
        table = model.__table__
        moved = select(*[literal(survivor_id) if k == "ref_id" else table.c[k] for k in keys],
                       *[table.c[c] for c in columns]).where(where, table.c.ref_id == absorbed_id)
        stmt = insert(table).from_select([*keys, *columns], moved)
        db.session.execute(stmt.on_conflict_do_update(index_elements=list(keys),
                                                      set_={c: table.c[c] + stmt.excluded[c] for c in columns}))
        db.session.execute(delete(model).where(where, table.c.ref_id == absorbed_id))
    table = AreaStats.__table__
    stmt = insert(table).from_select(["area_id", *STATS], select(literal(survivor_id), *[table.c[c] for c in STATS])
                                     .where(table.c.area_id == absorbed_id))
    db.session.execute(stmt.on_conflict_do_update(index_elements=["area_id"],
                                                  set_={c: table.c[c] + stmt.excluded[c] for c in STATS}))
    db.session.execute(delete(AreaStats).where(table.c.area_id == absorbed_id))


def _record_merge(absorbed_id: int, survivor_id: int) -> VillageMerge:
    merge = VillageMerge(absorbed_id=absorbed_id, survivor_id=survivor_id, merged_at=utcnow(), merged_on=today())
    db.session.add(merge)
    db.session.flush()
    td, mc = TallyDay.__table__, MergedCounter.__table__
    db.session.execute(mc.insert().from_select(
        ["merge_id", "day", "service_id", *COUNTERS],
        select(literal(merge.id), td.c.day, td.c.service_id, *[td.c[c] for c in COUNTERS])
        .where(td.c.kind == TallyKind.AREA, td.c.ref_id == absorbed_id)))
    moved = db.session.get(AreaStats, absorbed_id)
    if moved is not None:
        values = {c: getattr(moved, c) for c in STATS}
        _upsert(AreaStatsDay, ("area_id", "day"), {(absorbed_id, merge.merged_on): {c: -v for c, v in values.items()},
                                                  (survivor_id, merge.merged_on): values}, columns=STATS)
    return merge


# --- Rebuild from raw rows (demo seed, bulk imports, repairs) -------------------------------------

def _stage_table() -> Table:
    cols: list[SchemaItem] = [Column("village_id", Integer), Column("team_id", Integer), Column("member_id", Integer),
            Column("day", Date), Column("service_id", Integer)]
    cols += [Column(name, Integer) for name in COUNTERS]
    return Table("tally_stage", MetaData(), *cols, prefixes=["TEMPORARY"])


def rebuild_counters(session=None, stats: tuple[str, ...] = STATS, history: bool = True) -> dict[str, int]:
    """Recompute every counter from households, visits and assistance, in SQL (GROUP BY), not per row;
    then fill the dated history a bulk load left out (history.backfill: it keeps what is there).

    session: the app's by default; a migration passes one bound to its own connection, with the
    denominator columns of its revision (stats) and history=False before the history tables exist."""
    session = session if session is not None else db.session
    dialect = session.get_bind().dialect.name
    for model in (TallyDay, TallyTotal, HouseholdReach, AreaStats):
        session.execute(delete(model))
    village, commune = Area.__table__.alias("v"), Area.__table__.alias("c")

    # Denominators: villages from households, then one level up twice.
    hh = Household.__table__
    sums = [func.count()] + [func.sum(hh.c[name]) for name in stats[1:]]
    for owner in (hh.c.village_id, village.c.parent_id, commune.c.parent_id):
        src = hh.join(village, village.c.id == hh.c.village_id).join(commune, commune.c.id == village.c.parent_id)
        session.execute(AreaStats.__table__.insert().from_select(
            ["area_id", *stats], select(owner, *sums).select_from(src)
            .where(live(hh)).group_by(owner), include_defaults=False))

    # First visit per household (ties broken like the live path).
    v = Visit.__table__
    ranked = (select(v.c.household_id, v.c.visited_at, v.c.team_id, v.c.member_id,
                     func.row_number().over(partition_by=v.c.household_id,
                                            order_by=(v.c.visited_at, v.c.received_at, v.c.id)).label("rn"))
              .select_from(v.join(hh, hh.c.id == v.c.household_id))
              .where(live_visit(v, hh))).subquery()
    session.execute(HouseholdReach.__table__.insert().from_select(
        ["household_id", "first_day", "team_id", "member_id", "first_at"],
        select(ranked.c.household_id, local_day_sql(ranked.c.visited_at, dialect), ranked.c.team_id, ranked.c.member_id,
               ranked.c.visited_at)
        .where(ranked.c.rn == 1)))

    stage = _stage_table()
    conn = session.connection()
    stage.drop(conn, checkfirst=True)
    stage.create(conn)
    try:
        zero = literal(0)
        day = local_day_sql(v.c.visited_at, dialect)
        visit_src = v.join(hh, hh.c.id == v.c.household_id)
        counted = live_visit(v, hh)  # soft-deleted rows count nowhere
        outcome_sums = [func.sum(case((v.c.outcome == o, 1), else_=0)) for o in OUTCOMES]
        session.execute(stage.insert().from_select(
            ["village_id", "team_id", "member_id", "day", "service_id", *COUNTERS],
            select(hh.c.village_id, v.c.team_id, v.c.member_id, day, zero, func.count(), *outcome_sums, zero, zero)
            .select_from(visit_src).where(counted).group_by(hh.c.village_id, v.c.team_id, v.c.member_id, day)))
        a = Assistance.__table__
        session.execute(stage.insert().from_select(
            ["village_id", "team_id", "member_id", "day", "service_id", *COUNTERS],
            select(hh.c.village_id, v.c.team_id, v.c.member_id, day, a.c.service_id,
                   zero, zero, zero, zero, zero, zero, func.sum(a.c.count))
            .select_from(visit_src.join(a, a.c.visit_id == v.c.id)).where(counted)
            .group_by(hh.c.village_id, v.c.team_id, v.c.member_id, day, a.c.service_id)))
        r = HouseholdReach.__table__
        session.execute(stage.insert().from_select(
            ["village_id", "team_id", "member_id", "day", "service_id", *COUNTERS],
            select(hh.c.village_id, r.c.team_id, r.c.member_id, r.c.first_day, zero,
                   zero, zero, zero, zero, zero, func.count(), zero)
            .select_from(r.join(hh, hh.c.id == r.c.household_id))
            .group_by(hh.c.village_id, r.c.team_id, r.c.member_id, r.c.first_day)))

        s = stage
        staged = s.join(village, village.c.id == s.c.village_id).join(commune, commune.c.id == village.c.parent_id)
        totals = [func.sum(s.c[name]) for name in COUNTERS]
        owners = [(TallyKind.AREA, s.c.village_id), (TallyKind.AREA, village.c.parent_id),
                  (TallyKind.AREA, commune.c.parent_id), (TallyKind.TEAM, s.c.team_id),
                  (TallyKind.MEMBER, s.c.member_id)]
        for kind, owner in owners:
            session.execute(TallyDay.__table__.insert().from_select(
                ["kind", "ref_id", "day", "service_id", *COUNTERS],
                select(literal(kind, String), owner, s.c.day, s.c.service_id, *totals).select_from(staged)
                .group_by(owner, s.c.day, s.c.service_id)))
            session.execute(TallyTotal.__table__.insert().from_select(
                ["kind", "ref_id", "service_id", *COUNTERS],
                select(literal(kind, String), owner, s.c.service_id, *totals).select_from(staged)
                .group_by(owner, s.c.service_id)))

        # Period rollups, summed from the day rows just written: the communes (parents of the
        # villages with visits, like the live path), the teams and the members.
        td = TallyDay.__table__
        communes = select(village.c.parent_id).select_from(s.join(village, village.c.id == s.c.village_id))
        rolled = [(TallyKind.AREA, td.c.ref_id.in_(communes)), (TallyKind.TEAM, None), (TallyKind.MEMBER, None)]
        for kind, only in rolled:
            for period in ROLLUPS:
                start = period_start_sql(period, td.c.day, dialect)
                stmt = (select(literal(rollup_kind(kind, period), String), td.c.ref_id, start, td.c.service_id,
                               *[func.sum(td.c[name]) for name in COUNTERS])
                        .where(td.c.kind == kind).group_by(td.c.ref_id, start, td.c.service_id))
                if only is not None:
                    stmt = stmt.where(only)
                session.execute(td.insert().from_select(["kind", "ref_id", "day", "service_id", *COUNTERS], stmt))
    finally:
        stage.drop(conn)
    if history:
        backfill(session)
    return {"day_rows": session.scalar(select(func.count()).select_from(TallyDay)),
            "total_rows": session.scalar(select(func.count()).select_from(TallyTotal))}
