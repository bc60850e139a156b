"""Issue 16, what to build: return visits with a date, who goes where, the paper path (walk sheet and
paper entry), a member's own results and the leader's week; the week boards' "Đạt chỉ tiêu" (the
period's share of the target). Through the real app, forms and API."""
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from fieldapp.counting import GOAL_YEAR_DAYS, area_stats, eligible, period_start, today
from fieldapp.extensions import db
from fieldapp.models import AuditLog, Household, Service, SyncReport, TallyKind, TallyTotal, Visit
from fieldapp.models.tallies import VISIT_ROW
from fieldapp.timeutil import from_local, to_local, utcnow
from fieldapp.visits.forms import quick_return_days
from fieldapp.visits.operations import VisitData, VisitRecord, delete_visit, log_visit, save_visits
from fieldapp.walks.operations import assign_households
from tests.conftest import csrf_from
from tests.factories import household


def local(dt):
    return to_local(dt).strftime("%Y-%m-%dT%H:%M")


def now_field():
    return {"visited_at": local(utcnow())}


def days_ago(n, hour=9):
    """hour o'clock (Vietnam) n days ago; today, never later than now (before 9:00 in Vietnam, 9:00 today
    would be refused as a visit in the future)."""
    from datetime import datetime, time
    return min(from_local(datetime.combine(today() - timedelta(days=n), time(hour))), utcnow())


def fresh(h):
    db.session.expire_all()
    return db.session.get(Household, h.id)


# --- 1. Return visits with a date -------------------------------------------------------------------

def test_the_quick_picks_are_tonight_tomorrow_and_the_weekend():
    monday = date(2026, 11, 30)
    assert [d for _k, d in quick_return_days(monday)] == [monday, date(2026, 12, 1), date(2026, 12, 5)]
    saturday, sunday = date(2026, 12, 5), date(2026, 12, 6)
    assert quick_return_days(saturday)[2][1] == sunday          # on a Saturday: tomorrow, Sunday
    assert quick_return_days(sunday)[2][1] == date(2026, 12, 12)  # on a Sunday: the next Saturday


def test_not_home_asks_when_and_the_household_keeps_the_promise(client, world, auth):
    auth.login("0900000003")
    h1 = world.households["h1"]
    form = client.get(f"/households/{h1.id}/visits/new").text
    tomorrow = today() + timedelta(days=1)
    for label in ("Tối nay", "Mai", "Cuối tuần", "Chọn ngày", "Khi nào quay lại?"):
        assert label in form
    assert f'value="{tomorrow.isoformat()}"' in form
    r = client.post(f"/households/{h1.id}/visits/new",
                    data={"outcome": "not_home", "return_on": tomorrow.isoformat(), **now_field()})
    assert r.status_code == 302
    visit = db.session.scalar(select(Visit))
    assert visit.return_on == tomorrow and fresh(h1).return_on == tomorrow
    # "Chọn ngày" with a day of one's own; without one the form says so and nothing is written.
    chosen = today() + timedelta(days=9)
    r = client.post(f"/households/{h1.id}/visits/new", data={"outcome": "revisit", "return_on": "pick", **now_field()})
    assert r.status_code == 422 and "Hãy chọn ngày quay lại." in r.text
    r = client.post(f"/households/{h1.id}/visits/new",
                    data={"outcome": "revisit", "return_on": "pick", "return_day": chosen.isoformat(), **now_field()})
    assert r.status_code == 302 and fresh(h1).return_on == chosen
    # A later visit that helped: nobody has to come back, the promise is gone (a pick left over is ignored).
    r = client.post(f"/households/{h1.id}/visits/new",
                    data={"outcome": "helped", "svc_safety": "1", "return_on": tomorrow.isoformat(), **now_field()})
    assert r.status_code == 302
    assert fresh(h1).return_on is None
    assert db.session.scalar(select(func.count()).select_from(Visit).where(Visit.return_on.is_not(None))) == 2


