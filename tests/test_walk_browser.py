"""Issue 16, what to build, in real Chromium at 360x640: return days (online form and offline app), "Hộ của
tôi" and "Hôm nay cần đến / Quá hẹn" with the network off, the leader's week and its share button, the
assignment, walk sheet, paper entry and "Kết quả của tôi" screens (tap targets, text sizes, screenshots)."""
import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.test_browser import browser, live, server_visits, sign_in, wait_badge  # noqa: F401 (fixtures)
from tests.test_field_browser import PHONE, SIZES, new_page, ready_offline_app

pytestmark = [pytest.mark.browser]
SHOTS = os.environ.get("SHOTS_DIR")  # SHOTS_DIR=<folder>: keep a 360x640 screenshot of each new screen


def shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))


def prepare(app, village):
    """Ba (the member) has VT1-001 and two more assigned; VT1-002 was promised a visit two days ago."""
    from fieldapp.counting import today
    from fieldapp.extensions import db
    from fieldapp.models import Area, Household, User
    from fieldapp.visits.operations import VisitData, log_visit
    from fieldapp.walks.operations import assign_households
    from tests.factories import household
    app.config["BACK_ENTRY_DAYS"] = 30  # as deployed
    with app.app_context():
        v = db.session.get(Area, village)
        ba = db.session.scalar(select(User).where(User.phone == PHONE["member"]))
        leader = db.session.scalar(select(User).where(User.phone == PHONE["leader"]))
        for code in ("VT1-003", "VT1-004", "VT1-005"):
            household(ba, v, code)
        homes = {h.code: h for h in db.session.scalars(select(Household).where(Household.village_id == village))}
        log_visit(leader, homes["VT1-002"], VisitData("not_home", app_now() - timedelta(days=3),
                                                      return_on=today() - timedelta(days=2)))
        assign_households(leader, v, [homes["VT1-001"], homes["VT1-002"], homes["VT1-003"]], ba)
        db.session.commit()
        ids = {c: h.id for c, h in homes.items()}
        db.session.remove()
    return ids


def app_now():
    from fieldapp.timeutil import utcnow
    return utcnow()


def stored(app, code):
    from fieldapp.extensions import db
    from fieldapp.models import Household, Visit
    with app.app_context():
        h = db.session.scalar(select(Household).where(Household.code == code))
        visits = db.session.scalars(select(Visit).where(Visit.household_id == h.id).order_by(Visit.received_at)).all()
        out = (h.return_on, [(v.outcome, v.return_on) for v in visits])
        db.session.remove()
    return out


def test_the_visit_form_asks_when_and_saves_the_day_in_one_round_trip(live, browser):
    from fieldapp.counting import today
    base, app, users, village = live
    ids = prepare(app, village)
    context, page = new_page(browser)
    sign_in(page, base, PHONE["member"])
    page.goto(f"{base}/households/{ids['VT1-004']}/visits/new")
    wait_badge(page, "Gửi thành công")
    assert page.locator(".return-when").is_hidden()  # "Đã hỗ trợ" is chosen: no question
    page.check("input[name=outcome][value=not_home]")
    assert page.locator(".return-when").is_visible() and page.locator(".return-day").is_hidden()
    labels = page.locator(".return-when .pill span").all_text_contents()
    assert labels[0] == "Chưa hẹn" and labels[1].startswith("Tối nay") and labels[2].startswith("Mai") \
        and labels[3].startswith("Cuối tuần") and labels[4] == "Chọn ngày"
    page.check("input[name=return_on][value=pick]")
    assert page.locator(".return-day").is_visible()
    assert page.evaluate(SIZES) == []
    shot(page, "01-visit-form-return-day")
    tomorrow = (today() + timedelta(days=1)).isoformat()
    page.check(f"input[name=return_on][value='{tomorrow}']")
    page.click("form.visit-form button[type=submit]")
    page.wait_for_selector("text=Đã lưu lượt thăm.")
    assert stored(app, "VT1-004") == (today() + timedelta(days=1), [("not_home", today() + timedelta(days=1))])
    context.close()


