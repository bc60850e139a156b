"""The counters kept by the visit operations equal a brute-force recount from the raw visits."""
from datetime import timedelta

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.households.operations import HouseholdData, create_household, update_household
from fieldapp.models import Service, Visit
from fieldapp.rules import RuleError
from fieldapp.tallies.operations import rebuild_counters
from fieldapp.timeutil import utcnow
from fieldapp.visits.operations import VisitData, log_visit, update_visit
from tests.tally_helpers import recount, stored

CODES = ["vneid", "payment", "skills5", "dvc", "ehealth"]
OUTCOMES = ["helped", "not_home", "declined", "revisit"]

visit_st = st.fixed_dictionaries({
    "household": st.integers(0, 5), "actor": st.sampled_from(["leader", "member", "member2"]),
    "days_ago": st.integers(0, 20), "minutes": st.integers(0, 600),
    "outcome": st.sampled_from(OUTCOMES),
    "counts": st.dictionaries(st.sampled_from(CODES), st.integers(0, 4), max_size=3),
})
op_st = st.one_of(
    st.tuples(st.just("log"), visit_st),
    st.tuples(st.just("edit"), st.integers(0, 50), visit_st),
    st.tuples(st.just("household"), st.integers(0, 5), st.integers(1, 6)),
)


def _data(spec, now):
    counts = {k: v for k, v in spec["counts"].items() if v} if spec["outcome"] == "helped" else {}
    if spec["outcome"] == "helped" and not counts:
        counts = {"dvc": 1}
    return VisitData(outcome=spec["outcome"], counts=counts,
                     visited_at=now - timedelta(days=spec["days_ago"], minutes=spec["minutes"]))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(op_st, min_size=1, max_size=14))
def test_counters_equal_brute_force_recount(app, world, ops):
    with app.test_request_context():  # RuleError messages go through gettext
        _run(world, ops)


def _run(world, ops):
    now = utcnow()
    u = world.users
    villages = [world.village1, world.village1, world.village1, world.village2, world.village2, world.village2]
    households = []
    for i, village in enumerate(villages):
        actor = u["member"] if village is world.village1 else u["member2"]
        h = create_household(actor, village, HouseholdData(code=f"P{len(ops)}-{i}-{now.timestamp()}",
                                                           residents_total=5, residents_14plus=4, residents_18plus=3))
        h.created_at = now - timedelta(days=60)
        households.append(h)
    db.session.commit()
    logged = []
    for op in ops:
        savepoint = db.session.begin_nested()
        try:
            if op[0] == "log":
                spec = op[1]
                actor = u[spec["actor"]]
                h = households[spec["household"]]
                if actor.team.village_id != h.village_id:
                    actor = u["member"] if h.village_id == world.village1.id else u["member2"]
                logged.append(log_visit(actor, h, _data(spec, now)))
            elif op[0] == "edit" and logged:
                update_visit(u["leader"], logged[op[1] % len(logged)], _data(op[2], now))
            elif op[0] == "household":
                h = households[op[1]]
                total = max(op[2], h.residents_total)  # never below what was already counted
                update_household(u["member"], h, HouseholdData(code=h.code, residents_total=total,
                                                               residents_14plus=min(4, total), residents_18plus=min(3, total)))
            savepoint.commit()
        except RuleError:
            savepoint.rollback()
    db.session.commit()
    db.session.expire_all()
    assert stored() == recount()
    _coverage_never_above_100(world)


def _coverage_never_above_100(world):
    from fieldapp.services.queries import active_services
    from fieldapp.counting import today
    from fieldapp.tallies.queries import area_tallies
    services = active_services()
    areas = [world.province, world.commune, world.village1, world.village2]
    for tally in area_tallies(areas, today() - timedelta(days=30), today(), services).values():
        assert tally.visited <= tally.households
        for st in tally.services.values():
            if st.eligible is not None:
                assert st.people_ever <= st.eligible
                assert st.coverage is None or st.coverage <= 1.0


def test_rebuild_gives_the_same_counters(world):
    u = world.users
    now = utcnow()
    for h in world.households.values():
        h.created_at = now - timedelta(days=30)
    h1, h3 = world.households["h1"], world.households["h3"]
    v = log_visit(u["member"], h1, VisitData("helped", now - timedelta(days=3), counts={"vneid": 2, "dvc": 1}))
    log_visit(u["leader"], h1, VisitData("not_home", now - timedelta(days=5)))
    log_visit(u["member2"], h3, VisitData("helped", now - timedelta(days=1), counts={"payment": 1}))
    db.session.flush()
    update_visit(u["leader"], v, VisitData("helped", now - timedelta(days=9), counts={"vneid": 3}))
    db.session.commit()
    live = stored()
    assert live == recount()
    rebuild_counters()
    db.session.commit()
    db.session.expire_all()
    assert stored() == live
    # The recount is not trivially empty.
    assert any(k[0] == "member" for k in live[0])
    assert db.session.scalar(select(Visit.id).limit(1))
    assert db.session.scalar(select(Service.id).limit(1))


def test_soft_delete_and_undo_keep_counters_equal_to_a_recount(world):
    from fieldapp.households.operations import delete_household, restore_household
    from fieldapp.visits.operations import delete_visit, restore_visit
    u = world.users
    now = utcnow()
    for h in world.households.values():
        h.created_at = now - timedelta(days=30)
    h1, h2 = world.households["h1"], world.households["h2"]
    v1 = log_visit(u["member"], h1, VisitData("helped", now - timedelta(days=3), counts={"vneid": 2}))
    log_visit(u["member"], h1, VisitData("not_home", now - timedelta(days=5)))
    log_visit(u["leader"], h2, VisitData("helped", now - timedelta(days=2), counts={"payment": 1}))
    db.session.commit()
    with_all = stored()
    delete_visit(u["leader"], v1)
    db.session.commit()
    assert stored() == recount() != with_all
    delete_household(u["leader"], h2)
    db.session.commit()
    assert stored() == recount()
    restore_household(u["leader"], h2)
    restore_visit(u["leader"], v1)
    db.session.commit()
    db.session.expire_all()
    assert stored() == recount() == with_all
    delete_household(u["leader"], h2)
    db.session.commit()
    live = stored()
    rebuild_counters()
    db.session.commit()
    db.session.expire_all()
    assert stored() == live
