"""Reads of the walk: coverage per member, the walk sheet's households, a member's own results and the
leader's week. Every figure about visits comes from the counters (tallies) or the households' list
columns, through the rules of fieldapp/counting.py."""
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import case, func, select

from ..counting import (
    day_bounds,
    done_sql,
    due_back_sql,
    live,
    live_households,
    local_day,
    period_start,
    remaining_sql,
    share,
)
from ..extensions import db
from ..leaderboards.queries import BoardRow, board, weekly_streaks
from ..models import Household, Role, Service, SyncReport, TallyKind, Team, User, Visit
from ..models.tallies import VISIT_ROW
from ..services.queries import active_services, all_services
from ..tallies.queries import member_activity, sums_in_range

QUIET_DAYS = (7, 14)        # a member with no visit for this long is named on the leader's week
STALE_SYNC_DAYS = 3         # a phone that has not synced for this long is named too
UNIT_WORDS = {"people": "người", "dossiers": "hồ sơ", "households": "hộ"}


# --- Who goes where ------------------------------------------------------------------------------

@dataclass
class Cover:
    """One member's share of the village: households assigned, done, still to visit, due back."""
    assigned: int = 0
    done: int = 0
    due: int = 0

    @property
    def remaining(self) -> int:
        return self.assigned - self.done

    @property
    def share(self) -> float | None:
        return share(self.done, self.assigned)


def team_members(team: Team, *, active_only: bool = True) -> list[User]:
    """The team's members and leader, by name."""
    stmt = select(User).where(User.team_id == team.id, User.role.in_(Role.TEAM_ROLES))
    if active_only:
        stmt = stmt.where(User.active.is_(True))
    return list(db.session.scalars(stmt.order_by(User.name, User.id)))


def coverage(village_id: int, on: date) -> dict[int | None, Cover]:
    """{assignee id (None: nobody): Cover} over the village's live households, in one grouped query."""
    rows = db.session.execute(
        select(Household.assignee_id, func.count(), func.count().filter(done_sql()), func.count().filter(due_back_sql(on)))
        .where(Household.village_id == village_id, live(Household)).group_by(Household.assignee_id)).all()
    return {assignee: Cover(n, done, due) for assignee, n, done, due in rows}


def assignee_names(village_id: int) -> dict[int, User]:
    """The users households of the village are assigned to (members of other teams, or who left, too)."""
    ids = select(Household.assignee_id).where(Household.village_id == village_id, Household.assignee_id.is_not(None))
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids.distinct())))}


def assigned_count(member: User) -> int:
    """The live households assigned to a member."""
    return db.session.execute(select(func.count()).select_from(Household).where(
        Household.assignee_id == member.id, live(Household))).scalar_one()


def stranded(village_id: int, team: Team) -> dict[int, int]:
    """{user id: households}: households of the village assigned to someone who no longer goes there
    (deactivated, or moved to another team): the leader is asked to give them to someone else."""
    rows = db.session.execute(
        select(User.id, func.count()).select_from(Household).join(User, User.id == Household.assignee_id)
        .where(Household.village_id == village_id, live(Household),
               (User.active.is_(False)) | (User.team_id.is_(None)) | (User.team_id != team.id))
        .group_by(User.id)).all()
    return dict(rows)


def pick_households(village_id: int, *, codes: tuple[str, str] | None = None, ids=None, stmt=None) -> list[Household]:
    """The live households of a village for an assignment: in a code range (in the list's order, numbers
    compared as numbers), of these ids, or of a filtered SELECT."""
    base = stmt if stmt is not None else live_households().where(Household.village_id == village_id)
    if ids is not None:
        ids = list(ids)
        if not ids:
            return []
        base = base.where(Household.id.in_(ids))
    found = list(db.session.scalars(base.order_by(Household.code, Household.id)))
    if codes is None:
        return found
    lo, hi = sorted((natural(codes[0]), natural(codes[1])))
    return [h for h in found if lo <= natural(h.code) <= hi]


def natural(code: str) -> tuple:
    """A house code as people sort it: "VT1-9" before "VT1-10"; case and spaces ignored."""
    parts = re.split(r"(\d+)", " ".join(code.split()).lower())
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts if p)


