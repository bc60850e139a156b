"""The sync batch's bulk path gives what the per-record path gives: same answers, same rows, same
audit entries, counters equal to a recount; and it falls back to the per-record path on a conflict."""
import copy
import json
import uuid
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import func, select

from fieldapp.api import operations
from fieldapp.extensions import db
from fieldapp.households.operations import HouseholdData, create_household
from fieldapp.models import Assistance, AuditLog, Household, HouseholdReach, Visit
from fieldapp.timeutil import utcnow
from fieldapp.visits.operations import VisitData, log_visit, services_by_code
from tests.tally_helpers import recount, stored

BATCH = "/api/v1/visits/batch"


def visit(household, **kw) -> dict:
    body = {"id": str(uuid.uuid4()), "household_id": household if isinstance(household, str) else household.id,
            "visited_at": (utcnow() - timedelta(minutes=5)).isoformat() + "Z",
            "outcome": "not_home", "note": None, "assists": []}
    body.update(kw)
    return body


def helped(household, n=1, **kw) -> dict:
    return visit(household, outcome="helped", assists=[{"service": "vneid", "count": n}], **kw)


def state() -> dict:
    """Everything a visit write touches, except received_at / audit time (the clock differs)."""
    db.session.expire_all()
    visits = sorted((v.id, v.household_id, v.member_id, v.team_id, v.outcome, v.note, v.visited_at,
                     tuple(sorted(v.counts().items()))) for v in db.session.scalars(select(Visit)))
    audit = sorted((a.entity_id, a.action, a.actor_id, a.area_path, json.dumps(a.before), json.dumps(a.after, sort_keys=True))
                   for a in db.session.scalars(select(AuditLog).where(AuditLog.entity_type == "visit")))
    households = sorted((h.id, h.last_visited_at, h.last_outcome, h.visit_count)
                        for h in db.session.scalars(select(Household)))
    reach = sorted((r.household_id, r.first_day, r.team_id, r.member_id, r.first_at)
                   for r in db.session.scalars(select(HouseholdReach)))
    day, total, _stats, _reach = stored()
    return {"visits": visits, "audit": audit, "households": households, "reach": reach, "day": day, "total": total}


def mixed_batch(world, resent: dict, clashing: dict) -> list:
    h1, h2, h3, h4 = (world.households[k] for k in ("h1", "h2", "h3", "h4"))
    again = visit(h1, note="Hẹn lại")
    capped = helped(h2, 2)
    return [
        helped(h2, 1),                                       # created
        resent,                                              # stored already, same content: duplicate
        dict(clashing, outcome="declined"),                  # stored already, other content: rejected
        again,                                               # created
        copy.deepcopy(again),                                # the same id twice in the batch: duplicate
        dict(again, note="Khác"),                            # the same id, other content: rejected
        helped(h2, 1),                                       # created: the cap (2 aged 14+) is now full
        capped,                                              # above the cap with the two before: rejected
        dict(capped, outcome="revisit", assists=[]),         # the refused id again, now valid: created
        helped(h3),                                          # other village (same commune): rejected
        helped(h4),                                          # other commune: rejected
        visit(str(uuid.uuid4())),                            # no such household: rejected
        visit(h1, outcome="helped", assists=[]),             # helped without any count: rejected
        visit(h1, visited_at=(utcnow() + timedelta(days=1)).isoformat() + "Z"),  # future: rejected
        visit(h1, assists=[{"service": "bitcoin", "count": 1}]),                 # unknown service
        {"id": "not-a-uuid"},
        "not an object",
        visit(h1, visited_at=(utcnow() - timedelta(days=1)).isoformat() + "Z", note="  hôm qua  "),  # created
    ]


@pytest.fixture
def member(client, world, auth):
    auth.login("0900000003")
    return world