@pytest.mark.parametrize("body, message", [
    ({"outcome": "helped", "assists": [{"service": "safety", "count": 1}], "return_on": "TOMORROW"},
     "phải là một ngày dạng năm-tháng-ngày"),
    ({"outcome": "helped", "assists": [{"service": "safety", "count": 1}], "return_on": "+1"},
     "phải là một ngày dạng năm-tháng-ngày"),
    ({"outcome": "declined", "return_on": "tomorrow"}, "Chỉ hẹn ngày quay lại khi"),
    ({"outcome": "not_home", "return_on": "yesterday"}, "không thể trước ngày thăm"),
    ({"outcome": "not_home", "return_on": "far"}, "tối đa 90 ngày sau ngày thăm"),
])
def test_a_return_day_the_rules_refuse_is_rejected_with_the_reason(client, world, auth, body, message):
    auth.login("0900000003")
    h1 = world.households["h1"]
    days = {"tomorrow": today() + timedelta(days=1), "yesterday": today() - timedelta(days=1),
            "far": today() + timedelta(days=91)}
    rec = {"id": str(uuid.uuid4()), "household_id": h1.id, "visited_at": utcnow().isoformat() + "Z",
           "assists": [], **body}
    if rec["return_on"] in days:
        rec["return_on"] = days[rec["return_on"]].isoformat()
    r = client.post("/api/v1/visits/batch", json={"visits": [rec]})
    result = r.get_json()["results"][0]
    assert r.status_code == 200 and result["status"] == "rejected", result
    assert message in result["errors"]["return_on"]
    assert db.session.scalar(select(func.count()).select_from(Visit)) == 0


def test_the_village_page_opens_with_what_is_due_and_sorts_by_days_since_the_last_visit(client, world, auth, app):
    m = world.users["member"]
    v1 = world.village1
    h1, h2 = world.households["h1"], world.households["h2"]
    h3 = household(m, v1, "VT1-003")
    h4 = household(m, v1, "VT1-004")
    log_visit(m, h1, VisitData("not_home", days_ago(4), return_on=today() - timedelta(days=2)))  # overdue
    log_visit(m, h2, VisitData("revisit", days_ago(1), return_on=today()))                       # due today
    log_visit(m, h3, VisitData("helped", days_ago(29), counts={"safety": 1}))                   # 29 days
    log_visit(m, h4, VisitData("not_home", days_ago(2), return_on=today() + timedelta(days=3)))  # not yet
    h5 = household(m, v1, "VT1-005")
    db.session.commit()
    app.config["BACK_ENTRY_DAYS"] = 60  # an old visit, for the 30+ mark
    log_visit(m, h5, VisitData("declined", days_ago(45)))
    db.session.commit()
    auth.login("0900000003")
    page = client.get(f"/villages/{v1.id}").text
    due = page.split('id="due-title"')[1].split("</section>")[0]
    assert "Hôm nay cần đến / Quá hẹn" in page
    assert due.index("VT1-001") < due.index("VT1-002") and "VT1-004" not in due and "VT1-003" not in due
    assert "Quá hẹn 2 ngày" in due and "Hẹn hôm nay" in due
    assert "45 ngày chưa thăm" in page and "29 ngày chưa thăm" not in page  # marked at 30+ days
    codes = lambda html: [c.split("</span>")[0] for c in html.split('<span class="code">')[1:]]  # noqa: E731
    ordered = codes(client.get(f"/villages/{v1.id}?sort=last").text.split("</section>")[-1])
    assert ordered[:2] == ["VT1-005", "VT1-003"] and ordered[-1] == "VT1-002"  # the longest without a visit first
    assert codes(client.get(f"/villages/{v1.id}?filter=due").text.split("</section>")[-1]) == ["VT1-001", "VT1-002"]
    # Deleting the latest visit brings back the promise of the one before.
    latest = log_visit(m, h1, VisitData("helped", days_ago(0), counts={"safety": 1}))
    db.session.commit()
    assert fresh(h1).return_on is None
    delete_visit(m, latest)
    db.session.commit()
    assert fresh(h1).return_on == today() - timedelta(days=2)
    # The phones get the same: the household's promise and who it is assigned to.
    api = client.get(f"/api/v1/households?village={v1.id}").get_json()["households"]
    row = next(x for x in api if x["code"] == "VT1-001")
    assert row["return_on"] == (today() - timedelta(days=2)).isoformat() and row["assignee_id"] is None
    # The province viewer sees what is due, by house code only (minimum access: no resident's name).
    auth.logout()
    auth.login("0900000012")
    due = client.get(f"/villages/{v1.id}").text.split('id="due-title"')[1].split("</section>")[0]
    assert "VT1-001" in due and h1.head_name and h1.head_name not in due