def test_the_village_page_opens_with_my_households_and_what_is_due(live, browser):
    base, app, users, village = live
    prepare(app, village)
    context, page = new_page(browser)
    sign_in(page, base, PHONE["member"])
    assert page.locator("h2#due-title").text_content() == "Hôm nay cần đến / Quá hẹn"
    assert "VT1-002" in page.locator("section.due").text_content() and "Quá hẹn 2 ngày" in page.text_content("section.due")
    assert page.locator(".chips a[aria-current]").first.text_content().startswith("Hộ của tôi (3)")
    assert sorted(page.locator("ul.cards:not(section ul) .code").all_text_contents()) == ["VT1-001", "VT1-002", "VT1-003"]
    assert page.evaluate(SIZES) == []
    shot(page, "02-village-member-home")
    page.click("text=Lâu chưa thăm nhất")
    page.wait_for_load_state()
    assert page.evaluate(SIZES) == []
    page.click("text=Kết quả của tôi")
    page.wait_for_load_state()
    assert "Hộ được giao đã xong" in page.text_content("main") and "0/3" in page.text_content("main")
    assert page.locator('nav.tabs a[aria-current="page"]').text_content() == "Lượt thăm"
    assert page.evaluate(SIZES) == []
    shot(page, "03-my-results")
    context.close()


def test_offline_my_households_what_is_due_and_a_return_day(live, browser):
    from fieldapp.counting import today
    base, app, users, village = live
    prepare(app, village)
    context, page = new_page(browser)
    ready_offline_app(page, base)
    page.goto(f"{base}/app")
    page.wait_for_selector("a.household-link")
    context.set_offline(True)
    page.reload()
    page.wait_for_selector("a.household-link")
    due = page.locator("section.due")
    assert due.locator("h2").text_content() == "Hôm nay cần đến / Quá hẹn"
    assert "VT1-002" in due.text_content() and "Quá hẹn 2 ngày" in due.text_content()
    mine = page.locator("#view .chips button[data-filter='mine']")
    assert mine.text_content() == "Hộ của tôi (3)" and mine.get_attribute("aria-pressed") == "true"
    listed = lambda: page.locator("ul.households:not(section ul) a.household-link strong").all_text_contents()  # noqa: E731
    assert listed() == ["VT1-001", "VT1-002", "VT1-003"]
    page.click("#view .chips button[data-filter='']")
    assert len(listed()) == 5
    page.click("#view .chips button[data-sort='last']")
    assert listed()[-1] == "VT1-002"  # the only one visited: last when sorting by days since the last visit
    assert page.evaluate(SIZES) == []
    page.evaluate("() => window.scrollTo(0, 0)")
    shot(page, "04-offline-list-due-mine")
    # A visit offline asks when, with the same quick picks.
    page.click("a.household-link:has-text('VT1-003')")
    page.wait_for_selector("form.visit-form")
    assert page.locator(".return-when").is_hidden()
    page.check("input[name=outcome][value=revisit]")
    assert page.locator(".return-when").is_visible()
    weekend = page.locator(".return-when input[name=return_on]").nth(3).get_attribute("value")
    assert page.locator(".return-when .pill span").nth(3).text_content().startswith("Cuối tuần")
    page.locator(".return-when .pill").nth(3).click()
    assert page.evaluate(SIZES) == []
    shot(page, "05-offline-visit-return-day")
    page.click("form.visit-form button[type=submit]")
    page.wait_for_selector("text=Đã lưu trên máy")
    row = page.locator("a.household-link:has-text('VT1-003') small").first.text_content()
    assert "Hẹn lại" in row or "Hẹn " in row, row
    # A promise of today, offline: due at once.
    page.click("a.household-link:has-text('VT1-001')")
    page.wait_for_selector("form.visit-form")
    page.check("input[name=outcome][value=not_home]")
    page.locator(".return-when .pill").nth(1).click()  # Tối nay
    page.click("form.visit-form button[type=submit]")
    page.wait_for_selector("text=Đã lưu trên máy")
    assert "VT1-001" in page.locator("section.due").text_content()
    context.set_offline(False)
    wait_badge(page, "Đã gửi hết")
    assert stored(app, "VT1-003")[1] == [("revisit", __import__("datetime").date.fromisoformat(weekend))]
    assert stored(app, "VT1-001")[0] == today()
    context.close()


