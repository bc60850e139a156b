"""The sync API through the real stack: exactly once on the client UUID, never a 500."""
import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import AuditLog, Household, Visit
from fieldapp.timeutil import to_local, utcnow

BATCH = "/api/v1/visits/batch"


def visit(household, **kw) -> dict:
    body = {"id": str(uuid.uuid4()), "household_id": household.id,
            "visited_at": (utcnow() - timedelta(minutes=5)).isoformat() + "Z",
            "outcome": "helped", "note": "Hướng dẫn cài VNeID",
            "assists": [{"service": "vneid", "count": 2}]}
    body.update(kw)
    return body


def count(model, **where) -> int:
    stmt = select(func.count()).select_from(model)
    for name, value in where.items():
        stmt = stmt.where(getattr(model, name) == value)
    return db.session.scalar(stmt)


@pytest.fixture
def member(client, world, auth):
    auth.login("0900000003")
    return world


def post(client, body):
    return client.post(BATCH, json=body)


def test_session_needs_sign_in_and_gives_token(client, world, auth):
    r = client.get("/api/v1/session")
    assert r.status_code == 401 and r.json["error"]
    auth.login("0900000003")
    r = client.get("/api/v1/session")
    assert r.status_code == 200
    assert r.json["user"]["village_id"] == world.village1.id and r.json["csrf_token"]


def test_batch_twice_creates_once(client, member):
    h1, h2 = member.households["h1"], member.households["h2"]
    body = {"visits": [visit(h1), visit(h2, outcome="not_home", assists=[], note=None)]}
    first = post(client, body)
    assert first.status_code == 200
    assert [r["status"] for r in first.json["results"]] == ["created", "created"]
    again = post(client, body)
    assert [r["status"] for r in again.json["results"]] == ["duplicate", "duplicate"]
    db.session.expire_all()
    assert count(Visit) == 2
    assert count(AuditLog, entity_type="visit") == 2
    assert db.session.get(Household, h1.id).visit_count == 1


def test_same_uuid_different_content_is_a_conflict_and_keeps_the_first(client, member):
    h1 = member.households["h1"]
    original = visit(h1)
    assert post(client, {"visits": [original]}).json["results"][0]["status"] == "created"
    changed = dict(original, assists=[{"service": "vneid", "count": 1}])
    result = post(client, {"visits": [changed]}).json["results"][0]
    assert result["status"] == "rejected"
    assert "nội dung khác" in result["error"]
    db.session.expire_all()
    kept = db.session.get(Visit, original["id"])
    assert [a.count for a in kept.assists] == [2]


def test_mixed_batch_keeps_the_good_records(client, member):
    h1, h2, h4 = (member.households[k] for k in ("h1", "h2", "h4"))
    good1, good2 = visit(h1), visit(h2, assists=[{"service": "ehealth", "count": 1}])
    body = {"visits": [
        good1,
        visit(h1, assists=[{"service": "bitcoin", "count": 1}]),            # unknown service
        visit(h2, assists=[{"service": "vneid", "count": 5}]),              # above the cap (2 aged 14+)
        visit(h4),                                                          # other commune
        visit(h1, outcome="maybe"),                                         # bad outcome
        visit(h1, visited_at="hôm qua"),                                    # bad date
        visit(h1, assists=[{"service": "vneid", "count": "2"}]),            # wrong type
        {"id": "not-a-uuid"},
        "not an object",
        good2,
    ]}
    r = post(client, body)
    assert r.status_code == 200
    statuses = [x["status"] for x in r.json["results"]]
    assert statuses == ["created"] + ["rejected"] * 8 + ["created"]
    errors = [x.get("error", "") for x in r.json["results"]]
    assert "bitcoin" in errors[1]
    assert "tối đa" in errors[2]
    assert "ngoài địa bàn" in errors[3]
    assert "ISO 8601" in errors[5]
    assert "số nguyên" in errors[6]
    assert "UUID" in errors[7]
    db.session.expire_all()
    assert {v.id for v in db.session.scalars(select(Visit))} == {good1["id"], good2["id"]}
    assert count(AuditLog, entity_type="visit") == 2


def test_out_of_scope_household_is_rejected_without_saying_it_exists(client, member):
    h3 = member.households["h3"]  # same commune, other village: visible to officers, not to this member
    r = post(client, {"visits": [visit(h3)]})
    result = r.json["results"][0]
    assert result["status"] == "rejected" and "ngoài địa bàn" in result["error"]
    missing = post(client, {"visits": [visit(h3, household_id=str(uuid.uuid4()))]}).json["results"][0]
    assert missing["error"] == result["error"]
    assert count(Visit) == 0


def test_retry_after_a_dropped_response(client, member):
    """The server committed, the answer never reached the phone: the resend is a duplicate."""
    h1 = member.households["h1"]
    body = {"visits": [visit(h1)]}
    post(client, body)  # the answer is "lost"
    # The phone adds a record while waiting and resends everything it still holds.
    body["visits"].append(visit(h1, outcome="revisit", assists=[], note="Hẹn chiều mai"))
    r = post(client, body)
    assert [x["status"] for x in r.json["results"]] == ["duplicate", "created"], r.json
    db.session.expire_all()
    assert count(Visit) == 2
    assert db.session.get(Household, h1.id).visit_count == 2