# --- 2. Who goes where ----------------------------------------------------------------------------------

def _members(world):
    from fieldapp.models import Role
    from tests.factories import user
    ba = world.users["member"]
    tu = user("0900000021", Role.MEMBER, "Đỗ Văn Tư", team=world.team1)
    db.session.commit()
    return ba, tu


def test_the_leader_assigns_by_code_range_filter_and_one_by_one_audited(client, world, auth):
    ba, tu = _members(world)
    v1 = world.village1
    for n in (3, 9, 10, 11, 25):
        household(ba, v1, f"VT1-{n}")
    db.session.commit()
    auth.login("0900000002")
    page = client.get(f"/villages/{v1.id}/assign")
    assert page.status_code == 200 and "Phân công hộ" in page.text and "Chưa giao ai" in page.text
    # A code range in people's order: VT1-9 .. VT1-11 holds 9, 10, 11 (not "VT1-10" < "VT1-9" as text).
    r = client.post(f"/villages/{v1.id}/assign", data={"member_id": ba.id, "how": "range",
                                                         "code_from": "vt1-9", "code_to": "VT1-11"})
    assert r.status_code == 302
    assert "Đã giao 3 hộ cho Nguyễn Văn Ba." in client.get(r.headers["Location"]).text
    assigned = lambda uid: sorted(h.code for h in db.session.scalars(  # noqa: E731
        select(Household).where(Household.assignee_id == uid)))
    db.session.expire_all()
    assert assigned(ba.id) == ["VT1-10", "VT1-11", "VT1-9"]
    # By filter: the households nobody has yet, matching words.
    r = client.post(f"/villages/{v1.id}/assign", data={"member_id": tu.id, "how": "filter", "filter": "unassigned",
                                                         "q": "tran thi"})
    db.session.expire_all()
    assert r.status_code == 302 and assigned(tu.id) == ["VT1-002"]
    r = client.post(f"/villages/{v1.id}/assign", data={"member_id": tu.id, "how": "filter", "filter": "unassigned"})
    db.session.expire_all()
    assert assigned(tu.id) == ["VT1-001", "VT1-002", "VT1-25", "VT1-3"]
    # One by one, and back to nobody.
    h25 = db.session.scalar(select(Household).where(Household.code == "VT1-25"))
    r = client.post(f"/villages/{v1.id}/assign", data={"member_id": ba.id, "how": "pick", "households": [h25.id]})
    db.session.expire_all()
    assert "VT1-25" in assigned(ba.id)
    r = client.post(f"/villages/{v1.id}/assign", data={"member_id": 0, "how": "pick", "households": [h25.id]})
    db.session.expire_all()
    assert "VT1-25" not in assigned(ba.id) + assigned(tu.id)
    # Nothing matched: said under the field, nothing written.
    r = client.post(f"/villages/{v1.id}/assign", data={"member_id": ba.id, "how": "range",
                                                         "code_from": "X-1", "code_to": "X-9"})
    assert r.status_code == 422 and "Không có hộ nào khớp lựa chọn này." in r.text
    # Someone of another team (or unknown) is refused in Vietnamese.
    r = client.post(f"/villages/{v1.id}/assign", data={"member_id": world.users["member2"].id, "how": "filter",
                                                         "filter": "all"})
    assert r.status_code == 422 and "Chỉ giao hộ cho thành viên của tổ mình." in r.text
    # Audited: one entry per household that changed hands, with before and after.
    entries = db.session.scalars(select(AuditLog).where(AuditLog.action == "assign")).all()
    assert len(entries) == 3 + 1 + 3 + 1 + 1
    assert entries[0].actor_id == world.users["leader"].id and entries[0].before == {"assignee_id": None}
    assert {e.after["assignee_id"] for e in entries} == {ba.id, tu.id, None}
    # Coverage per member on the page.
    page = client.get(f"/villages/{v1.id}/assign").text
    assert "Mỗi người đã xong bao nhiêu" in page and "Đỗ Văn Tư" in page


