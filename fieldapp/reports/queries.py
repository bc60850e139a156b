"""The periodic report (báo cáo định kỳ) of a commune or a province, as of its period's last day.

Every figure is read as it was on that day (reports.figures): cumulative counts and coverage over the
households and residents registered then, teams and members of then, villages as they were before any later
merge. A closed period's report therefore says the same whenever it is run; what changed its figures after
the close (a visit entered or corrected late, a household deleted) is counted in its late line and listed.
Counting rules are counting.py's (eligible, share, live); the counters are the tallies'.
"""
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from ..counting import eligible, live, share
from ..extensions import db
from ..models import (
    ActivityKind,
    Area,
    AreaLevel,
    CommuneActivity,
    Eligibility,
    OutreachSession,
    Service,
    SessionKind,
    SignOff,
    SignOffStatus,
    TallyKind,
)
from ..models.areas import within
from ..models.outreach import outreach_session_services
from ..models.tallies import VISIT_ROW
from ..services.queries import active_services
from ..tallies.queries import children
from ..visits.rules import OUTCOMES
from .figures import (
    Late,
    active_owners,
    child_of,
    counter_sums,
    late_changes,
    members_on,
    stats_as_of,
    teams_on,
    village_paths_on,
    village_sums,
    villages_on,
)
from .periods import Period

COVERAGE_CODES = ("vneid", "payment", "skills5")  # the seeds' headline rates, shown in the per-area table


@dataclass
class Figures:
    """One area (the report's, or a village or commune of it) over the period, as of its last day."""
    area: Area
    stats: dict[str, int] = field(default_factory=dict)                 # denominators as of the last day
    period: dict[int, dict[str, int]] = field(default_factory=dict)     # service (0: visits) -> counters
    ever: dict[int, dict[str, int]] = field(default_factory=dict)       # the same, since the start
    teams: int = 0
    teams_active: int = 0          # with a visit or a session in the period
    villages: int = 0
    villages_with_team: int = 0
    communes: int = 0              # a province: its communes, and those with a team
    communes_with_team: int = 0
    members: int = 0
    members_active: int = 0        # with a visit in the period
    sessions: int = 0
    attendees: int = 0
    late_visits: int = 0
    approved: int = 0              # villages whose month or quarter is approved (sign-off)
    to_approve: int = 0            # villages with a team, that need one

    @property
    def households(self) -> int:
        return self.stats.get("households", 0)

    def _get(self, rows, sid: int, name: str) -> int:
        return rows.get(sid, {}).get(name, 0)

    @property
    def visits(self) -> int:
        return self._get(self.period, VISIT_ROW, "visits")

    @property
    def reached(self) -> int:
        """Households visited for the first time in the period."""
        return self._get(self.period, VISIT_ROW, "reached")

    @property
    def visited(self) -> int:
        """Households visited at least once, up to the last day."""
        return self._get(self.ever, VISIT_ROW, "reached")

    def outcome(self, name: str) -> int:
        return self._get(self.period, VISIT_ROW, name)

    def people(self, service: Service) -> int:
        return self._get(self.period, service.id, "people")

    def people_ever(self, service: Service) -> int:
        return self._get(self.ever, service.id, "people")

    def eligible(self, service: Service) -> int | None:
        return eligible(service, self.stats)

    def rate(self, service: Service) -> float | None:
        return share(self.people_ever(service), self.eligible(service))

    COUNTS = ("teams", "teams_active", "villages", "villages_with_team", "communes", "communes_with_team",
              "members", "members_active", "sessions", "attendees", "late_visits", "approved", "to_approve")

    def as_dict(self, services: list[Service]) -> dict:
        """Every figure, JSON-ready: a sign-off's snapshot, the API's answer, a test's comparison."""
        return {"area": {"id": self.area.id, "name": self.area.name, "level": self.area.level},
                **{name: getattr(self, name) for name in self.COUNTS}, **self.stats,
                "visits": self.visits, "reached": self.reached, "visited": self.visited,
                "outcomes": {o: self.outcome(o) for o in OUTCOMES},
                "services": {s.code: {"unit": s.unit, "period": self.people(s), "cumulative": self.people_ever(s),
                                      "eligible": self.eligible(s)} for s in services}}


