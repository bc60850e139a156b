"""Reads of the sign-off: who may do what, a village's periods, a commune's and a province's overview."""
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload

from ..counting import today
from ..extensions import db, in_list
from ..models import Area, AreaLevel, Household, SignOff, SignOffStatus, Visit, VisitLate
from ..models.areas import within
from ..reports.figures import child_of, teams_on
from ..reports.periods import Period, quarter_of
from ..tallies.queries import children

KINDS = {"m": "month", "q": "quarter"}


def period_of(kind: str, start: date) -> Period | None:
    """The month or quarter that begins on start (None: not such a start)."""
    if kind == "m" and start.day == 1:
        return Period.month(start.year, start.month)
    if kind == "q" and start.day == 1 and start.month in (1, 4, 7, 10):
        return Period.quarter(start.year, quarter_of(start))
    return None


def find(village: Area, period: Period) -> SignOff | None:
    return db.session.scalar(select(SignOff).where(SignOff.village_id == village.id,
                                                   SignOff.period == period.signoff_key,
                                                   SignOff.starts_on == period.start))


def recent_periods(on: date | None = None, months: int = 6, quarters: int = 4) -> list[Period]:
    """The closed months and quarters a leader confirms, newest first."""
    d = on or today()
    out, first = [], d.replace(day=1)
    for _ in range(months):
        first = (first - timedelta(days=1)).replace(day=1)
        out.append(Period.month(first.year, first.month))
    q = Period.previous_quarter(d)
    for _ in range(quarters):
        out.append(q)
        q = q.previous()
    return out


def late_after_approval(signoff: SignOff) -> int:
    """Visits of the approved period changed after the approval: marked late, shown to the approver."""
    if signoff.status != SignOffStatus.APPROVED or signoff.decided_at is None:
        return 0
    return int(db.session.scalar(
        select(func.count()).select_from(VisitLate).join(Household, Household.id == VisitLate.household_id)
        .where(Household.village_id == signoff.village_id, VisitLate.first_day <= signoff.ends_on,
               VisitLate.last_day >= signoff.starts_on, VisitLate.changed_at > signoff.decided_at)) or 0)


def late_after_approval_rows(signoff: SignOff) -> list:
    if signoff.status != SignOffStatus.APPROVED or signoff.decided_at is None:
        return []
    return list(db.session.execute(
        select(Visit, VisitLate.changed_at).join(VisitLate, VisitLate.visit_id == Visit.id)
        .join(Household, Household.id == Visit.household_id)
        .options(contains_eager(Visit.household), joinedload(Visit.member))  # the rows show code and member
        .where(Household.village_id == signoff.village_id, VisitLate.first_day <= signoff.ends_on,
               VisitLate.last_day >= signoff.starts_on, VisitLate.changed_at > signoff.decided_at)
        .order_by(VisitLate.changed_at.desc()).limit(200)))


@dataclass
class VillageState:
    village: Area
    signoff: SignOff | None
    late: int = 0

    @property
    def status(self) -> str | None:
        return self.signoff.status if self.signoff else None


def commune_overview(commune: Area, period: Period) -> list[VillageState]:
    """The villages that had a team on the period's last day, with their sign-off."""
    village_ids = sorted({int(p.strip("/").split("/")[-1]) for _t, p in teams_on(commune, period.end)})
    villages = list(db.session.scalars(select(Area).where(in_list(Area.id, village_ids))
                                       .order_by(Area.name, Area.id))) if village_ids else []
    found = {s.village_id: s for s in db.session.scalars(select(SignOff).where(
        SignOff.commune_id == commune.id, SignOff.period == period.signoff_key, SignOff.starts_on == period.start))}
    return [VillageState(v, found.get(v.id), late_after_approval(found[v.id]) if v.id in found else 0)
            for v in villages]


@dataclass
class CommuneState:
    commune: Area
    to_approve: int = 0
    approved: int = 0
    confirmed: int = 0
    returned: int = 0

    @property
    def complete(self) -> bool:
        return self.to_approve > 0 and self.approved == self.to_approve


def province_overview(province: Area, period: Period) -> list[CommuneState]:
    """Each commune of the province: how many of its villages with a team approved the period."""
    states = {c.id: CommuneState(c) for c in children(province) if c.level == AreaLevel.COMMUNE}
    needed: dict[int, set[int]] = {}
    for _t, path in teams_on(province, period.end):
        cid = child_of(province, path)
        if cid in states:
            needed.setdefault(cid, set()).add(int(path.strip("/").split("/")[-1]))
    for cid, villages in needed.items():
        states[cid].to_approve = len(villages)
    for s in db.session.scalars(select(SignOff).join(Area, Area.id == SignOff.commune_id).where(
            within(Area.path, province.path), SignOff.period == period.signoff_key,
            SignOff.starts_on == period.start)):
        state = states.get(s.commune_id)
        if state is None or s.village_id not in needed.get(s.commune_id, set()):
            continue
        if s.status == SignOffStatus.APPROVED:
            state.approved += 1
        elif s.status == SignOffStatus.CONFIRMED:
            state.confirmed += 1
        else:
            state.returned += 1
    return sorted(states.values(), key=lambda s: (s.commune.name, s.commune.id))


def approved_in(area: Area, kind: str | None = None, start: date | None = None, limit: int = 500) -> list[SignOff]:
    """Approved village periods inside an area, newest first (the province's systems read them)."""
    stmt = (select(SignOff).join(Area, Area.id == SignOff.village_id).options(contains_eager(SignOff.village))
            .where(within(Area.path, area.path), SignOff.status == SignOffStatus.APPROVED)
            .order_by(SignOff.starts_on.desc(), SignOff.village_id).limit(limit))
    if kind:
        stmt = stmt.where(SignOff.period == kind)
    if start:
        stmt = stmt.where(SignOff.starts_on == start)
    return list(db.session.scalars(stmt))