def test_assignment_with_csrf_on(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from tests.factories import build_world
        world = build_world()
        client = app.test_client()
        page = client.get("/login")
        client.post("/login", data={"phone": "0900000002", "password": "secret-pass-1", "csrf_token": csrf_from(page.text)})
        v1, ba = world.village1, world.users["member"]
        r = client.post(f"/villages/{v1.id}/assign", data={"member_id": ba.id, "how": "filter", "filter": "all"})
        assert r.status_code == 400
        form = client.get(f"/villages/{v1.id}/assign").text
        r = client.post(f"/villages/{v1.id}/assign", data={"csrf_token": csrf_from(form), "member_id": ba.id,
                                                             "how": "filter", "filter": "all"})
        assert r.status_code == 302
        assert db.session.scalar(select(func.count()).select_from(Household).where(Household.assignee_id == ba.id)) == 2


def test_a_member_sees_their_households_first(client, world, auth):
    ba, tu = _members(world)
    assign_households(world.users["leader"], world.village1, [world.households["h2"]], ba)
    db.session.commit()
    auth.login("0900000003")
    page = client.get(f"/villages/{world.village1.id}").text
    assert "Hộ của tôi (1)" in page
    listed = page.split('aria-label="Xếp theo"')[1]
    assert "VT1-002" in listed and "VT1-001" not in listed  # "Hộ của tôi" is what opens
    every = client.get(f"/villages/{world.village1.id}?filter=all").text.split('aria-label="Xếp theo"')[1]
    assert "VT1-001" in every and "Của tôi" in every
    # A member who has none opens on every household.
    auth.logout()
    client.post("/login", data={"phone": "0900000021", "password": "secret-pass-1"})
    assert "Hộ của tôi (" not in client.get(f"/villages/{world.village1.id}").text


def test_deactivating_a_member_asks_the_leader_to_reassign(client, world, auth):
    ba, tu = _members(world)
    assign_households(world.users["leader"], world.village1, list(world.households.values())[:2], ba)
    db.session.commit()
    auth.login("0900000002")
    r = client.post(f"/members/{ba.id}/deactivate", data={"reason": "left"})
    assert r.status_code == 302 and f"/villages/{world.village1.id}/assign?from={ba.id}" in r.headers["Location"]
    page = client.get(r.headers["Location"]).text
    assert "Nguyễn Văn Ba còn 2 hộ được giao. Hãy giao các hộ này cho người khác." in page
    assert "đã nghỉ" in page and '<input checked id="how-3" name="how" required type="radio" value="from">' in page
    home = client.get(f"/villages/{world.village1.id}").text
    assert "2 hộ đang giao cho người đã nghỉ hoặc đã chuyển tổ." in home
    r = client.post(f"/villages/{world.village1.id}/assign", data={"member_id": tu.id, "how": "from",
                                                                   "from_member": ba.id})
    assert r.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Household).where(Household.assignee_id == tu.id)) == 2
    assert "đang giao cho người đã nghỉ" not in client.get(f"/villages/{world.village1.id}").text
    # Households cannot go to someone who has left.
    r = client.post(f"/villages/{world.village1.id}/assign", data={"member_id": ba.id, "how": "filter", "filter": "all"})
    assert r.status_code == 422 and "đã ngừng hoạt động; hãy giao cho thành viên khác." in r.text


