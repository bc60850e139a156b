"""One writer for visits: the form (a batch of one) and the sync batch write the same database, table
by table, every table; a batch's answers; counters equal to a recount; a conflict on the insert is
decided again."""
import copy
import json
import uuid
from datetime import timedelta

import pytest
from flask_migrate import upgrade
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import DateTime, Integer, func, select, text

from fieldapp import create_app
from fieldapp.api import operations
from fieldapp.extensions import db
from fieldapp.households.operations import HouseholdData, create_household
from fieldapp.models import Assistance, AuditLog, Household, HouseholdReach, Visit
from fieldapp.timeutil import to_local, utcnow
from fieldapp.visits import operations as writer
from fieldapp.visits.operations import VisitData, log_visit
from tests.conftest import _config
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
    """What a visit write touches, for the answers test (the parity test below compares every table)."""
    db.session.expire_all()
    visits = sorted((v.id, v.household_id, v.member_id, v.team_id, v.outcome, v.note, v.visited_at,
                     tuple(sorted(v.counts().items()))) for v in db.session.scalars(select(Visit)))
    audit = sorted((a.entity_id, a.action) for a in db.session.scalars(select(AuditLog).where(AuditLog.entity_type == "visit")))
    return {"visits": visits, "audit": audit}


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


def test_a_batch_answers_every_record(app, client, member):
    h1 = member.households["h1"]
    h1.created_at = utcnow() - timedelta(days=3)  # so that a visit of yesterday is accepted
    db.session.commit()
    resent, clashing = visit(h1, outcome="revisit"), visit(member.households["h2"])
    assert [r["status"] for r in client.post(BATCH, json={"visits": [resent, clashing]}).json["results"]] \
        == ["created", "created"]
    records = mixed_batch(member, resent, clashing)
    r = client.post(BATCH, json={"visits": records})
    assert r.status_code == 200
    assert [x["status"] for x in r.json["results"]] == (
        ["created", "duplicate", "rejected", "created", "duplicate", "rejected", "created", "rejected", "created"]
        + ["rejected"] * 8 + ["created"])
    after = state()
    assert len(after["visits"]) == 2 + 5
    assert len(after["audit"]) == 2 + 5  # one "create" entry per stored visit
    assert db.session.get(Visit, records[-1]["id"]).note == "hôm qua"
    assert db.session.get(Household, h1.id).visit_count == 3
    assert db.session.get(Household, member.households["h2"].id).visit_count == 4
    assert stored() == recount()


# --- The form and the batch write the same rows: every table, compared whole -----------------------

def _written_by_the_clock(column) -> bool:
    """A column the database fills from the wall clock at write time (received_at, audit time,
    updated_at...): it differs between two runs, not between two writers."""
    clock = [c for c in (column.default, column.onupdate) if c is not None and getattr(c, "is_callable", False)]
    return isinstance(column.type, DateTime) and (bool(clock) or column.info.get("clock", False))


def _surrogate(column) -> bool:
    """An id the database numbers and no other row points at (assistance lines, audit entries): rows
    are compared without it."""
    referenced = {fk.column for table in db.metadata.tables.values() for fk in table.foreign_keys}
    return (column.primary_key and len(column.table.primary_key.columns) == 1 and isinstance(column.type, Integer)
            and column not in referenced)


def whole_database(engine) -> dict[str, list]:
    """Every table of the schema (db.metadata: no list by hand), every row, as sorted tuples."""
    out = {}
    with engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if not _written_by_the_clock(c) and not _surrogate(c)]
            rows = conn.execute(select(*columns)).all()
            out[table.name] = sorted((tuple(repr(v) for v in row) for row in rows))
    return out


def _copy(src, dst) -> None:
    """Every row of every table from one database into another one at the same migration."""
    with src.connect() as a, dst.begin() as b:
        for table in reversed(db.metadata.sorted_tables):
            b.execute(table.delete())
        for table in db.metadata.sorted_tables:
            rows = [dict(r._mapping) for r in a.execute(select(table))]
            if rows:
                b.execute(table.insert(), rows)
        if dst.dialect.name == "postgresql":
            for table in db.metadata.sorted_tables:
                pk = list(table.primary_key.columns)
                if len(pk) == 1 and isinstance(pk[0].type, Integer) and pk[0].autoincrement in (True, "auto"):
                    b.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', '{pk[0].name}'), "
                                   f"coalesce((SELECT max({pk[0].name}) FROM {table.name}), 0) + 1, false)"))