def test_offline_household_and_its_same_day_visits(client, member):
    created_at = utcnow() - timedelta(hours=3)
    hid = str(uuid.uuid4())
    home = {"id": hid, "village_id": member.village1.id, "code": "VT1-099", "residents_total": 3,
            "residents_14plus": 2, "residents_18plus": 2, "smartphones": 1,
            "created_at": created_at.replace(tzinfo=None).isoformat() + "+00:00"}
    v = {"id": str(uuid.uuid4()), "household_id": hid, "outcome": "helped",
         "visited_at": (created_at + timedelta(minutes=10)).isoformat() + "Z",
         "assists": [{"service": "vneid", "count": 2}]}
    r = post(client, {"households": [home], "visits": [v]})  # households are applied first
    assert [(x["kind"], x["status"]) for x in r.json["results"]] == [("household", "created"), ("visit", "created")]
    again = post(client, {"households": [home], "visits": [v]})
    assert [x["status"] for x in again.json["results"]] == ["duplicate", "duplicate"]
    clash = post(client, {"households": [dict(home, residents_total=9, residents_14plus=9)]}).json["results"][0]
    assert clash["status"] == "rejected"
    db.session.expire_all()
    saved = db.session.get(Household, hid)
    assert saved.created_at == created_at and saved.residents_total == 3
    assert count(Household, code="VT1-099") == 1


def test_household_rules_and_scope(client, member):
    base = {"village_id": member.village1.id, "residents_total": 2, "residents_14plus": 2, "residents_18plus": 1}
    r = post(client, {"households": [
        dict(base, id=str(uuid.uuid4()), code="VT1-001"),                               # code taken
        dict(base, id=str(uuid.uuid4()), code="X1", village_id=member.village3.id),    # out of scope
        dict(base, id=str(uuid.uuid4()), code="X2", village_id=member.village2.id),    # visible? no: member
        dict(base, id=str(uuid.uuid4()), code="X3", residents_18plus=5),              # 18+ > 14+
        dict(base, id=str(uuid.uuid4()), code="X4", created_at=(utcnow() + timedelta(days=2)).isoformat()),
        dict(base, id=str(uuid.uuid4()), code="X5", residents_total="ba"),
    ]})
    results = r.json["results"]
    assert all(x["status"] == "rejected" for x in results)
    assert "VT1-001" in results[0]["error"]
    assert "ngoài địa bàn" in results[1]["error"] and "ngoài địa bàn" in results[2]["error"]
    assert "tương lai" in results[4]["error"]
    assert count(Household) == 4


@pytest.mark.parametrize("body, status", [
    (b"{not json", 400),
    (b"[1, 2]", 400),
    (b'{"visits": {"id": 1}}', 400),
    (b'{"user_id": 99999, "visits": []}', 409),
])
def test_malformed_requests_are_4xx_with_a_message(client, member, body, status):
    r = client.post(BATCH, data=body, content_type="application/json")
    assert r.status_code == status
    assert r.json["error"]


def test_too_many_visits(client, member):
    h1 = member.households["h1"]
    r = post(client, {"visits": [visit(h1, outcome="not_home", assists=[]) for _ in range(201)]})
    assert r.status_code == 413 and count(Visit) == 0


def test_another_members_records_are_refused(client, member, world, auth):
    """Records tagged with the first member's id are never taken under a second member's session."""
    auth.logout()
    auth.login("0900000002")  # the leader of the same team
    r = post(client, {"user_id": world.users["member"].id, "visits": [visit(world.households["h1"])]})
    assert r.status_code == 409 and count(Visit) == 0


def test_households_endpoint_scope_and_since(client, member):
    v1 = member.village1.id
    r = client.get(f"/api/v1/households?village={v1}")
    assert sorted(h["code"] for h in r.json["households"]) == ["VT1-001", "VT1-002"]
    assert "head_phone" not in r.json["households"][0]
    assert client.get(f"/api/v1/households?village={member.village2.id}").status_code == 404
    assert client.get(f"/api/v1/households?village={member.village3.id}").status_code == 404
    assert client.get("/api/v1/households").status_code == 400
    assert client.get(f"/api/v1/households?village={v1}&since=yesterday").status_code == 400
    since = r.json["server_time"]
    assert client.get(f"/api/v1/households?village={v1}&since={since}").json["households"] == []
    post(client, {"visits": [visit(member.households["h1"])]})
    changed = client.get(f"/api/v1/households?village={v1}&since={since}").json["households"]
    assert [h["code"] for h in changed] == ["VT1-001"]
    assert changed[0]["achieved"] == {"vneid": 2} and changed[0]["visit_count"] == 1


def test_naive_times_are_vietnam_time(client, member):
    utc = (utcnow() - timedelta(hours=1)).replace(microsecond=0)
    body = visit(member.households["h1"], visited_at=to_local(utc).isoformat())  # no offset
    assert post(client, {"visits": [body]}).json["results"][0]["status"] == "created"
    db.session.expire_all()
    assert db.session.get(Visit, body["id"]).visited_at == utc


def test_csrf_is_required_for_the_batch(make_app):
    from tests.factories import build_world
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        world = build_world()
        client = app.test_client()
        page = client.get("/login")
        from tests.conftest import csrf_from
        client.post("/login", data={"phone": "0900000003", "password": "secret-pass-1",
                                    "csrf_token": csrf_from(page.text)})
        body = {"visits": [visit(world.households["h1"])]}
        refused = client.post(BATCH, json=body)
        assert refused.status_code == 400 and refused.json["error"]
        token = client.get("/api/v1/session").json["csrf_token"]
        ok = client.post(BATCH, json=body, headers={"X-CSRFToken": token})
        assert ok.status_code == 200 and ok.json["results"][0]["status"] == "created"


def test_openapi_describes_every_api_route(app, client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule[len("/api/v1"):])  # <int:id> -> {id}
        assert path in spec["paths"], path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in spec["paths"][path], (path, method)