# --- 3. The paper path ----------------------------------------------------------------------------------

def test_the_walk_sheet_lists_the_remaining_households_with_tick_boxes(client, world, auth):
    ba, tu = _members(world)
    m, v1 = world.users["member"], world.village1
    h1, h2 = world.households["h1"], world.households["h2"]
    h3 = household(m, v1, "VT1-003")
    h4 = household(m, v1, "VT1-004")
    log_visit(m, h4, VisitData("helped", days_ago(1), counts={"safety": 1}))  # done: not on the sheet
    log_visit(m, h2, VisitData("not_home", days_ago(1), return_on=today()))   # must come back: on the sheet
    assign_households(world.users["leader"], v1, [h1, h2], ba)
    db.session.commit()
    h1.consent_at = None  # consent withdrawn by hand here: the sheet must not print the name it still holds
    db.session.commit()
    auth.login("0900000002")
    page = client.get(f"/villages/{v1.id}/walk-sheet").text
    rows = page.split("<tbody>")[1]
    assert [c in rows for c in ("VT1-001", "VT1-002", "VT1-003", "VT1-004")] == [True, True, True, False]
    assert rows.index("VT1-002") < rows.index("VT1-001")  # due back first
    assert "Nguyễn Văn An" not in rows and "Trần Thị Bình" in rows and "VNeID" in rows and "Không có nhà" in rows and 'class="box"' in rows
    mine = client.get(f"/villages/{v1.id}/walk-sheet?member={ba.id}").text.split("<tbody>")[1]
    assert "VT1-001" in mine and "VT1-003" not in mine and "Người đi: Nguyễn Văn Ba" in client.get(
        f"/villages/{v1.id}/walk-sheet?member={ba.id}").text
    assert client.get(f"/villages/{v1.id}/walk-sheet?member={world.users['member2'].id}").status_code == 404
    auth.logout()
    auth.login("0900000003")  # a member prints their own sheet only
    own = client.get(f"/villages/{v1.id}/walk-sheet")
    assert own.status_code == 200 and "Người đi: Nguyễn Văn Ba" in own.text
    assert client.get(f"/villages/{v1.id}/walk-sheet?member={tu.id}").status_code == 403
    assert client.get(f"/villages/{v1.id}/walk-sheet?member=all").status_code == 403
    auth.logout()
    client.post("/login", data={"phone": "0900000021", "password": "secret-pass-1"})
    assert "Cả thôn" in client.get(f"/villages/{v1.id}/walk-sheet").text  # nothing assigned: the village's
    assert client.get(f"/villages/{world.village2.id}/walk-sheet").status_code == 404