def test_the_form_and_the_batch_write_the_same_database(app, client, world, auth, spare_url, monkeypatch):
    """The same visits, sent once through the visit form (one request each) into this database and
    once as one sync batch into a copy of it: afterwards the two databases hold the same rows in
    every table, but for the write-time clock and the ids the database numbers."""
    for h in world.households.values():
        h.created_at = utcnow() - timedelta(days=10)
    db.session.commit()
    here = db.engine
    other = create_app(_config(spare_url))
    with other.app_context():
        upgrade()
        _copy(here, db.engine)
    writes = []
    real_write = writer._write
    monkeypatch.setattr(writer, "_write", lambda *a: (writes.append(a[1]), real_write(*a))[1])
    h1, h2 = world.households["h1"], world.households["h2"]
    base = (utcnow() - timedelta(days=2)).replace(second=0, microsecond=0)
    sent = [(h1, "helped", {"vneid": 2, "safety": 1}, ""), (h2, "not_home", {}, "Vắng nhà"),
            (h1, "helped", {"vneid": 2}, ""),                # over the cap (3 aged 14+): refused by both
            (h2, "helped", {"payment": 2}, "  cả hai  "), (h1, "revisit", {}, "")]
    ids = [str(uuid.uuid4()) for _ in sent]
    auth.login("0900000003")
    for n, (vid, (h, outcome, counts, note)) in enumerate(zip(ids, sent)):
        at = to_local(base + timedelta(minutes=n)).strftime("%Y-%m-%dT%H:%M")
        r = client.post(f"/households/{h.id}/visits/new", data={
            "client_id": vid, "outcome": outcome, "visited_at": at, "note": note,
            **{f"svc_{code}": str(k) for code, k in counts.items()}})
        assert r.status_code == (422 if n == 2 else 302)
    body = {"visits": [{"id": vid, "household_id": h.id, "outcome": outcome, "note": note or None,
                        "visited_at": (base + timedelta(minutes=n)).isoformat() + "Z",
                        "assists": [{"service": code, "count": k} for code, k in counts.items()]}
                       for n, (vid, (h, outcome, counts, note)) in enumerate(zip(ids, sent))]}
    with other.app_context():
        phone = other.test_client()
        phone.post("/login", data={"phone": "0900000003", "password": "secret-pass-1"})
        answers = [x["status"] for x in phone.post(BATCH, json=body).json["results"]]
        assert answers == ["created", "created", "rejected", "created", "created"]
        batch_side = whole_database(db.engine)
        db.session.remove()
        db.engine.dispose()
    form_side = whole_database(db.engine)
    assert form_side == batch_side
    assert len(form_side["visits"]) == 4 and len(form_side["tally_day"]) > 0
    assert [len(w) for w in writes] == [1, 1, 1, 1, 4]  # one writer: four forms, then one batch


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


def test_a_resend_among_new_visits_nothing_refused(client, member):
    """Nothing refused, one record stored before: on PostgreSQL the batch is first decided without reading the
    stored ids, the insert finds that one, nothing of the attempt stays, and the batch is decided again (on
    SQLite the lookup finds it first). The same answers, rows and counters either way."""
    h1, h2 = member.households["h1"], member.households["h2"]
    old = visit(h1, outcome="revisit")
    assert client.post(BATCH, json={"visits": [old]}).json["results"][0]["status"] == "created"
    first, last = helped(h2, 1), visit(h1, outcome="declined")
    r = client.post(BATCH, json={"visits": [first, old, last]})
    assert [x["status"] for x in r.json["results"]] == ["created", "duplicate", "created"]
    after = state()
    assert len(after["visits"]) == 3 and len(after["audit"]) == 3
    assert db.session.get(Household, h1.id).visit_count == 2
    assert db.session.get(Household, h2.id).visit_count == 1
    assert stored() == recount()
    again = client.post(BATCH, json={"visits": [first, old, last]})  # all stored: all duplicates, nothing moves
    assert [x["status"] for x in again.json["results"]] == ["duplicate"] * 3
    assert state() == after and stored() == recount()