# --- The walk sheet --------------------------------------------------------------------------------

def sheet_households(village_id: int, member_id: int | None) -> list[Household]:
    """The remaining households (never visited, or someone must come back) of a member, or of the village
    (member None), due-back ones first, then by code."""
    stmt = live_households().where(Household.village_id == village_id, remaining_sql())
    if member_id is not None:
        stmt = stmt.where(Household.assignee_id == member_id)
    due_first = case((Household.return_on.is_(None), 1), else_=0)
    return list(db.session.scalars(stmt.order_by(due_first, Household.return_on, Household.code, Household.id)))


def paper_entries(village_id: int, entered_by: int, member_id: int | None, day: date) -> dict[str, list[Visit]]:
    """{household id: [visits]} this leader entered from paper for a day of visits (for this member): the
    sheet's rows already typed in."""
    lo, hi = day_bounds(day, day)
    stmt = (select(Visit).join(Household, Household.id == Visit.household_id)
            .where(Household.village_id == village_id, Visit.entered_by_id == entered_by, Visit.visited_at >= lo,
                   Visit.visited_at < hi, live(Visit)))
    if member_id is not None:
        stmt = stmt.where(Visit.member_id == member_id)
    out: dict[str, list[Visit]] = {}
    for v in db.session.scalars(stmt.order_by(Visit.visited_at)):
        out.setdefault(v.household_id, []).append(v)
    return out


# --- A member's own results ------------------------------------------------------------------------

@dataclass
class Results:
    member: User
    week_start: date
    month_start: date
    week: object            # BoardRow of this week (visits, points, people)
    month: object           # BoardRow of this month
    cover: Cover
    village_due: int        # due back in the whole village (for a member with no households assigned)
    rank: int | None        # among the team, by the share of one's own assigned households done
    ranked: int             # members with households assigned
    streak: int
    services: list = field(default_factory=list)


def fair_ranks(team: Team, covers: dict[int | None, Cover]) -> dict[int, int]:
    """{member id: rank} among the team's active members who have households assigned: the share of their
    own households done (not raw points, which favour whoever has the bigger part); ties by households
    done, then name."""
    pairs = [(m, covers.get(m.id)) for m in team_members(team)]
    rows = [(m, c) for m, c in pairs if c is not None and c.assigned]
    rows.sort(key=lambda mc: (-(mc[1].share or 0), -mc[1].done, mc[0].name, mc[0].id))
    return {m.id: i for i, (m, _c) in enumerate(rows, 1)}


def my_results(member: User, on: date) -> Results:
    team = member.team
    assert team is not None
    village = team.village
    week_start, month_start = period_start("w", on), period_start("m", on)
    week = _row_of(member, village, week_start, on)
    month = _row_of(member, village, month_start, on)
    covers = coverage(village.id, on)
    ranks = fair_ranks(team, covers)
    services = active_services()
    return Results(member=member, week_start=week_start, month_start=month_start, week=week, month=month,
                   cover=covers.get(member.id, Cover()), village_due=sum(c.due for c in covers.values()),
                   rank=ranks.get(member.id), ranked=len(ranks),
                   streak=weekly_streaks([member.id], on).get(member.id, 0), services=services)


def _row_of(member: User, village, start: date, end: date):
    rows = board("members", village, start, end, team_id=member.team_id)
    found = next((r for r in rows if r.key == member.id), None)
    if found is None:  # not on the team's board (e.g. a leader of no active team): nothing counted yet
        found = BoardRow(key=member.id, name=member.name)
    return found


# --- The leader's week -----------------------------------------------------------------------------

@dataclass
class MemberWeek:
    member: User
    week_visits: int
    last_day: date | None        # the day of their last visit
    quiet_days: int | None       # days since it (None: never)
    sync: SyncReport | None