@dataclass
class Report:
    area: Area
    period: Period
    services: list[Service]
    total: Figures
    previous: Figures
    rows: list[Figures]
    sessions_by_kind: dict[str, list[int]]                  # kind -> [sessions, attendees]
    sessions_by_topic: dict[str, dict[int, int]]            # kind -> {service id: sessions}
    activities: dict[str, list[int]]                        # kind -> [records, quantity, attendees]
    late: Late

    def as_dict(self) -> dict:
        def kinds(rows):
            return {k: list(v) for k, v in rows.items()}
        return {"area": {"id": self.area.id, "name": self.area.name, "level": self.area.level},
                "period": {"kind": self.period.kind, "from": self.period.start.isoformat(),
                           "to": self.period.end.isoformat(), "as_of": self.period.as_of.isoformat()},
                "total": self.total.as_dict(self.services), "previous": self.previous.as_dict(self.services),
                "rows": [r.as_dict(self.services) for r in self.rows],
                "sessions_by_kind": kinds(self.sessions_by_kind),
                "sessions_by_topic": {k: {str(sid): n for sid, n in v.items()} for k, v in self.sessions_by_topic.items()},
                "activities": kinds(self.activities),
                "late": {"visits": self.late.visits, "sessions": self.late.sessions, "activities": self.late.activities}}

    @property
    def start(self) -> date:
        return self.period.start

    @property
    def end(self) -> date:
        return self.period.as_of

    @property
    def coverage_services(self) -> list[Service]:
        """Services with a denominator, in the seeds' order first (VNeID, payment, 5 skills), then the rest."""
        with_cap = [s for s in self.services if Eligibility.COUNTED_IN[s.eligibility] is not None]
        head = [s for c in COVERAGE_CODES for s in with_cap if s.code == c]
        return head + [s for s in with_cap if s not in head]

    @property
    def headline_services(self) -> list[Service]:
        return [s for s in self.coverage_services if s.code in COVERAGE_CODES]

    @property
    def dossier_services(self) -> list[Service]:
        return [s for s in self.services if s.eligibility == Eligibility.DOSSIER]


def _figures(area: Area, kids: list[Area], period: Period, services: list[Service],
             with_members_active: bool = True) -> dict[int, Figures]:
    """Figures of the area and each of its children (villages of a commune, communes of a province)."""
    start, end = period.start, period.as_of
    out = {a.id: Figures(area=a) for a in (area, *kids)}
    ids = list(out)
    stats = stats_as_of(ids, end)
    for ref, f in out.items():
        f.stats = stats[ref]
    # Counters: villages as they were before any later merge; communes read their period rollups.
    def sums(level: str | None, refs: list[int], first: date | None):
        if level == AreaLevel.VILLAGE:
            return village_sums(refs, first, end, end)
        return counter_sums(TallyKind.AREA, refs, first, end, rolled=level == AreaLevel.COMMUNE)

    kid_ids, kid_level = [k.id for k in kids], (kids[0].level if kids else None)
    in_period, ever = sums(kid_level, kid_ids, start), sums(kid_level, kid_ids, None)
    own, own_ever = sums(area.level, [area.id], start), sums(area.level, [area.id], None)
    in_period[area.id], ever[area.id] = own.get(area.id, {}), own_ever.get(area.id, {})
    for ref, f in out.items():
        f.period, f.ever = dict(in_period.get(ref, {})), dict(ever.get(ref, {}))

    # What each village path adds (villages, teams, members ... of the last day), counted first and added to
    # the area and the child above the path once per path and figure: a province has 25,000 members.
    tally: Counter[tuple[str, str]] = Counter()
    tally.update((path, "villages") for path in village_paths_on(area, end))
    teams = teams_on(area, end)
    team_ids = [t for t, _p in teams]
    busy = active_owners(TallyKind.TEAM, team_ids, start, end, rolled=True) | _session_teams(area, start, end)
    with_team = {path for _tid, path in teams}
    tally.update((path, "teams") for _tid, path in teams)
    tally.update((path, "teams_active") for tid, path in teams if tid in busy)
    tally.update((path, "villages_with_team") for path in with_team)
    if area.level == AreaLevel.PROVINCE:
        communes_with_team = {child_of(area, p) for p in with_team}
        for k in kids:
            out[k.id].communes = 1
            out[k.id].communes_with_team = int(k.id in communes_with_team)
        out[area.id].communes = len(kids)
        out[area.id].communes_with_team = len(communes_with_team & set(kid_ids))
    members = members_on(area, end)
    visiting = (active_owners(TallyKind.MEMBER, [mid for mid, _t, _p in members], start, end, rolled=True)
                if with_members_active else set())
    tally.update((path, "members") for _mid, _tid, path in members)
    tally.update((path, "members_active") for mid, _tid, path in members if mid in visiting)
    # Sessions held in the period.
    for path, _kind, n, attendees in _session_rows(area, start, end):
        tally[(path, "sessions")] += n
        tally[(path, "attendees")] += attendees
    owners: dict[str, tuple] = {}
    for (path, attr), n in tally.items():
        refs = owners.get(path)
        if refs is None:
            refs = owners[path] = tuple(r for r in {area.id, child_of(area, path)} if r in out)
        for ref in refs:
            setattr(out[ref], attr, getattr(out[ref], attr) + n)
    return out


