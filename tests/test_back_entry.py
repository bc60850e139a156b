"""Issue 17 item 12: one rule for a visit's earliest allowed date, whatever the door (the form, a phone's
batch, a paper walk sheet) and however the household was added (by hand, by a phone with a past date,
by an import): counting.earliest_visit_day, today minus the back-entry window (BACK_ENTRY_DAYS, 30).
Back-entered visits are listed on the commune's anomalies page."""
import uuid
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import Household, TallyDay, Visit
from fieldapp.timeutil import from_local, to_local, utcnow

BATCH = "/api/v1/visits/batch"


@pytest.fixture(autouse=True)
def default_window(app):
    """The window as deployed (tests/conftest.py widens it for the tests that build a year of history)."""
    from fieldapp.config import Config
    assert Config.BACK_ENTRY_DAYS == 30
    app.config["BACK_ENTRY_DAYS"] = Config.BACK_ENTRY_DAYS


def today():
    return to_local(utcnow()).date()


def at(day, hour=9):
    """A local day and hour as the API takes it (Vietnam time, with its offset)."""
    return datetime.combine(day, time(hour)).isoformat() + "+07:00"


def visits():
    return db.session.scalar(select(func.count()).select_from(Visit))


def batch_visit(household_id, when, outcome="helped", **kw):
    body = {"id": str(uuid.uuid4()), "household_id": household_id, "visited_at": when, "outcome": outcome,
            "assists": [{"service": "vneid", "count": 1}] if outcome == "helped" else []}
    body.update(kw)
    return body


def test_a_batch_cannot_back_date_a_household_and_its_visits_into_a_closed_year(client, world, auth):
    """The attack of the report: a household dated 2019 and a 2019 VNeID visit, counted in that year."""
    auth.login("0900000003")
    hid = str(uuid.uuid4())
    r = client.post(BATCH, json={
        "households": [{"id": hid, "village_id": world.village1.id, "code": "CU-2019", "residents_total": 3,
                        "residents_14plus": 2, "residents_18plus": 2, "created_at": "2019-03-01T08:00:00+07:00"}],
        "visits": [batch_visit(hid, "2019-03-02T09:00:00+07:00"), batch_visit(hid, "0001-01-01T09:00:00+07:00")]})
    assert r.status_code == 200
    results = r.get_json()["results"]
    assert results[0]["status"] == "created"
    assert [x["status"] for x in results[1:]] == ["rejected", "rejected"]
    assert "quá xa: chỉ ghi được lượt thăm từ ngày" in results[1]["errors"]["visited_at"]
    assert "nằm ngoài khoảng ứng dụng dùng được" in results[2]["errors"]["visited_at"]  # year 1: timeutil.check_day
    household = db.session.get(Household, hid)
    assert to_local(household.created_at).date() >= today() - timedelta(days=30)  # not in 2019's denominators
    assert visits() == 0
    assert db.session.scalar(select(func.count()).select_from(TallyDay).where(TallyDay.day < today() - timedelta(days=30))) == 0


def test_an_imported_household_takes_visits_made_before_the_import(client, world, auth):
    """The other half of one rule: the import's date is no bound (the visits were made on paper first)."""
    from fieldapp.imports.operations import apply_households, plan_households
    plan = plan_households(world.village1, "ho.csv", "Mã hộ,Số nhân khẩu,Từ 14 tuổi,Từ 18 tuổi\nNK-1,3,2,2\n".encode(),
                           consent=False)
    apply_households(world.users["officer"], world.village1, plan)
    db.session.commit()
    imported = db.session.scalar(select(Household).where(Household.code == "NK-1"))
    auth.login("0900000003")
    three_days = today() - timedelta(days=3)
    r = client.post(f"/households/{imported.id}/visits/new",
                    data={"outcome": "not_home", "visited_at": f"{three_days.isoformat()}T09:00"})
    assert r.status_code == 302, r.text
    r = client.post(BATCH, json={"visits": [batch_visit(imported.id, at(today() - timedelta(days=5)))]})
    assert r.get_json()["results"][0]["status"] == "created"
    assert visits() == 2


