"""Figures as they were on a past day: the reads behind a report "as of" its period's last day.

- counters over a range or up to a day: one row per owner, service and period (counting.period_cover reads
  the quarter, month and week rollups of teams, members and communes; villages and provinces have day rows);
- a village's counters before a later merge: its rows minus what the merge moved into it, plus what it
  moved out (merged_counters);
- denominators up to a day (area_stats_day), teams and members on a day (team_places, memberships);
- visits changed after a day (visit_late), sessions and commune activities recorded or changed after it.
The cost follows the number of owners and periods read, never the number of visits or households.
"""
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Select, and_, func, or_, select, union_all

from ..counting import STATS, day_bounds, live, period_cover
from ..extensions import db, in_list, plain_rows
from ..models import (
    Area,
    AreaLevel,
    AreaStatsDay,
    CommuneActivity,
    Household,
    Membership,
    MergedCounter,
    OutreachSession,
    TallyDay,
    TallyKind,
    TeamPlace,
    User,
    VillageMerge,
    Visit,
    VisitLate,
)
from ..models.areas import within
from ..models.tallies import VISIT_ROW, rollup_kind
from ..tallies.operations import COUNTERS, area_ids

EPOCH = date(2020, 1, 1)  # before any team existed (QĐ 411/QĐ-TTg, 2022): "since the start"
Sums = dict[int, dict[int, dict[str, int]]]  # {owner: {service id (0: visits): {counter: n}}}


def _blank() -> dict[str, int]:
    return dict.fromkeys(COUNTERS, 0)


def _cover_condition(kind: str, start: date, end: date, rolled: bool):
    """The rows of one owner kind that add up to start..end: rollups where whole periods fit, else days."""
    if not rolled:
        return and_(TallyDay.kind == kind, TallyDay.day >= start, TallyDay.day <= end)
    parts = []
    for period, first, last in period_cover(start, end):
        k = kind if period == "d" else rollup_kind(kind, period)
        parts.append(and_(TallyDay.kind == k, TallyDay.day >= first, TallyDay.day <= last))
    return or_(*parts)


def counter_sums(kind: str, ref_ids, start: date | None, end: date, rolled: bool,
                 service_ids: list[int] | None = None) -> Sums:
    """{ref: {service: {counter: total}}} over the local days start..end (None: since the start), in one query.
    ref_ids: a list, or a SELECT of them (a province's members: no parameter per member).
    rolled: the owners have period rollups (teams, members, communes). service_ids: only these rows."""
    out: Sums = defaultdict(lambda: defaultdict(_blank))
    if isinstance(ref_ids, Select):
        owners = TallyDay.ref_id.in_(ref_ids)
    else:
        ref_ids = list(ref_ids)
        if not ref_ids:
            return out
        owners = in_list(TallyDay.ref_id, ref_ids)
    if start is not None and start > end:
        return out
    cols = [func.sum(getattr(TallyDay, c)) for c in COUNTERS]
    stmt = (select(TallyDay.ref_id, TallyDay.service_id, *cols)
            .where(owners, _cover_condition(kind, start or EPOCH, end, rolled))
            .group_by(TallyDay.ref_id, TallyDay.service_id))
    if service_ids is not None:
        stmt = stmt.where(in_list(TallyDay.service_id, service_ids))
    for ref, sid, *values in db.session.execute(stmt):
        out[ref][sid] = {c: int(v or 0) for c, v in zip(COUNTERS, values, strict=True)}
    return out


MANY_OWNERS = 1000  # above this many owners, who was active is read by day (a province's members), not by owner


def active_owners(kind: str, ref_ids: Sequence[int], start: date, end: date, rolled: bool) -> set[int]:
    """The owners among ref_ids with at least one visit in start..end (their visit rows' sum > 0).
    A few owners (a commune's members) are read by owner from the primary key; many (a province's 25,000
    members) by day from ix_tally_day_visit_rows, one index range per period of the cover, whatever the
    owners: the rows read follow the owners that visited and the periods, not every owner's rows."""
    ids = set(ref_ids)
    if not ids or start > end:
        return set()
    if len(ids) <= MANY_OWNERS:
        sums = counter_sums(kind, list(ids), start, end, rolled, service_ids=[VISIT_ROW])
        return {ref for ref, per in sums.items() if per.get(VISIT_ROW, {}).get("visits", 0) > 0}
    cover = period_cover(start, end) if rolled else [("d", start, end)]
    parts = [select(TallyDay.ref_id).where(TallyDay.service_id == VISIT_ROW,
                                            TallyDay.kind == (kind if period == "d" else rollup_kind(kind, period)),
                                            TallyDay.day >= first, TallyDay.day <= last, TallyDay.visits > 0)
             for period, first, last in cover]
    rows = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    return ids.intersection(plain_rows(select(rows.c.ref_id).distinct()).scalars())


