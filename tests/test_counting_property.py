"""Counters stay true through every operation the app offers: a Hypothesis state machine runs random
sequences of visits (the form's writer, sync batches and paper walk sheets entered by the leader, some with
a promised return day), households assigned to members, corrections, deletes and restores of visits
and households, household edits and imports, village creation, merges and archives, team creation and
closing, member moves, deactivation and reactivation; after each step:

- the counters and denominators equal a recount from the visits and households;
- no count exceeds its eligible residents (per household, and per area);
- the village rows add up to the commune's totals and the commune rows to the province's;
- every household's visit_count, latest visit and promised return day equal its live visits'.

Each example works in a commune of its own (examples share the test's database on PostgreSQL).
"""
import itertools
import uuid
from datetime import timedelta

from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import func, select

from fieldapp.areas.operations import archive_village, create_village, merge_villages
from fieldapp.counting import achieved, eligible, household_stats, live, local_day
from fieldapp.extensions import db
from fieldapp.households.operations import (HouseholdData, create_household, delete_household, restore_household,
                                            update_household)
from fieldapp.imports.operations import apply_households, plan_households
from fieldapp.models import Area, AreaLevel, AreaStats, Household, Role, Service, TallyKind, TallyTotal, Team, User, Visit
from fieldapp.models.tallies import VISIT_ROW
from fieldapp.rules import RuleError
from fieldapp.tallies.queries import children
from fieldapp.teams.operations import close_team, create_team, deactivate_member, move_member, reactivate_member
from fieldapp.timeutil import utcnow
from fieldapp.visits.operations import VisitData, VisitRecord, delete_visit, log_visit, restore_visit, save_visits
from fieldapp.visits.operations import update_visit
from fieldapp.walks.operations import assign_households as assign
from tests.factories import area, user
from tests.tally_helpers import recount, stored

CODES = ("vneid", "payment", "skills5", "dvc", "ehealth")
OUTCOMES = ("helped", "not_home", "declined", "revisit")
serial = itertools.count()

pick = st.integers(0, 10_000)  # an index into whatever list the rule picks from
counts_st = st.dictionaries(st.sampled_from(CODES), st.integers(0, 3), max_size=3)
residents_st = st.tuples(st.integers(1, 6), st.integers(0, 6), st.integers(0, 6)).map(
    lambda t: (t[0], min(t[1], t[0]), min(t[2], t[1], t[0])))
visit_st = st.fixed_dictionaries({"household": pick, "outcome": st.sampled_from(OUTCOMES), "counts": counts_st,
                                  "days_ago": st.integers(0, 40), "minutes": st.integers(0, 900),
                                  "back_in": st.none() | st.integers(0, 20)})


def _data(spec) -> VisitData:
    counts = {k: v for k, v in spec["counts"].items() if v} if spec["outcome"] == "helped" else {}
    if spec["outcome"] == "helped" and not counts:
        counts = {"dvc": 1}
    at = utcnow() - timedelta(days=spec["days_ago"], minutes=spec["minutes"])
    back = None
    if spec.get("back_in") is not None and spec["outcome"] in ("not_home", "revisit"):
        back = local_day(at) + timedelta(days=spec["back_in"])  # "Hẹn quay lại": the day promised
    return VisitData(outcome=spec["outcome"], counts=counts, visited_at=at, return_on=back)


def _of(items: list, i: int):
    return items[i % len(items)] if items else None