def test_paper_entry_is_credited_to_the_member_and_recorded_as_entered_by_the_leader(client, world, auth, app):
    app.config["BACK_ENTRY_DAYS"] = 30
    ba, tu = _members(world)
    leader, v1, h1 = world.users["leader"], world.village1, world.households["h1"]
    auth.login("0900000002")
    day = today() - timedelta(days=3)
    listing = client.get(f"/villages/{v1.id}/paper?member={ba.id}&day={day.isoformat()}")
    assert listing.status_code == 200 and "VT1-001" in listing.text
    form = client.get(f"/households/{h1.id}/paper?member={ba.id}&day={day.isoformat()}").text
    assert "Thành viên đã đi thăm" in form and f'value="{day.isoformat()}T09:00"' in form
    r = client.post(f"/households/{h1.id}/paper?member={ba.id}&day={day.isoformat()}", data={
        "member_id": ba.id, "visited_at": f"{day.isoformat()}T10:15", "outcome": "helped", "svc_vneid": "2",
        "client_id": str(uuid.uuid4())})
    assert r.status_code == 302, r.text
    visit = db.session.scalar(select(Visit))
    assert (visit.member_id, visit.team_id, visit.entered_by_id) == (ba.id, world.team1.id, leader.id)
    assert to_local(visit.visited_at).date() == day
    entry = db.session.scalar(select(AuditLog).where(AuditLog.entity_type == "visit"))
    assert entry.actor_id == leader.id and entry.after["member_id"] == ba.id and entry.after["from_paper"] is True
    member_total = db.session.scalar(select(TallyTotal.visits).where(
        TallyTotal.kind == TallyKind.MEMBER, TallyTotal.ref_id == ba.id, TallyTotal.service_id == VISIT_ROW))
    assert member_total == 1  # the member who went is credited, not the leader
    assert db.session.scalar(select(TallyTotal.visits).where(
        TallyTotal.kind == TallyKind.MEMBER, TallyTotal.ref_id == leader.id)) is None
    back = client.get(r.headers["Location"]).text
    assert "Đã nhập lượt thăm hộ VT1-001 cho Nguyễn Văn Ba." in back and "Đã nhập" in back
    # Outside the back-entry window (30 days): refused under the date, nothing written.
    old = today() - timedelta(days=31)
    r = client.post(f"/households/{h1.id}/paper", data={"member_id": ba.id, "visited_at": f"{old.isoformat()}T10:00",
                                                        "outcome": "not_home", "client_id": str(uuid.uuid4())})
    assert r.status_code == 422 and "quá xa: chỉ ghi được lượt thăm từ ngày" in r.text
    # A member of another team cannot be credited.
    r = client.post(f"/households/{h1.id}/paper", data={"member_id": world.users["member2"].id,
                                                        "visited_at": f"{day.isoformat()}T10:00",
                                                        "outcome": "not_home", "client_id": str(uuid.uuid4())})
    assert r.status_code == 422 and "Chỉ nhập lượt thăm cho thành viên của tổ mình." in r.text
    assert db.session.scalar(select(func.count()).select_from(Visit)) == 1
    # The sheet of a day no visit may be dated, or a day no calendar holds: a 400 that says which days.
    for bad, says in ((old.isoformat(), "Chỉ nhập phiếu giấy của các ngày từ"),
                      ((today() + timedelta(days=1)).isoformat(), "Chỉ nhập phiếu giấy của các ngày từ"),
                      ("0001-01-01", "nằm ngoài khoảng ứng dụng dùng được"), ("9999-12-31", "nằm ngoài khoảng"),
                      ("2026-13-40", "Ngày không hợp lệ: “2026-13-40”")):
        for url in (f"/villages/{v1.id}/paper?member={ba.id}&day={bad}", f"/households/{h1.id}/paper?day={bad}"):
            r = client.get(url)
            assert r.status_code == 400 and says in r.text, (url, r.status_code)
    # A member cannot enter paper sheets, and a household of another village is not there at all.
    auth.logout()
    auth.login("0900000003")
    assert client.get(f"/villages/{v1.id}/paper").status_code == 403
    assert client.post(f"/households/{h1.id}/paper", data={"member_id": ba.id}).status_code == 403
    auth.logout()
    auth.login("0900000002")
    assert client.get(f"/households/{world.households['h3'].id}/paper").status_code == 404


def test_the_writer_refuses_paper_visits_from_anyone_but_the_members_leader(world):
    ba, leader = world.users["member"], world.users["leader"]
    h1 = world.households["h1"]
    data = VisitData("not_home", days_ago(1))
    out = save_visits(ba, [VisitRecord(str(uuid.uuid4()), h1.id, data, member=leader, paper=True)])
    assert out[0].status == "rejected" and "Chỉ tổ trưởng nhập được" in out[0].errors["member_id"]
    out = save_visits(world.users["member2"], [VisitRecord(str(uuid.uuid4()), h1.id, data, member=ba, paper=True)])
    assert out[0].status == "rejected"  # a leader of another team (here: a member of another village)
    # Crediting someone else is always recorded as entered by the actor.
    out = save_visits(leader, [VisitRecord(str(uuid.uuid4()), h1.id, data, member=ba)])
    visit = db.session.get(Visit, out[0].id)
    assert out[0].status == "created" and (visit.member_id, visit.entered_by_id) == (ba.id, leader.id)
    # A member who has left: only visits made before they left.
    from fieldapp.teams.operations import deactivate_member
    deactivate_member(leader, ba, "left")
    ba.deactivated_at = days_ago(3)
    out = save_visits(leader, [VisitRecord(str(uuid.uuid4()), h1.id, VisitData("not_home", days_ago(1)),
                                           member=ba, paper=True)])
    assert out[0].status == "rejected" and "đã ngừng hoạt động từ ngày" in out[0].errors["visited_at"]
    out = save_visits(leader, [VisitRecord(str(uuid.uuid4()), h1.id, VisitData("not_home", days_ago(4)),
                                           member=ba, paper=True)])
    assert out[0].status == "created"