@dataclass
class Week:
    team: Team
    start: date
    end: date
    before: tuple[date, date]    # the same days of last week
    visits: int
    visits_before: int
    reached: int
    people: list[tuple[Service, int]]
    done: int
    households: int
    due_today: int
    overdue: int
    members: list[MemberWeek]
    stranded: int                # households assigned to someone who left or moved

    @property
    def quiet(self) -> list[MemberWeek]:
        return [m for m in self.members if m.quiet_days is None or m.quiet_days >= QUIET_DAYS[0]]

    @property
    def waiting(self) -> list[MemberWeek]:
        return [m for m in self.members if m.sync is not None and (m.sync.pending or m.sync.rejected)]

    @property
    def unsynced(self) -> list[MemberWeek]:
        """Phones silent for a while (or never synced): their records, if any, are not known here."""
        return [m for m in self.members if m.sync is None
                or (self.end - local_day(m.sync.reported_at)).days >= STALE_SYNC_DAYS]

    @property
    def text(self) -> str:
        return week_text(self)


def leader_week(team: Team, on: date) -> Week:
    """The card on the leader's home: this week against the same days of last week, who has not been out,
    which phones hold records not yet sent, the return visits that are due."""
    start = period_start("w", on)
    before = (start - timedelta(days=7), on - timedelta(days=7))
    sums = sums_in_range(TallyKind.TEAM, [team.id], start, on).get(team.id, {})
    sums_before = sums_in_range(TallyKind.TEAM, [team.id], *before).get(team.id, {})
    services = all_services()
    people = [(s, sums.get(s.id, {}).get("people", 0)) for s in services if sums.get(s.id, {}).get("people")]
    village_id = team.village_id
    row = db.session.execute(
        select(func.count(), func.count().filter(done_sql()),
               func.count().filter(Household.return_on == on), func.count().filter(Household.return_on < on))
        .where(Household.village_id == village_id, live(Household))).one()
    activity = member_activity([team.id], start)
    reports = {r.user_id: r for r in db.session.scalars(
        select(SyncReport).where(SyncReport.user_id.in_([a["member"].id for a in activity])))} if activity else {}
    members = [MemberWeek(a["member"], a["week"], a["last"], None if a["last"] is None else (on - a["last"]).days,
                          reports.get(a["member"].id)) for a in activity]
    return Week(team=team, start=start, end=on, before=before, visits=sums.get(VISIT_ROW, {}).get("visits", 0),
                visits_before=sums_before.get(VISIT_ROW, {}).get("visits", 0),
                reached=sums.get(VISIT_ROW, {}).get("reached", 0), people=people, done=row[1], households=row[0],
                due_today=row[2], overdue=row[3], members=members, stranded=sum(stranded(village_id, team).values()))


def week_text(week: Week) -> str:
    """A short text for the team's Zalo group: figures and members' names only, never a resident's data
    (no house code, no name, no phone)."""
    lines = [_("%(team)s – tuần %(a)s–%(b)s", team=week.team.name, a=week.start.strftime("%d/%m"),
               b=week.end.strftime("%d/%m/%Y"))]
    lines.append("• " + _("%(n)d lượt thăm (cùng kỳ tuần trước: %(m)d); %(r)d hộ được thăm lần đầu",
                          n=week.visits, m=week.visits_before, r=week.reached))
    if week.people:
        lines.append("• " + _("Đã hỗ trợ: %(list)s", list=", ".join(
            f"{s.short_name} {n} {UNIT_WORDS.get(s.unit, '')}".strip() for s, n in week.people)))
    lines.append("• " + _("Hộ đã xong: %(d)d/%(t)d", d=week.done, t=week.households))
    if week.due_today or week.overdue:
        lines.append("• " + _("Hẹn quay lại: %(a)d hộ hôm nay, %(b)d hộ quá hẹn", a=week.due_today, b=week.overdue))
    best = sorted((m for m in week.members if m.week_visits), key=lambda m: (-m.week_visits, m.member.name))[:3]
    if best:
        lines.append("• " + _("Cảm ơn %(list)s", list=", ".join(
            _("%(name)s (%(n)d lượt)", name=m.member.name, n=m.week_visits) for m in best)))
    if week.waiting:
        lines.append("• " + _("Nhắc: %(n)d máy còn bản ghi chưa gửi, nhớ mở ứng dụng khi có mạng.", n=len(week.waiting)))
    return "\n".join(lines)