def test_bulk_path_answers_and_writes_like_the_per_record_path(app, client, member, monkeypatch):
    h1 = member.households["h1"]
    h1.created_at = utcnow() - timedelta(days=3)  # so that a visit of yesterday is accepted
    db.session.commit()
    resent, clashing = visit(h1, outcome="revisit"), visit(member.households["h2"])
    assert [r["status"] for r in client.post(BATCH, json={"visits": [resent, clashing]}).json["results"]] \
        == ["created", "created"]
    records = mixed_batch(member, resent, clashing)
    actor = member.users["member"]

    def run(path):
        with app.test_request_context():
            operations._begin_write()
            results = [r.as_json() for r in path(actor, copy.deepcopy(records), services_by_code())]
            db.session.flush()
            snap = state()
            db.session.rollback()
        return results, snap

    def no_fallback(*args):
        raise AssertionError("the bulk path fell back without a conflict")

    per_record = run(operations.apply_one_by_one)
    monkeypatch.setattr(operations, "apply_one_by_one", no_fallback)
    bulk = run(operations._apply_visits)
    assert bulk[0] == per_record[0]
    assert bulk[1] == per_record[1]
    assert [r["status"] for r in bulk[0]] == (
        ["created", "duplicate", "rejected", "created", "duplicate", "rejected", "created", "rejected", "created"]
        + ["rejected"] * 8 + ["created"])

    # Through the real route (bulk, no fallback): the same answers, committed.
    r = client.post(BATCH, json={"visits": records})
    assert r.status_code == 200 and r.json["results"] == bulk[0]
    after = state()
    assert after == bulk[1]
    assert len(after["visits"]) == 2 + 5
    assert len(after["audit"]) == 2 + 5  # one "create" entry per stored visit
    assert db.session.get(Visit, records[-1]["id"]).note == "hôm qua"
    assert db.session.get(Household, h1.id).visit_count == 3
    assert db.session.get(Household, member.households["h2"].id).visit_count == 4
    assert stored() == recount()


def _fresh_households(world, n: int, days_back: int = 40) -> list[Household]:
    now = utcnow()
    out = []
    for i in range(n):
        h = create_household(world.users["member"], world.village1, HouseholdData(
            code=f"B-{uuid.uuid4().hex[:8]}", residents_total=4, residents_14plus=3, residents_18plus=2))
        h.created_at = now - timedelta(days=days_back)
        out.append(h)
    db.session.commit()
    return out


record_st = st.fixed_dictionaries({
    "household": st.integers(0, 3), "days_ago": st.integers(0, 10), "minutes": st.integers(0, 300),
    "outcome": st.sampled_from(["helped", "not_home", "declined", "revisit"]),
    "count": st.integers(1, 3), "repeat": st.booleans()})
step_st = st.one_of(st.tuples(st.just("batch"), st.lists(record_st, min_size=1, max_size=12)),
                    st.tuples(st.just("form"), record_st))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step_st, min_size=1, max_size=5))
def test_counters_equal_a_recount_after_bulk_batches(app, world, steps):
    """Batches (with repeated ids, caps reached, earlier days that move "reached") mixed with
    single visits: the counters stay equal to a brute-force recount."""
    actor = world.users["member"]
    households = _fresh_households(world, 4)
    now = utcnow()
    with app.test_request_context():
        for kind, spec in steps:
            if kind == "form":
                data = VisitData(outcome=spec["outcome"], counts={"vneid": spec["count"]} if spec["outcome"] == "helped" else {},
                                 visited_at=now - timedelta(days=spec["days_ago"], minutes=spec["minutes"]))
                try:
                    log_visit(actor, households[spec["household"]], data)
                except Exception:  # noqa: BLE001 - a cap refusal; nothing written
                    db.session.rollback()
                    continue
                db.session.commit()
                continue
            records = []
            for rec in spec:
                body = visit(households[rec["household"]], outcome=rec["outcome"],
                             visited_at=(now - timedelta(days=rec["days_ago"], minutes=rec["minutes"])).isoformat() + "Z",
                             assists=[{"service": "vneid", "count": rec["count"]}] if rec["outcome"] == "helped" else [])
                records.append(body)
                if rec["repeat"]:
                    records.append(copy.deepcopy(body))
            operations.apply_batch(actor, {"visits": records})
            db.session.commit()
    db.session.expire_all()
    assert stored() == recount()
    for h in households:
        db.session.refresh(h)
        live = db.session.scalars(select(Visit).where(Visit.household_id == h.id)).all()
        assert h.visit_count == len(live)
        achieved = db.session.scalar(select(func.coalesce(func.sum(Assistance.count), 0))
                                     .join(Visit, Visit.id == Assistance.visit_id).where(Visit.household_id == h.id))
        assert achieved <= h.residents_14plus  # the vneid cap held across the batch
        if live:
            latest = max(live, key=lambda v: v.visited_at)
            assert h.last_visited_at == latest.visited_at