def _session_teams(area: Area, start: date, end: date) -> set[int]:
    s = OutreachSession
    return set(db.session.scalars(
        select(s.team_id).distinct().join(Area, Area.id == s.village_id)
        .where(within(Area.path, area.path), live(s), s.held_on >= start, s.held_on <= end)))


def _session_rows(area: Area, start: date, end: date) -> list[tuple[str, str, int, int]]:
    """(village path, kind, sessions, attendees) of the live sessions held start..end."""
    s = OutreachSession
    return [(p, k, int(n), int(a or 0)) for p, k, n, a in db.session.execute(
        select(Area.path, s.kind, func.count(), func.sum(s.attendees)).join(Area, Area.id == s.village_id)
        .where(within(Area.path, area.path), live(s), s.held_on >= start, s.held_on <= end)
        .group_by(Area.path, s.kind))]


def _sessions_by_topic(area: Area, start: date, end: date) -> dict[str, dict[int, int]]:
    """{kind: {service id: sessions}}: "39 buổi tập huấn: 13 TMĐT, 26 thanh toán" (service 0: no service named)."""
    s, link = OutreachSession, outreach_session_services
    out: dict[str, dict[int, int]] = defaultdict(dict)
    for kind, sid, n in db.session.execute(
            select(s.kind, link.c.service_id, func.count()).select_from(s)
            .join(Area, Area.id == s.village_id).outerjoin(link, link.c.session_id == s.id)
            .where(within(Area.path, area.path), live(s), s.held_on >= start, s.held_on <= end)
            .group_by(s.kind, link.c.service_id)):
        out[kind][sid or 0] = int(n)
    return dict(out)


def _activities(area: Area, start: date, end: date) -> dict[str, list[int]]:
    c = CommuneActivity
    out = {k: [0, 0, 0] for k in ActivityKind.ALL}
    for kind, n, quantity, attendees in db.session.execute(
            select(c.kind, func.count(), func.sum(c.quantity), func.sum(c.attendees))
            .join(Area, Area.id == c.commune_id)
            .where(within(Area.path, area.path), live(c), c.held_on >= start, c.held_on <= end)
            .group_by(c.kind)):
        out[kind] = [int(n), int(quantity or 0), int(attendees or 0)]
    return out


def _signoffs(area: Area, period: Period, rows: dict[int, Figures]) -> None:
    """Villages with a team on the last day need their month or quarter approved; count those that are."""
    key = period.signoff_key
    if key is None:
        return
    approved = set(db.session.scalars(
        select(SignOff.village_id).join(Area, Area.id == SignOff.village_id)
        .where(within(Area.path, area.path), SignOff.period == key, SignOff.starts_on == period.start,
               SignOff.status == SignOffStatus.APPROVED)))
    villages = {}
    for _tid, path in teams_on(area, period.as_of):
        villages[path] = int(path.strip("/").split("/")[-1])
    for path, village_id in villages.items():
        for ref in (area.id, child_of(area, path)):
            if ref in rows:
                rows[ref].to_approve += 1
                rows[ref].approved += int(village_id in approved)


def build_report(area: Area, period: Period, services: list[Service] | None = None) -> Report:
    services = services if services is not None else active_services()
    kids = children_on(area, period.as_of)
    rows = _figures(area, kids, period, services)
    previous = period.previous()
    prev = _figures(area, [], previous, services, with_members_active=True)[area.id]
    late = late_changes(area, period.start, period.as_of)
    for ref, n in late.by_child.items():
        if ref in rows:
            rows[ref].late_visits = n
    rows[area.id].late_visits = late.visits
    _signoffs(area, period, rows)
    by_kind: dict[str, list[int]] = {k: [0, 0] for k in SessionKind.ALL}
    for _path, kind, n, attendees in _session_rows(area, period.start, period.as_of):
        by_kind.setdefault(kind, [0, 0])
        by_kind[kind][0] += n
        by_kind[kind][1] += attendees
    return Report(area=area, period=period, services=services, total=rows[area.id], previous=prev,
                  rows=[rows[k.id] for k in kids], sessions_by_kind=by_kind,
                  sessions_by_topic=_sessions_by_topic(area, period.start, period.as_of),
                  activities=_activities(area, period.start, period.as_of), late=late)


def children_on(area: Area, day: date) -> list[Area]:
    """The rows of a report: a commune's villages as they were on the day, a province's communes."""
    if area.level == AreaLevel.COMMUNE:
        return villages_on(area, day)
    if area.level == AreaLevel.PROVINCE:
        return children(area)
    return []
