"""Soft delete with undo for households and visits: rights, lists, the eligibility cap, audit."""
from datetime import timedelta

from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import AuditLog, Household, Visit
from fieldapp.timeutil import utcnow
from fieldapp.visits.operations import VisitData, log_visit


def visit(actor, household, outcome="helped", **counts):
    v = log_visit(actor, household, VisitData(outcome=outcome, visited_at=utcnow() - timedelta(minutes=5),
                                              note="ghi chú", counts=counts))
    db.session.commit()
    return v


def test_member_deletes_and_restores_own_visit_and_the_cap_follows(client, world, auth):
    member, h1 = world.users["member"], world.households["h1"]  # 3 residents aged 14+
    v = visit(member, h1, vneid=3)
    auth.login("0900000003")
    r = client.post(f"/visits/{v.id}/delete")
    assert r.status_code == 302 and f"/villages/{h1.village_id}/deleted" in r.headers["Location"]
    page = client.get(r.headers["Location"]).text
    assert "Đã xóa lượt thăm hộ VT1-001" in page and "Hoàn tác" in page
    db.session.refresh(h1)
    assert h1.visit_count == 0 and h1.last_visited_at is None
    assert "VNeID mức 2: 3" not in client.get(f"/households/{h1.id}").text
    assert client.get(f"/visits/{v.id}/edit").status_code == 404
    assert v.id not in client.get("/visits/mine").text
    # The 3 VNeID activations no longer count: a new visit may count them.
    visit(member, h1, vneid=2)
    # Undo would now exceed the cap (2 + 3 > 3): refused with the reason, nothing changed.
    r = client.post(f"/visits/{v.id}/restore")
    assert r.status_code == 422 and "Không thể khôi phục lượt thăm" in r.text and "tối đa 1" in r.text
    assert db.session.get(Visit, v.id).deleted_at is not None
    latest = db.session.scalar(select(Visit).where(Visit.deleted_at.is_(None)))
    client.post(f"/visits/{latest.id}/delete")
    r = client.post(f"/visits/{v.id}/restore")
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Visit, v.id).deleted_at is None
    assert db.session.get(Household, h1.id).visit_count == 1
    assert "VNeID mức 2: 3" in client.get(f"/households/{h1.id}").text
    actions = db.session.scalars(select(AuditLog.action).where(AuditLog.entity_id == v.id)
                                 .order_by(AuditLog.id)).all()
    assert actions == ["create", "delete", "restore"]
    deleted = db.session.scalars(select(AuditLog).where(AuditLog.action == "delete",
                                                        AuditLog.entity_id == v.id)).one()
    assert deleted.before["assists"] == {"vneid": 3} and deleted.actor_id == member.id


def test_who_may_delete_a_visit(client, world, auth):
    v = visit(world.users["member"], world.households["h1"], vneid=1)
    for phone, status in (("0900000004", 404),   # member of another village
                          ("0900000001", 403),   # commune officer: sees, may not delete
                          ("0900000012", 403),   # province viewer
                          ("0900000000", 403)):  # admin
        auth.login(phone)
        assert client.post(f"/visits/{v.id}/delete").status_code == status, phone
        auth.logout()
    # A member's own window is 24 hours; the leader may delete the team's visits any time.
    v.received_at = utcnow() - timedelta(hours=25)
    db.session.commit()
    auth.login("0900000003")
    assert client.post(f"/visits/{v.id}/delete").status_code == 403
    auth.logout()
    auth.login("0900000002")
    assert client.post(f"/visits/{v.id}/delete").status_code == 302
    assert client.post(f"/visits/{v.id}/delete").status_code == 404  # already deleted
    assert client.post(f"/visits/{v.id}/restore").status_code == 302
    assert client.post(f"/visits/{v.id}/restore").status_code == 404  # not deleted any more


def test_delete_and_restore_a_household(client, world, auth):
    h1, h2 = world.households["h1"], world.households["h2"]
    visit(world.users["member"], h1, vneid=1)
    auth.login("0900000003")
    village = f"/villages/{h1.village_id}"
    assert "VT1-001" in client.get(village).text
    r = client.post(f"/households/{h1.id}/delete")
    assert r.status_code == 302
    assert "Đã xóa hộ VT1-001" in client.get(r.headers["Location"]).text
    listing = client.get(village).text
    assert "VT1-001" not in listing and "VT1-002" in listing and "1 hộ" in listing
    assert client.get(f"/households/{h1.id}").status_code == 404
    assert client.get(f"/households/{h1.id}/visits/new").status_code == 404
    assert client.get(f"/households/{h1.id}/edit").status_code == 404
    auth.logout()
    auth.login("0900000001")  # the commune page counts only the remaining household
    assert client.get(f"/areas/{world.commune.id}").status_code == 200
    from fieldapp.areas.queries import child_counts
    assert {r["area"].id: r["households"] for r in child_counts(world.commune)}[h1.village_id] == 1
    assert client.post(f"/households/{h1.id}/restore").status_code == 403  # officers do not undo members' work
    auth.logout()
    auth.login("0900000004")  # another village: does not exist for them
    assert client.post(f"/households/{h2.id}/delete").status_code == 404
    assert client.post(f"/households/{h1.id}/restore").status_code == 404
    assert client.get(f"/villages/{h1.village_id}/deleted").status_code == 404
    auth.logout()
    auth.login("0900000002")  # the leader restores it
    assert "VT1-001" in client.get(f"/villages/{h1.village_id}/deleted").text
    assert client.post(f"/households/{h1.id}/restore").status_code == 302
    assert "VT1-001" in client.get(village).text
    assert client.get(f"/households/{h1.id}").status_code == 200
    entries = db.session.scalars(select(AuditLog).where(AuditLog.entity_id == h1.id).order_by(AuditLog.id)).all()
    assert [e.action for e in entries] == ["create", "delete", "restore"]
    assert entries[1].before["code"] == "VT1-001"


def test_deleted_page_is_for_the_village_team(client, world, auth):
    auth.login("0900000001")
    assert client.get(f"/villages/{world.village1.id}/deleted").status_code == 403