# --- 4. Kết quả của tôi -------------------------------------------------------------------------------

def test_my_results_rank_fairly_by_the_share_of_ones_own_households(client, world, auth):
    ba, tu = _members(world)
    leader, v1 = world.users["leader"], world.village1
    homes = [world.households["h1"], world.households["h2"]] + [household(ba, v1, f"VT1-{n:03d}") for n in range(3, 9)]
    assign_households(leader, v1, homes[:2], ba)   # Ba: 2 households, both done
    assign_households(leader, v1, homes[2:], tu)   # Tư: 6 households, 3 done (more points, lower share)
    for h in homes[:2]:
        log_visit(ba, h, VisitData("helped", days_ago(0), counts={"safety": 1}))
    for h in homes[2:5]:
        log_visit(tu, h, VisitData("helped", days_ago(0), counts={"safety": 2, "vneid": 1}))
    log_visit(tu, homes[5], VisitData("not_home", days_ago(1), return_on=today()))
    db.session.commit()
    auth.login("0900000003")
    page = client.get("/me/results").text
    assert "Kết quả của tôi" in page
    assert "2/2" in page and "100%" in page  # households done of those assigned
    figures = page.split('class="figures"')[1].split("</dl>")[0]
    assert "Hạng trong tổ" in figures and ">1/2<" in figures  # first: 100% beats Tư's 50% despite fewer points
    auth.logout()
    client.post("/login", data={"phone": "0900000021", "password": "secret-pass-1"})
    page = client.get("/me/results").text
    figures = page.split('class="figures"')[1].split("</dl>")[0]
    assert ">2/2<" in figures and "3/6" in figures
    assert "Hẹn quay lại đến hạn" in figures and ">1<" in figures
    assert "Chuỗi tuần" in figures and "không theo tổng điểm" in page
    assert client.get("/me/results").status_code == 200
    auth.logout()
    auth.login("0900000001")
    assert client.get("/me/results").status_code == 403


# --- 5. The leader's week ---------------------------------------------------------------------------------