def test_the_leaders_week_names_phones_with_records_waiting_and_shares_a_text(live, browser):
    base, app, users, village = live
    ids = prepare(app, village)
    # Ba's phone: one record the server refuses (a day outside the window), set aside; the phone says so.
    context, page = new_page(browser)
    ready_offline_app(page, base)
    page.evaluate("""([uid, hid]) => Outbox.add(uid, 'visit', {id: Outbox.uuid(), household_id: hid, outcome: 'declined',
        note: '', assists: [], visited_at: '2019-01-02T09:00:00+07:00'}, 'cũ')""", [users["member"], ids["VT1-005"]])
    assert page.evaluate("() => FieldApp.run().then(r => r.state)") == "ok"
    wait_badge(page, "1 bản ghi bị từ chối")
    context.close()
    context, page = new_page(browser, permissions=["clipboard-read", "clipboard-write"])
    sign_in(page, base, PHONE["leader"])
    card = page.locator("section.week-card")
    assert "Tuần này của tổ" in card.text_content()
    assert "Máy còn bản ghi chưa gửi" in card.text_content() and "1 bị từ chối, cần sửa" in card.text_content()
    assert "Quá hẹn quay lại" in card.text_content()
    assert page.evaluate(SIZES) == []
    card.scroll_into_view_if_needed()
    shot(page, "06-leader-home-week")
    page.evaluate("() => { delete Navigator.prototype.share; }")  # Chromium on Linux has none: the copy fallback
    page.click("button[data-share=week-text]")
    page.wait_for_selector("#week-text-state:has-text('Đã sao chép')")
    text = page.evaluate("() => navigator.clipboard.readText()")
    assert text == page.locator("#week-text").input_value() and "lượt thăm" in text
    assert not re.search(r"VT1-\d+|Nguyễn Văn An|Trần Thị Bình", text)
    # With the Web Share API (a phone), the share sheet gets the same text.
    page.evaluate("() => { window.__shared = null; navigator.share = t => { window.__shared = t.text; return Promise.resolve(); }; }")
    page.reload()
    page.evaluate("() => { navigator.share = t => { window.__shared = t.text; return Promise.resolve(); }; }")
    page.click("button[data-share=week-text]")
    page.wait_for_selector("#week-text-state:has-text('Đã chia sẻ.')")
    assert page.evaluate("() => window.__shared") == text
    context.close()


def test_the_leaders_screens_at_360(live, browser):
    """Assignment, the walk sheet (A4 pages) and the paper entry; the officer's anomalies page with them."""
    from fieldapp.counting import today
    base, app, users, village = live
    ids = prepare(app, village)
    context, page = new_page(browser)
    sign_in(page, base, PHONE["leader"])
    page.click("text=Phân công hộ")
    page.wait_for_load_state()
    assert page.locator("table.coverage").is_visible()
    assert page.locator("fieldset.how-filter").is_hidden()  # only the chosen way of picking shows
    page.check("input[name=how][value=filter]")
    assert page.locator("fieldset.how-filter").is_visible() and page.locator("fieldset.how-range").is_hidden()
    page.select_option("#member_id", label="Tổ trưởng Một")
    assert page.evaluate(SIZES) == []
    shot(page, "07-assign")
    page.click("form.assign-form button[type=submit]")
    page.wait_for_selector("text=Đã giao 2 hộ cho Tổ trưởng Một.")
    # The walk sheet: on screen at 360 px, and on A4.
    page.goto(f"{base}/villages/{village}/walk-sheet")
    assert page.locator("table.walk-sheet tbody tr").count() == 5  # VT1-002 (due back) and the four unvisited
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    shot(page, "08-walk-sheet")
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    assert len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf)) == 1
    # Paper entry: the list for Ba and a day, then one household.
    day = (today() - timedelta(days=2)).isoformat()
    page.goto(f"{base}/villages/{village}/paper?member={users['member']}&day={day}")
    assert page.evaluate(SIZES) == []
    shot(page, "09-paper-list")
    page.click("a.card:has-text('VT1-003')")
    page.wait_for_selector("form.paper-form")
    page.check("input[name=outcome][value=helped]")
    page.fill("#svc_vneid", "1")
    assert page.evaluate(SIZES) == []
    shot(page, "10-paper-visit")
    page.click("form.paper-form button[type=submit]")
    page.wait_for_selector("text=Đã nhập lượt thăm hộ VT1-003 cho Nguyễn Văn Ba.")
    assert "Đã nhập" in page.locator("a.card:has-text('VT1-003')").text_content()
    assert ("VT1-003", "helped", users["member"], {"vneid": 1}) in server_visits(app)
    context.close()
    context, page = new_page(browser)
    sign_in(page, base, PHONE["officer"])
    from fieldapp.extensions import db
    from fieldapp.models import Area
    with app.app_context():
        commune = db.session.get(Area, village).parent_id
        db.session.remove()
    page.goto(f"{base}/dashboard/{commune}/anomalies")
    section = page.locator("h2:has-text('Lượt thăm nhập từ phiếu giấy hoặc gửi muộn') + p + ul")
    assert "VT1-003" in section.text_content() and "Phiếu giấy, Tổ trưởng Một nhập" in section.text_content()
    assert page.evaluate(SIZES) == []
    page.locator("h2:has-text('Lượt thăm nhập từ phiếu giấy hoặc gửi muộn')").scroll_into_view_if_needed()
    shot(page, "11-anomalies-back-entered")
    context.close()