@pytest.mark.parametrize("door", ["form", "batch", "paper"])
def test_every_door_has_the_same_earliest_day(client, world, auth, app, door):
    app.config["BACK_ENTRY_DAYS"] = 10
    h1 = world.households["h1"]
    h1.created_at = utcnow() - timedelta(days=400)  # when the household was added plays no part
    db.session.commit()
    auth.login("0900000002" if door == "paper" else "0900000003")
    first, before = today() - timedelta(days=10), today() - timedelta(days=11)

    def send(day):
        if door == "batch":
            result = client.post(BATCH, json={"visits": [batch_visit(h1.id, at(day), "not_home")]}).get_json()["results"][0]
            return result["status"] == "created", result.get("error", "")
        url = f"/households/{h1.id}/visits/new" if door == "form" else f"/households/{h1.id}/paper"
        data = {"outcome": "not_home", "visited_at": f"{day.isoformat()}T09:00", "client_id": str(uuid.uuid4())}
        if door == "paper":
            data["member_id"] = world.users["member"].id
        r = client.post(url, data=data)
        return r.status_code == 302, r.text

    ok, _ = send(first)
    assert ok
    ok, why = send(before)
    assert not ok and f"chỉ ghi được lượt thăm từ ngày {first.strftime('%d/%m/%Y')} trở đi (trong vòng 10 ngày)" in why
    assert visits() == 1
    session = client.get("/api/v1/session").get_json()
    assert session["earliest_visit_day"] == first.isoformat()  # the phone's form offers the same days


def test_a_correction_keeps_an_old_date_but_cannot_move_one_earlier(client, world, auth, app):
    from fieldapp.visits.operations import VisitData, log_visit, update_visit
    from fieldapp.rules import RuleError
    app.config["BACK_ENTRY_DAYS"] = 60
    leader, h1 = world.users["leader"], world.households["h1"]
    day = today() - timedelta(days=40)
    visit = log_visit(leader, h1, VisitData("not_home", from_local(datetime.combine(day, time(9)))))
    db.session.commit()
    app.config["BACK_ENTRY_DAYS"] = 30  # the window shrinks: the old visit stays, and can still be corrected
    update_visit(leader, visit, VisitData("declined", visit.visited_at, note="Đã hỏi lại"))
    db.session.commit()
    with pytest.raises(RuleError, match="quá xa"):
        update_visit(leader, visit, VisitData("declined", visit.visited_at - timedelta(days=1)))


def test_back_entered_visits_are_listed_on_the_anomalies_page(client, world, auth):
    auth.login("0900000003")
    h1, h2 = world.households["h1"], world.households["h2"]
    late, now = batch_visit(h1.id, at(today() - timedelta(days=5)), "not_home"), batch_visit(h2.id, at(today(), 0), "not_home")
    assert [x["status"] for x in client.post(BATCH, json={"visits": [late, now]}).get_json()["results"]] == ["created"] * 2
    auth.logout()
    auth.login("0900000002")
    day = today() - timedelta(days=2)
    r = client.post(f"/households/{h2.id}/paper", data={"member_id": world.users["member"].id, "outcome": "declined",
                                                        "visited_at": f"{day.isoformat()}T10:00",
                                                        "client_id": str(uuid.uuid4())})
    assert r.status_code == 302
    auth.logout()
    auth.login("0900000001")
    page = client.get(f"/dashboard/{world.commune.id}/anomalies").text
    section = page.split("Lượt thăm nhập từ phiếu giấy hoặc gửi muộn")[1]
    assert section.count("<li>") == 2
    assert "Phiếu giấy, Tổ trưởng Một nhập" in section and "VT1-001" in section and "VT1-002" in section
    assert "Từ chối" in section and "Không có nhà" in section