def test_the_first_visit_is_found_at_equal_times_and_on_rows_without_first_at(app, world):
    """household_reach.first_at spares reading the visits; a tie in time (within a batch, or with the
    stored first visit) and a row from before first_at existed (NULL) read them, and come out right."""
    member, member2 = world.users["member"], world.users["leader"]
    h1, h2, h3 = _fresh_households(world, 3)
    at = utcnow().replace(microsecond=0) - timedelta(days=2)
    stamp = at.isoformat() + "Z"
    with app.test_request_context():
        # Two new visits at the same time to a household never visited: the batch cannot tell which
        # is first from the times; the earlier-received (then smaller id) one is.
        operations.apply_batch(member, {"visits": [visit(h1, visited_at=stamp), visit(h1, visited_at=stamp, outcome="declined")]})
        db.session.commit()
        assert stored() == recount()
        log_visit(member2, h2, VisitData("not_home", at))
        db.session.commit()
        log_visit(member, h2, VisitData("declined", at))  # the same time as the stored first: a tie
        db.session.commit()
        assert stored() == recount()
        assert stored()[3][h2.id][1:] == (member2.team_id, member2.id, at)  # the first one stays first
        log_visit(member, h3, VisitData("not_home", at))
        db.session.commit()
        db.session.execute(HouseholdReach.__table__.update().values(first_at=None))  # as before migration 0013
        db.session.commit()
        operations.apply_batch(member, {"visits": [visit(h3, visited_at=(at - timedelta(days=1)).isoformat() + "Z"),
                                                   visit(h2, visited_at=(at + timedelta(hours=1)).isoformat() + "Z")]})
        db.session.commit()
        log_visit(member, h1, VisitData("not_home", at + timedelta(days=1)))
        db.session.commit()
    db.session.expire_all()
    assert stored() == recount()
    reach = stored()[3]
    assert reach[h3.id][2:] == (member.id, at - timedelta(days=1))
    assert all(r[3] is not None for r in reach.values())  # the NULL rows were filled as they were read


@pytest.mark.parametrize("same", [True, False], ids=["resend", "clash"])
def test_a_conflict_on_the_bulk_insert_falls_back_to_one_record_at_a_time(client, member, monkeypatch, same):
    """Another request stored one of the ids after this batch looked (simulated: the lookup misses
    it): the bulk insert hits the key, nothing of it stays, and the per-record path answers."""
    h1, h2 = member.households["h1"], member.households["h2"]
    raced = visit(h1, outcome="revisit")
    assert client.post(BATCH, json={"visits": [raced]}).json["results"][0]["status"] == "created"
    for obj in [o for o in db.session if isinstance(o, (Visit, Assistance))]:
        db.session.expunge(obj)
    real_lookup, fallbacks = operations.stored_visits, []
    monkeypatch.setattr(operations, "stored_visits",
                        lambda ids: {k: v for k, v in real_lookup(ids).items() if k != raced["id"]})
    real_fallback = operations.apply_one_by_one

    def spy(*args):
        fallbacks.append(args)
        return real_fallback(*args)

    monkeypatch.setattr(operations, "apply_one_by_one", spy)
    first, last = helped(h2, 1), visit(h1, outcome="declined")
    sent = raced if same else dict(raced, outcome="declined")
    r = client.post(BATCH, json={"visits": [first, sent, last]})
    assert len(fallbacks) == 1
    assert [x["status"] for x in r.json["results"]] == ["created", "duplicate" if same else "rejected", "created"]
    after = state()
    assert len(after["visits"]) == 3 and len(after["audit"]) == 3
    assert db.session.get(Visit, raced["id"]).outcome == "revisit"  # the first copy is kept
    assert db.session.get(Household, h1.id).visit_count == 2
    assert db.session.get(Household, h2.id).visit_count == 1
    assert stored() == recount()