def village_sums(village_ids, start: date | None, end: date, as_of: date) -> Sums:
    """counter_sums of villages as they were on as_of: a merge after that day moved the absorbed village's
    rows into the survivor's; the copy taken at the merge puts them back where they were."""
    out = counter_sums(TallyKind.AREA, village_ids, start, end, rolled=False)
    ids = set(village_ids)
    merges = db.session.execute(select(VillageMerge.id, VillageMerge.absorbed_id, VillageMerge.survivor_id)
                                .where(VillageMerge.merged_on > as_of,
                                       or_(in_list(VillageMerge.absorbed_id, list(ids)),
                                           in_list(VillageMerge.survivor_id, list(ids))))).all()
    if not merges:
        return out
    by_merge = {m.id: m for m in merges}
    cols = [func.sum(getattr(MergedCounter, c)) for c in COUNTERS]
    stmt = (select(MergedCounter.merge_id, MergedCounter.service_id, *cols)
            .where(in_list(MergedCounter.merge_id, list(by_merge)), MergedCounter.day <= end)
            .group_by(MergedCounter.merge_id, MergedCounter.service_id))
    if start is not None:
        stmt = stmt.where(MergedCounter.day >= start)
    for merge_id, sid, *values in db.session.execute(stmt):
        m = by_merge[merge_id]
        for ref, sign in ((m.survivor_id, -1), (m.absorbed_id, 1)):
            if ref in ids:
                row = out[ref][sid]
                for c, v in zip(COUNTERS, values, strict=True):
                    row[c] += sign * int(v or 0)
    return out


def stats_as_of(area_ids_, day: date) -> dict[int, dict[str, int]]:
    """The denominators of areas on a day: the households and residents registered then."""
    ids = list(area_ids_)
    out = {a: dict.fromkeys(STATS, 0) for a in ids}
    if not ids:
        return out
    for row in db.session.execute(
            select(AreaStatsDay.area_id, *[func.sum(getattr(AreaStatsDay, c)).label(c) for c in STATS])
            .where(in_list(AreaStatsDay.area_id, ids), AreaStatsDay.day <= day).group_by(AreaStatsDay.area_id)):
        out[row.area_id] = {c: int(getattr(row, c) or 0) for c in STATS}
    return out


def _on(model, day: date):
    """A stint (membership, team place) that covers a day."""
    return and_(model.started_on <= day, or_(model.ended_on.is_(None), model.ended_on > day))


def teams_on(area: Area, day: date) -> list[tuple[int, str]]:
    """(team id, village path) of the teams in the area's villages on a day."""
    return [(r[0], r[1]) for r in plain_rows(
        select(TeamPlace.team_id, Area.path).join(Area, Area.id == TeamPlace.village_id)
        .where(within(Area.path, area.path), _on(TeamPlace, day)))]


def _members_on(area: Area, day: date, *columns):
    return (select(*columns).join(TeamPlace, and_(TeamPlace.team_id == Membership.team_id, _on(TeamPlace, day)))
            .join(Area, Area.id == TeamPlace.village_id)
            .where(within(Area.path, area.path), _on(Membership, day)))


def members_on(area: Area, day: date) -> list[tuple[int, int, str]]:
    """(member id, team id, village path) of the members of the area's teams on a day."""
    return [tuple(r) for r in plain_rows(
        _members_on(area, day, Membership.user_id, Membership.team_id, Area.path))]


def _villages_on(area: Area, day: date, *columns):
    _lo, end = day_bounds(day, day)
    return select(*columns).where(within(Area.path, area.path), Area.level == AreaLevel.VILLAGE,
                                  Area.created_at < end)


def _still_there(rows, day: date) -> set[int]:
    """Villages archived by the day that held no household then (a merged-away village): not listed."""
    _lo, end = day_bounds(day, day)
    archived = [r.id for r in rows if r.archived_at is not None and r.archived_at < end]
    holding = stats_as_of(archived, day) if archived else {}
    return {a for a, s in holding.items() if s["households"] == 0}


def villages_on(area: Area, day: date) -> list[Area]:
    """The villages under the area on a day: made by then and not yet archived (a merged village until its
    merge), or archived but still holding households then."""
    rows = list(db.session.scalars(_villages_on(area, day, Area).order_by(Area.name, Area.id)))
    gone = _still_there(rows, day)
    return [a for a in rows if a.id not in gone]


def village_paths_on(area: Area, day: date) -> list[str]:
    """villages_on's paths, without loading the areas (a province has thousands)."""
    rows = db.session.execute(_villages_on(area, day, Area.id, Area.path, Area.archived_at)).all()
    gone = _still_there(rows, day)
    return [r.path for r in rows if r.id not in gone]


def child_of(area: Area, path: str) -> int | None:
    """The id of the area right below `area` on the way to `path` (None: the area itself or outside)."""
    ids, depth = area_ids(path), len(area_ids(area.path))
    return ids[depth] if len(ids) > depth and path.startswith(area.path) else None


