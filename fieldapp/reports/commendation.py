"""The commendation proposal (Tờ trình đề nghị khen thưởng) of a commune for a period (the 10/10 review, a
year, a quarter): its teams and members of then, ranked as the leaderboards rank (leaderboards.queries: share
of the goals weighted by points, then points, visits, name), over the period's counters and the villages'
eligible residents on its last day. Nobody with zero points or zero visits is proposed; over-achievement
reads as it is (121,7%)."""
from dataclasses import dataclass

from sqlalchemy import select

from ..counting import eligible
from ..extensions import db, in_list
from ..leaderboards.queries import BoardRow, fill_row, rank, service_codes, services_points
from ..models import Area, TallyKind, Team
from ..text import number
from .figures import counter_sums, member_names, members_on, stats_as_of, teams_on
from .periods import Period

DEFAULT_TEAMS, DEFAULT_MEMBERS, MOST = 3, 5, 50


@dataclass
class Proposal:
    area: Area
    period: Period
    teams: list[BoardRow]
    members: list[BoardRow]
    services: dict  # service id -> (Service, points)

    def achievements(self, row: BoardRow) -> str:
        by_code = {s.code: s for s, _p in self.services.values()}
        parts = [f"{by_code[c].short_name}: {number(n)}" for c, n in row.people.items() if n and c in by_code]
        return "; ".join(parts) or "–"

    def points_rule(self) -> str:
        return "; ".join(f"{s.short_name} {p} điểm/người" for s, p in self.services.values())


def build_proposal(commune: Area, period: Period, teams_n: int = DEFAULT_TEAMS,
                   members_n: int = DEFAULT_MEMBERS) -> Proposal:
    start, end = period.start, period.as_of
    counted = services_points(None)
    teams = teams_on(commune, end)
    team_ids = [t for t, _p in teams]
    names = dict(db.session.execute(select(Team.id, Team.name).where(in_list(Team.id, team_ids))).all()) \
        if team_ids else {}
    village_of = {t: int(p.strip("/").split("/")[-1]) for t, p in teams}
    villages = dict(db.session.execute(select(Area.id, Area.name).where(in_list(Area.id, list(set(village_of.values())))))
                    .all()) if village_of else {}
    stats = stats_as_of(set(village_of.values()), end)
    members = members_on(commune, end)
    per_team: dict[int, int] = {}
    for _m, tid, _p in members:
        per_team[tid] = per_team.get(tid, 0) + 1
    done = counter_sums(TallyKind.TEAM, team_ids, start, end, rolled=True)
    codes = service_codes(counted)
    team_rows = []
    for tid in team_ids:
        vid = village_of[tid]
        row = BoardRow(key=tid, name=names.get(tid, ""), place=villages.get(vid, ""), members=per_team.get(tid, 0))
        goals = {sid: eligible(s, stats[vid]) for sid, (s, _p) in counted.items()}
        fill_row(row, _flat(done.get(tid, {})), goals, codes, with_score=True)
        team_rows.append(row)
    member_ids = [m for m, _t, _p in members]
    done = counter_sums(TallyKind.MEMBER, member_ids, start, end, rolled=True)
    people = member_names(member_ids)
    member_rows = []
    for mid, tid, _p in members:
        row = BoardRow(key=mid, name=people.get(mid, ""), place=names.get(tid, ""))
        fill_row(row, _flat(done.get(mid, {})), {}, codes, with_score=False)
        member_rows.append(row)
    worthy = [r for r in rank(team_rows) if r.points > 0 and r.visits > 0][:teams_n]
    best = [r for r in rank(member_rows) if r.points > 0 and r.visits > 0][:members_n]
    return Proposal(area=commune, period=period, teams=worthy, members=best, services=counted)


def _flat(per_service: dict) -> dict[int, int]:
    """{service: counters} -> {service: people, 0: visits}, as the boards' fill_row reads it."""
    return {sid: (c.get("visits", 0) if sid == 0 else c.get("people", 0)) for sid, c in per_service.items()}