@pytest.mark.parametrize("same", [True, False], ids=["resend", "clash"])
def test_a_conflict_on_the_insert_is_decided_again(client, member, monkeypatch, same):
    """Another request stored one of the ids after this batch looked (simulated: the first lookup
    misses it): the insert hits the key, nothing of it stays, and every record is decided again."""
    h1, h2 = member.households["h1"], member.households["h2"]
    raced = visit(h1, outcome="revisit")
    assert client.post(BATCH, json={"visits": [raced]}).json["results"][0]["status"] == "created"
    for obj in [o for o in db.session if isinstance(o, (Visit, Assistance))]:
        db.session.expunge(obj)
    real_lookup, looked = writer.stored_visits, []

    def first_misses(ids):
        looked.append(ids)
        found = real_lookup(ids)
        return {k: v for k, v in found.items() if k != raced["id"]} if len(looked) == 1 else found

    monkeypatch.setattr(writer, "stored_visits", first_misses)
    first, last = helped(h2, 1), visit(h1, outcome="declined")
    sent = raced if same else dict(raced, outcome="declined")
    r = client.post(BATCH, json={"visits": [first, sent, last]})
    assert len(looked) == 2
    assert [x["status"] for x in r.json["results"]] == ["created", "duplicate" if same else "rejected", "created"]
    after = state()
    assert len(after["visits"]) == 3 and len(after["audit"]) == 3
    assert db.session.get(Visit, raced["id"]).outcome == "revisit"  # the first copy is kept
    assert db.session.get(Household, h1.id).visit_count == 2
    assert db.session.get(Household, h2.id).visit_count == 1
    assert stored() == recount()


@pytest.mark.parametrize("early", [False, True], ids=["lock", "lock sent early"])
def test_the_lock_reads_the_first_visit_the_writer_it_waited_for_stored(app, world, early):
    """The writer reads each household's first visit (household_reach) with its lock. On PostgreSQL a statement
    that waited for a row lock reads the other tables of a join as they were when it began: the first visit
    stored by the writer it waited for must be seen all the same (else it counts the household reached twice,
    or its insert of the same first visit fails). SQLite: the write lock is taken before any read.

    early: the batch sends its households' lock before reading its records (locks.lock_early, PostgreSQL; it
    does nothing on SQLite), and the writer's lock takes that answer: it waits and reads the same."""
    import threading

    from fieldapp import locks
    h = world.households["h2"]
    db.session.execute(HouseholdReach.__table__.delete().where(HouseholdReach.household_id == h.id))
    db.session.commit()
    other = db.engine.connect()
    first = {"household_id": h.id, "first_day": to_local(utcnow()).date(), "team_id": world.users["member"].team_id,
             "member_id": world.users["member"].id, "first_at": utcnow().replace(microsecond=0)}
    if db.engine.dialect.name == "postgresql":
        other.execute(select(Household.id).where(Household.id == h.id).with_for_update())  # the other writer's lock
    else:
        other.exec_driver_sql("BEGIN IMMEDIATE")
    seen, sent_early = {}, []

    def writer_waiting():
        with app.app_context():
            if early:
                locks.lock_early([h.id, world.households["h1"].id])
                sent_early.append(locks._EARLY in db.session.connection().info)  # sent, not waited for
            seen.update(locks.lock_households([h.id], reach=True))
            locks.end_early()
            db.session.rollback()

    waiting = threading.Thread(target=writer_waiting)
    waiting.start()
    waiting.join(0.5)
    assert waiting.is_alive()  # waits for the other writer's lock
    other.execute(HouseholdReach.__table__.insert().values(**first))
    other.commit()
    waiting.join(10)
    other.close()
    assert sent_early == ([db.engine.dialect.name == "postgresql"] if early else [])
    assert list(seen) == [h.id]  # only the households asked for, though two were sent early
    assert seen[h.id].reach == (first["first_day"], first["team_id"], first["member_id"], first["first_at"])


def test_records_read_while_the_lock_is_sent_and_a_batch_refused_before_it(client, member, monkeypatch):
    """The batch's records are read after its lock was sent (PostgreSQL). A batch whose every record is refused
    when read (so no writer takes the lock's answer) leaves the connection out of pipeline mode: the next batch
    on it is written."""
    from fieldapp import bulk, locks
    h1, h2 = member.households["h1"], member.households["h2"]
    read_with_lock_sent = []
    real = operations._visit_record

    def reading(rec, services):
        read_with_lock_sent.append(locks._EARLY in db.session.connection().info)
        return real(rec, services)

    monkeypatch.setattr(operations, "_visit_record", reading)
    refused = client.post(BATCH, json={"visits": [visit(h1, outcome="gone fishing"), visit(h2, visited_at="soon")]})
    assert [x["status"] for x in refused.json["results"]] == ["rejected", "rejected"]
    assert bulk._running == 0
    assert read_with_lock_sent == [db.engine.dialect.name == "postgresql"] * 2
    written = client.post(BATCH, json={"visits": [visit(h1), helped(h2, 1), visit(h1, outcome="no such outcome")]})
    assert [x["status"] for x in written.json["results"]] == ["created", "created", "rejected"]
    assert bulk._running == 0
    assert len(state()["visits"]) == 2 and stored() == recount()