@dataclass
class Late:
    """What moved a closed period's figures after its last day."""
    visits: int = 0
    sessions: int = 0
    activities: int = 0
    by_child: dict[int, int] = field(default_factory=dict)   # visits per village (commune) or commune (province)

    @property
    def total(self) -> int:
        return self.visits + self.sessions + self.activities


def cutoff(end: date) -> datetime:
    """The closing instant of a period ending on `end`: the end of its last local day."""
    return day_bounds(end, end)[1]


def late_changes(area: Area, start: date, end: date, after: datetime | None = None) -> Late:
    """Visits up to `end` changed after the close (or `after`), sessions and commune activities of
    start..end recorded or changed after it."""
    after = after or cutoff(end)
    late = Late()
    where = [VisitLate.first_day <= end, VisitLate.changed_at >= after]
    if area.level == AreaLevel.PROVINCE:
        for commune_id, n in db.session.execute(
                select(VisitLate.commune_id, func.count()).where(VisitLate.province_id == area.id, *where)
                .group_by(VisitLate.commune_id)):
            late.by_child[commune_id] = int(n)
    elif area.level == AreaLevel.COMMUNE:
        for village_id, n in db.session.execute(
                select(Household.village_id, func.count()).select_from(VisitLate)
                .join(Household, Household.id == VisitLate.household_id)
                .where(VisitLate.commune_id == area.id, *where).group_by(Household.village_id)):
            late.by_child[village_id] = int(n)
    else:
        late.visits = int(db.session.scalar(
            select(func.count()).select_from(VisitLate).join(Household, Household.id == VisitLate.household_id)
            .where(Household.village_id == area.id, *where)) or 0)
    late.visits = late.visits or sum(late.by_child.values())
    s = OutreachSession
    changed = or_(s.created_at >= after, s.updated_at >= after, s.deleted_at >= after)
    late.sessions = int(db.session.scalar(
        select(func.count()).select_from(s).join(Area, Area.id == s.village_id)
        .where(within(Area.path, area.path), s.held_on >= start, s.held_on <= end, changed)) or 0)
    c = CommuneActivity
    changed = or_(c.created_at >= after, c.updated_at >= after, c.deleted_at >= after)
    late.activities = int(db.session.scalar(
        select(func.count()).select_from(c).join(Area, Area.id == c.commune_id)
        .where(within(Area.path, area.path), c.held_on >= start, c.held_on <= end, changed)) or 0)
    return late


def late_visit_rows(area: Area, end: date, after: datetime | None = None, limit: int = 500) -> Sequence:
    """The visits behind the late line, for the drill-down (a commune or a village)."""
    after = after or cutoff(end)
    village = Area.__table__.alias("village")
    stmt = (select(Visit, VisitLate.changed_at, village.c.name.label("village_name"))
            .join(VisitLate, VisitLate.visit_id == Visit.id)
            .join(Household, Household.id == Visit.household_id)
            .join(village, village.c.id == Household.village_id)
            .where(VisitLate.first_day <= end, VisitLate.changed_at >= after)
            .order_by(VisitLate.changed_at.desc(), Visit.id).limit(limit))
    if area.level == AreaLevel.COMMUNE:
        stmt = stmt.where(VisitLate.commune_id == area.id)
    elif area.level == AreaLevel.VILLAGE:
        stmt = stmt.where(Household.village_id == area.id)
    else:
        stmt = stmt.where(VisitLate.province_id == area.id)
    return db.session.execute(stmt).all()


def late_reason(visit: Visit, after: datetime) -> str:
    """Why a late visit moved the figures: a code the page names."""
    if visit.household.deleted_at is not None and visit.household.deleted_at >= after:
        return "household_deleted"
    if visit.deleted_at is not None:
        return "deleted"
    if visit.received_at >= after:
        return "entered"
    if visit.updated_at is not None and visit.updated_at >= after:
        return "updated"
    return "restored"


def sessions_of(area: Area, start: date, end: date):
    """The live sessions held start..end in the area, with their village path (for grouping)."""
    return db.session.execute(
        select(OutreachSession, Area.path).join(Area, Area.id == OutreachSession.village_id)
        .where(within(Area.path, area.path), live(OutreachSession),
               OutreachSession.held_on >= start, OutreachSession.held_on <= end)).all()


def activities_of(area: Area, start: date, end: date) -> list[CommuneActivity]:
    return list(db.session.scalars(
        select(CommuneActivity).join(Area, Area.id == CommuneActivity.commune_id)
        .where(within(Area.path, area.path), live(CommuneActivity),
               CommuneActivity.held_on >= start, CommuneActivity.held_on <= end)
        .order_by(CommuneActivity.held_on, CommuneActivity.id)))


def member_names(ids) -> dict[int, str]:
    ids = list(ids)
    return dict(db.session.execute(select(User.id, User.name).where(in_list(User.id, ids))).all()) if ids else {}