class Commune(RuleBasedStateMachine):
    """One commune of the world's province: villages, teams, members, households, visits."""
    province: Area

    def __init__(self):
        super().__init__()
        n = next(serial)
        self.commune = area(AreaLevel.COMMUNE, f"Xã Thử {n}", self.province)
        self.officer = user(f"091{n:07d}", Role.COMMUNE_OFFICER, f"Cán bộ {n}", area_=self.commune)
        self.villages = [create_village(None, self.commune, f"Thôn {n}-{k}") for k in (1, 2)]
        self.teams, self.members = [], []
        for village in self.villages:
            self._team(village)
            for _k in range(3):
                self._household(self.members[-1], village, (4, 3, 2), 40)
        db.session.commit()

    def _household(self, actor: User, village: Area, residents, days: int) -> Household:
        total, a14, a18 = residents
        h = create_household(actor, village, HouseholdData(code=f"H{next(serial)}", residents_total=total,
                                                           residents_14plus=a14, residents_18plus=a18))
        h.created_at = utcnow() - timedelta(days=days + 41)  # before every visit the rules make
        return h

    def _team(self, village: Area) -> Team:
        team = create_team(self.officer, village, f"Tổ {next(serial)}")
        for role in (Role.LEADER, Role.MEMBER):
            self.members.append(user(f"092{next(serial):07d}", role, "Thành viên", team=team))
        self.teams.append(team)
        return team

    # --- helpers ----------------------------------------------------------------------------------

    def step(self, write) -> None:
        """One operation in its own savepoint: a rule's refusal leaves nothing behind."""
        savepoint = db.session.begin_nested()
        try:
            write()
            savepoint.commit()
        except RuleError:
            savepoint.rollback()
        db.session.commit()
        db.session.expire_all()

    def households(self, deleted=False) -> list[Household]:
        stmt = (select(Household).join(Area, Area.id == Household.village_id)
                .where(Area.parent_id == self.commune.id).order_by(Household.code))
        return list(db.session.scalars(stmt.where(~live(Household) if deleted else live(Household))))

    def visits(self, deleted=False) -> list[Visit]:
        stmt = (select(Visit).join(Household, Household.id == Visit.household_id)
                .join(Area, Area.id == Household.village_id)
                .where(Area.parent_id == self.commune.id, live(Household)).order_by(Visit.id))
        return list(db.session.scalars(stmt.where(~live(Visit) if deleted else live(Visit))))

    def recorder(self, village_id: int, i: int = 0) -> User | None:
        """An active member of an active team of this village (who may log visits there)."""
        found = [m for m in self.members if m.active and m.team.active and m.team.village_id == village_id]
        return _of(found, i)

    # --- rules: households ----------------------------------------------------------------------

    @rule(v=pick, residents=residents_st, days=st.integers(0, 60))
    def add_household(self, v, residents, days):
        village = _of(self.villages, v)
        actor = self.recorder(village.id)
        if actor is None:
            return
        self.step(lambda: self._household(actor, village, residents, days))

    @rule(h=pick, residents=residents_st)
    def edit_household(self, h, residents):
        household = _of(self.households(), h)
        actor = household and self.recorder(household.village_id)
        if actor is None:
            return
        total, a14, a18 = residents
        self.step(lambda: update_household(actor, household, HouseholdData(
            code=household.code, residents_total=total, residents_14plus=a14, residents_18plus=a18)))

    @rule(v=pick, rows=st.lists(st.tuples(pick, residents_st), min_size=1, max_size=4))
    def import_households(self, v, rows):
        """A file of new households and updates of existing ones (by house code), all or none."""
        village = _of(self.villages, v)
        existing = [h.code for h in self.households() if h.village_id == village.id]
        lines, seen = ["Mã hộ,Số nhân khẩu,Từ 14 tuổi,Từ 18 tuổi"], set()
        for i, (total, a14, a18) in rows:
            code = _of(existing, i) if existing and i % 2 else f"N{next(serial)}"
            if code in seen:
                continue
            seen.add(code)
            lines.append(f"{code},{total},{a14},{a18}")
        plan = plan_households(village, "ho.csv", "\n".join(lines).encode(), consent=False)

        def write():
            apply_households(self.officer, village, plan)
            for row in plan.rows:  # a new household's first visits may be logged in the past
                h = db.session.scalar(select(Household).where(Household.village_id == village.id,
                                                              Household.code == row.label))
                h.created_at = min(h.created_at, utcnow() - timedelta(days=41))
        if plan.ok:
            self.step(write)

    @rule(h=pick)
    def delete_household(self, h):
        household = _of(self.households(), h)
        actor = household and self.recorder(household.village_id)
        if actor is not None:
            self.step(lambda: delete_household(actor, household))

    @precondition(lambda self: self.households(deleted=True))
    @rule(h=pick)
    def restore_household(self, h):
        household = _of(self.households(deleted=True), h)
        actor = household and self.recorder(household.village_id)
        if actor is not None:
            self.step(lambda: restore_household(actor, household))

    # --- rules: visits ----------------------------------------------------------------------------

    @rule(spec=visit_st, who=pick)
    def log_visit(self, spec, who):
        household = _of(self.households(), spec["household"])
        actor = household and self.recorder(household.village_id, who)
        if actor is not None:
            self.step(lambda: log_visit(actor, household, _data(spec)))

    @rule(specs=st.lists(st.tuples(visit_st, st.booleans()), min_size=1, max_size=6), who=pick)
    def sync_batch(self, specs, who):
        """A phone's batch: some records for other villages (refused), some sent twice (duplicates)."""
        actor = _of([m for m in self.members if m.active and m.team.active], who)
        households = self.households()
        if actor is None or not households:
            return
        records = []
        for spec, twice in specs:
            rec = VisitRecord(str(uuid.uuid4()), _of(households, spec["household"]).id, _data(spec))
            records += [rec, VisitRecord(rec.id, rec.household_id, _data(spec) if twice else rec.data)][:1 + twice]
        self.step(lambda: save_visits(actor, records))

    @rule(spec=visit_st, who=pick)
    def paper_entry(self, spec, who):
        """The leader types a paper walk sheet in: the visit is the member's (counters and all)."""
        household = _of(self.households(), spec["household"])
        member = household and self.recorder(household.village_id, who)
        leader = member and next((m for m in self.members if m.role == Role.LEADER and m.team_id == member.team_id
                                  and m.active), None)
        if leader is not None:
            self.step(lambda: save_visits(leader, [VisitRecord(str(uuid.uuid4()), household.id, _data(spec),
                                                               member=member, paper=True)]))

    @rule(h=st.lists(pick, min_size=1, max_size=4), who=pick)
    def assign_households(self, h, who):
        """Who goes where moves no counter."""
        households = self.households()
        member = households and self.recorder(_of(households, h[0]).village_id, who)
        leader = member and next((m for m in self.members if m.role == Role.LEADER and m.team_id == member.team_id
                                  and m.active), None)
        if leader is not None:
            chosen = [_of(households, i) for i in h]
            self.step(lambda: assign(leader, member.team.village, chosen, member))

    @precondition(lambda self: self.visits())
    @rule(v=pick, spec=visit_st)
    def correct_visit(self, v, spec):
        visit = _of(self.visits(), v)
        leader = visit and next((m for m in self.members if m.role == Role.LEADER and m.team_id == visit.team_id), None)
        if leader is not None:
            self.step(lambda: update_visit(leader, visit, _data(spec)))

    @precondition(lambda self: self.visits())
    @rule(v=pick)
    def delete_visit(self, v):
        visit = _of(self.visits(), v)
        if visit is not None:
            self.step(lambda: delete_visit(self.officer, visit))

    @precondition(lambda self: self.visits(deleted=True))
    @rule(v=pick)
    def restore_visit(self, v):
        visit = _of(self.visits(deleted=True), v)
        if visit is not None:
            self.step(lambda: restore_visit(self.officer, visit))

    # --- rules: villages, teams, members ------------------------------------------------------------

    @precondition(lambda self: len(self.villages) < 5)
    @rule()
    def add_village(self):
        def write():
            village = create_village(self.officer, self.commune, f"Thôn mới {next(serial)}")
            self.villages.append(village)
            self._team(village)
        self.step(write)

    @precondition(lambda self: sum(v.archived_at is None for v in self.villages) > 1)
    @rule(a=pick, b=pick)
    def merge_villages(self, a, b):
        open_ = [v for v in self.villages if v.archived_at is None]
        absorbed = open_[a % len(open_)]
        survivor = open_[(a + 1 + b % (len(open_) - 1)) % len(open_)]
        self.step(lambda: merge_villages(self.officer, absorbed, survivor, clash_prefix=f"G{next(serial)}"))

    @precondition(lambda self: sum(v.archived_at is None for v in self.villages) > 1)
    @rule(v=pick)
    def archive_village(self, v):
        """As an officer does it: the village's members deactivated, its teams closed, then archived."""
        village = _of([v for v in self.villages if v.archived_at is None], v)

        def write():
            for team in [t for t in self.teams if t.village_id == village.id and t.active]:
                for member in [m for m in self.members if m.team_id == team.id and m.active]:
                    deactivate_member(self.officer, member, "moved")
                close_team(self.officer, team)
            archive_village(self.officer, village)
        self.step(write)

    @rule(t=pick)
    def close_team(self, t):
        team = _of(self.teams, t)
        if team is not None:
            self.step(lambda: close_team(self.officer, team))

    @rule(m=pick, t=pick)
    def move_member(self, m, t):
        member, team = _of(self.members, m), _of(self.teams, t)
        if member is not None:
            self.step(lambda: move_member(self.officer, member, team))

    @rule(m=pick)
    def deactivate_member(self, m):
        member = _of(self.members, m)
        if member is not None:
            self.step(lambda: deactivate_member(self.officer, member, "left"))

    @rule(m=pick)
    def reactivate_member(self, m):
        member = _of(self.members, m)
        if member is not None:
            self.step(lambda: reactivate_member(self.officer, member))

    # --- what must hold after every step -------------------------------------------------------------

    @invariant()
    def counters_equal_a_recount(self):
        assert stored() == recount()

    @invariant()
    def no_count_exceeds_its_eligible_residents(self):
        services = list(db.session.scalars(select(Service)))
        households = self.households() + self.households(deleted=True)
        done = achieved([h.id for h in households])
        for h in households:
            stats = household_stats(h) if h.deleted_at is None else household_stats(
                Household(residents_total=h.residents_total, residents_14plus=h.residents_14plus,
                          residents_18plus=h.residents_18plus))
            for s in services:
                cap = eligible(s, stats)
                assert cap is None or done[h.id].get(s.id, 0) <= cap, (h.code, s.code)
        stats = {a.area_id: household_stats(None) | {k: getattr(a, k) for k in ("households", "residents_total",
                                                                               "residents_14plus", "residents_18plus")}
                 for a in db.session.scalars(select(AreaStats))}
        for row in db.session.scalars(select(TallyTotal).where(TallyTotal.kind == TallyKind.AREA,
                                                               TallyTotal.service_id != VISIT_ROW)):
            cap = eligible(db.session.get(Service, row.service_id), stats.get(row.ref_id, {}))
            assert cap is None or row.people <= cap
        for row in db.session.scalars(select(TallyTotal).where(TallyTotal.kind == TallyKind.AREA,
                                                               TallyTotal.service_id == VISIT_ROW)):
            assert row.reached <= stats.get(row.ref_id, {}).get("households", 0)

    @invariant()
    def rows_add_up_to_their_totals(self):
        for parent in (self.commune, self.province):
            ids = [a.id for a in children(parent)]
            for model, keys in ((TallyTotal, ("service_id",)), (AreaStats, ())):
                whole = _sums(model, [parent.id], keys)
                parts = _sums(model, ids, keys)
                assert parts == whole, (parent.name, model.__tablename__)

    @invariant()
    def household_columns_follow_their_visits(self):
        for h in self.households() + self.households(deleted=True):
            live_visits = [v for v in db.session.scalars(select(Visit).where(Visit.household_id == h.id, live(Visit)))]
            assert h.visit_count == len(live_visits)
            latest = max((v.visited_at for v in live_visits), default=None)
            assert h.last_visited_at == latest
            last = [v for v in live_visits if v.visited_at == latest]
            if len(last) == 1:  # the latest visit's promise to come back (none after one that helped)
                assert (h.last_outcome, h.return_on) == (last[0].outcome, last[0].return_on)
            elif not last:
                assert h.return_on is None


def _sums(model, ref_ids, keys) -> dict:
    if model is AreaStats:
        cols = [func.coalesce(func.sum(getattr(AreaStats, c)), 0)
                for c in ("households", "residents_total", "residents_14plus", "residents_18plus")]
        return {(): tuple(db.session.execute(select(*cols).where(AreaStats.area_id.in_(ref_ids))).one())}
    cols = [func.sum(getattr(TallyTotal, c)) for c in ("visits", "helped", "not_home", "declined", "revisit",
                                                       "reached", "people")]
    rows = db.session.execute(select(TallyTotal.service_id, *cols).where(
        TallyTotal.kind == TallyKind.AREA, TallyTotal.ref_id.in_(ref_ids)).group_by(TallyTotal.service_id)).all()
    return {r[0]: tuple(int(x) for x in r[1:]) for r in rows if any(r[1:])}


def test_counters_stay_true_through_every_operation(app, world):
    Commune.province = world.province
    with app.test_request_context():  # refusals speak Vietnamese through gettext
        run_state_machine_as_test(Commune, settings=settings(
            max_examples=12, stateful_step_count=25, deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