def test_the_leaders_week_card_and_its_zalo_text(client, world, auth, app):
    ba, tu = _members(world)
    leader, v1 = world.users["leader"], world.village1
    h1, h2 = world.households["h1"], world.households["h2"]
    app.config["BACK_ENTRY_DAYS"] = 60
    log_visit(ba, h1, VisitData("helped", days_ago(0), counts={"vneid": 2}))
    log_visit(ba, h2, VisitData("not_home", days_ago(7), return_on=today() - timedelta(days=1)))  # overdue
    log_visit(leader, h2, VisitData("not_home", days_ago(20), return_on=today() - timedelta(days=19)))
    db.session.commit()
    auth.login("0900000003")
    assert client.post("/api/v1/sync/status", json={"pending": 3, "rejected": 1,
                                                    "oldest_at": utcnow().isoformat() + "Z"}).status_code == 200
    report = db.session.get(SyncReport, ba.id)
    assert (report.pending, report.rejected) == (3, 1)
    assert client.post("/api/v1/sync/status", json={"pending": -1}).status_code == 400
    assert client.post("/api/v1/sync/status", json={"pending": "3"}).status_code == 400
    assert client.post("/api/v1/sync/status", data="x").status_code == 400
    auth.logout()
    auth.login("0900000002")
    page = client.get(f"/villages/{v1.id}").text
    card = page.split('id="week-title"')[1].split("</section>")[0]
    assert "Tuần này của tổ" in page
    assert "Chưa có lượt thăm 7 ngày" in card and "Đỗ Văn Tư" in card and "chưa thăm hộ nào" in card
    assert "Tổ trưởng Một" in card and "20 ngày" in card  # 14+ days: marked
    assert "Máy còn bản ghi chưa gửi" in card and "Nguyễn Văn Ba" in card and "3 chờ gửi" in card
    assert "1 bị từ chối, cần sửa" in card
    assert "Quá hẹn quay lại" in card
    text = card.split('id="week-text"')[1].split("</textarea>")[0]
    assert "lượt thăm (cùng kỳ tuần trước:" in text and "VNeID" in text and "Cảm ơn Nguyễn Văn Ba" in text
    for private in ("VT1-001", "VT1-002", "Nguyễn Văn An", "Trần Thị Bình"):
        assert private not in text  # no resident's data in a group chat
    assert 'data-share="week-text"' in card
    # Members do not get the leader's card.
    auth.logout()
    auth.login("0900000003")
    assert 'id="week-title"' not in client.get(f"/villages/{v1.id}").text


def test_this_week_is_measured_against_the_same_days_of_last_week(world, app):
    from fieldapp.walks.queries import leader_week
    app.config["BACK_ENTRY_DAYS"] = 60
    ba = world.users["member"]
    on = today()
    start = period_start("w", on)
    ago = (0, 1, 6, 7, 8, 13, 14)
    for n in ago:
        log_visit(ba, world.households["h1"], VisitData("not_home", days_ago(n)))
    db.session.commit()
    week = leader_week(world.team1, on)
    days = [on - timedelta(days=n) for n in ago]
    assert week.visits == sum(start <= d <= on for d in days)
    assert week.visits_before == sum(start - timedelta(days=7) <= d <= on - timedelta(days=7) for d in days)
    assert week.before == (start - timedelta(days=7), on - timedelta(days=7))


# --- 6. The week's "Đạt chỉ tiêu" is the week's share of the target -----------------------------------------

def test_the_week_board_measures_a_week_against_its_part_of_the_target(client, world, auth):
    """2 people in a week against every eligible resident read 40% of VNeID (and a fraction of that for the
    team); against the week's part of the year's goal (7/365) it is what it is: far above 100%."""
    from fieldapp.leaderboards.queries import board, period_for, services_points
    ba = world.users["member"]
    log_visit(ba, world.households["h1"], VisitData("helped", days_ago(0), counts={"vneid": 2}))
    db.session.commit()
    period = period_for("week")
    row = next(r for r in board("teams", world.commune, period.start, period.end, unit="w") if r.key == world.team1.id)
    stats = area_stats([world.village1.id])[world.village1.id]
    weight = achieved = 0.0
    for sid, (service, points) in services_points(None).items():
        goal = eligible(service, stats)
        if goal:
            week_goal = goal * 7 / GOAL_YEAR_DAYS
            weight += points
            achieved += points * (row.people.get(service.code, 0) / week_goal)
            assert row.goals[service.code] == round(week_goal, 2)
    assert row.score == pytest.approx(achieved / weight)
    auth.login("0900000001")
    page = client.get(f"/leaderboard/{world.commune.id}?period=week").text
    assert "một tuần là 7/365" in page
    api = client.get(f"/api/v1/leaderboard?area_id={world.commune.id}&period=week").get_json()
    first = api["boards"][0]["rows"][0]
    assert first["id"] == world.team1.id and first["percent_of_target"] > 100
    # A campaign's board still measures the campaign's work against its whole goal.
    whole = next(r for r in board("teams", world.commune, period.start, period.end) if r.key == world.team1.id)
    assert whole.score < row.score / 10
