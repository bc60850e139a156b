"""Issue 16 and 17 (item 2) in real Chromium at 360x640: navigation, sizes, the offline list, the
visit save, the outbox that never retries forever, leaderboards and door-sticker sheets."""
import json
import os
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.test_browser import (TIMEOUT, badge, browser, live, log_visit, server_visits,  # noqa: F401 (fixtures)
                                sign_in, wait_badge)

pytestmark = [pytest.mark.browser]
# FIELDAPP_SHOTS=/some/dir: the notice tests also save 360x640 screenshots there.
SHOTS = Path(os.environ["FIELDAPP_SHOTS"]) if os.environ.get("FIELDAPP_SHOTS") else None
PHONE = {"member": "0900000003", "leader": "0900000002", "officer": "0900000001", "province": "0900000012",
         "admin": "0900000000"}


def new_page(browser, **kw):
    context = browser.new_context(viewport={"width": 360, "height": 640}, **kw)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.on("pageerror", lambda e: print("page error:", e))
    return context, page


def ready_offline_app(page, base, phone="0900000003"):
    sign_in(page, base, phone)
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("() => !!navigator.serviceWorker.controller"):
        page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    wait_badge(page, "Gửi thành công")


# --- (a) every main screen reachable at 360 px, the current one marked ------------------------------

MAIN = {
    "member": ["Hộ dân", "Lượt thăm", "Thẻ của tôi", "Tuyên truyền", "Xếp hạng"],
    "leader": ["Hộ dân", "Lượt thăm", "Lượt của tổ", "Tuyên truyền", "Tổ của tôi", "Tổng hợp", "Xếp hạng"],
    "officer": ["Địa bàn", "Tổ, thành viên", "Thông báo", "Tổng hợp", "Xếp hạng"],
    "province": ["Địa bàn", "Tổng hợp", "Xếp hạng"],
    "admin": ["Địa bàn", "Quản trị"],  # no area of their own: dashboards and boards start from the provinces
}


@pytest.mark.parametrize("role", list(MAIN))
def test_every_main_screen_is_in_view_at_360_px(live, browser, role):
    base, app, users, village = live
    context, page = new_page(browser)
    sign_in(page, base, PHONE[role])
    tabs = page.locator("nav.tabs a")
    assert tabs.all_text_contents() == MAIN[role]
    home = page.url
    for label in MAIN[role]:
        page.goto(home)
        tab = page.locator("nav.tabs a", has_text=re.compile(f"^{re.escape(label)}$"))
        box = tab.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360, (label, box)  # no sideways scroll to find it
        assert box["y"] + box["height"] <= 640 and box["height"] >= 44, (label, box)
        tab.click()
        page.wait_for_load_state()
        current = page.locator('nav.tabs a[aria-current="page"]')
        if page.locator("nav.tabs").count():  # print pages (the badge) have a back bar instead
            assert current.all_text_contents() == [label], page.url
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360, page.url
    context.close()


# --- (7) tap targets >= 44 px, text >= 16 px, the text-size switch -----------------------------------

SIZES = """() => {
  const bad = [];
  const seen = el => { const s = getComputedStyle(el); const r = el.getBoundingClientRect();
    return s.visibility !== 'hidden' && s.display !== 'none' && r.width > 0 && r.height > 0; };
  for (const el of document.querySelectorAll('a, button, input:not([type=hidden]), select, textarea, summary')) {
    if (!seen(el) || el.closest('.visually-hidden')) continue;
    const r = el.getBoundingClientRect();
    const small = el.matches('input[type=radio], input[type=checkbox]') ? (el.closest('label') || el) : el;
    const b = small.getBoundingClientRect();
    if (b.height < 43.5 || b.width < 43.5) bad.push('target ' + el.outerHTML.slice(0, 80) + ' ' + Math.round(b.width) + 'x' + Math.round(b.height));
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!node.textContent.trim() || !el || !seen(el) || el.closest('.visually-hidden, script, style, svg')) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < 15.9) bad.push('text ' + size + 'px ' + JSON.stringify(node.textContent.trim().slice(0, 40)));
  }
  if (document.documentElement.scrollWidth > innerWidth) bad.push('scrolls sideways ' + document.documentElement.scrollWidth);
  return bad;
}"""


def post_notice(app, village, title="Họp tổ trưởng chiều thứ Sáu", body="14 giờ tại nhà văn hóa xã.\n"
                "Mang theo danh sách hộ chưa thăm và các phiếu giấy đã ghi trong tuần."):
    """A live notice of the village's commune, from its officer; its id."""
    from fieldapp.extensions import db
    from fieldapp.models import Area, User
    from fieldapp.notices.operations import NoticeData, post_notice as post
    with app.app_context():
        officer = db.session.scalar(select(User).where(User.phone == PHONE["officer"]))
        notice = post(officer, db.session.get(Area, village).parent, NoticeData(title=title, body=body))
        db.session.commit()
        nid = notice.id
        db.session.remove()
    return nid


def pages_of(role, app, village):
    from fieldapp.extensions import db
    from fieldapp.models import Household, Team
    nid = post_notice(app, village)  # the home screens show it; its own pages are checked too
    with app.app_context():
        household = db.session.scalar(select(Household).where(Household.village_id == village).order_by(Household.code))
        team = db.session.scalar(select(Team).where(Team.village_id == village))
        commune = household.village.parent_id
        hid, tid = household.id, team.id
        db.session.remove()
    common = ["/leaderboard", "/account/password"]
    return {
        "member": [f"/villages/{village}", f"/households/{hid}", f"/households/{hid}/visits/new", "/visits/mine",
                   f"/outreach/{village}", "/me/badge", "/app", "/app#outbox", "/app#new", "/app#notices",
                   "/notices", f"/notices/{nid}"] + common,
        "leader": [f"/villages/{village}", "/visits/team", f"/teams/{tid}", f"/teams/{tid}/members",
                   f"/dashboard/{village}", "/campaigns", "/notices", f"/notices/{nid}"] + common,
        "officer": [f"/areas/{commune}", f"/communes/{commune}/teams", f"/dashboard/{commune}",
                    f"/dashboard/{commune}/anomalies", "/campaigns", f"/communes/{commune}/notices",
                    f"/communes/{commune}/notices/new", f"/notices/{nid}"] + common,
    }[role]


@pytest.mark.parametrize("role", ["member", "leader", "officer"])
def test_tap_targets_and_text_sizes_at_360(live, browser, role):
    base, app, users, village = live
    context, page = new_page(browser)
    sign_in(page, base, PHONE[role])
    problems = {}
    for path in pages_of(role, app, village):
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        found = page.evaluate(SIZES)
        if found:
            problems[path] = found
    assert problems == {}
    context.close()


def test_the_text_size_is_kept_on_this_device(live, browser):
    base, app, users, village = live
    context, page = new_page(browser)
    sign_in(page, base, PHONE["member"])
    size = lambda: page.evaluate("() => parseFloat(getComputedStyle(document.documentElement).fontSize)")  # noqa: E731
    assert size() == 16
    page.click(".textsize button:has-text('A++')")
    assert size() == 20
    assert page.locator(".textsize button:has-text('A++')").get_attribute("aria-pressed") == "true"
    page.goto(base + "/visits/mine")
    assert size() == 20  # every page, and the offline app too
    page.goto(base + "/app")
    assert size() == 20
    assert page.evaluate(SIZES) == []  # bigger text still fits 360 px
    page.click(".textsize button:has-text('A+')")
    assert size() == 18
    context.close()


# --- (c) the offline list: same words, same results as online; the same filters ----------------------

def extra_households(app, village):
    from fieldapp.extensions import db
    from fieldapp.models import Area, User
    from tests.factories import household
    with app.app_context():
        v = db.session.get(Area, village)
        m = db.session.scalar(select(User).where(User.phone == "0900000003"))
        for code, name in (("VT1-010", "NGUYỄN THỊ ĐÀO"), ("VT1-011", "Nguyễn  Văn   Đức"), ("VT1-012", "Đặng Văn Anh"),
                           ("Ô-13", None), ("VT1-014", "Lê Nguyên")):
            household(m, v, code, head_name=name, consent=name is not None)
        db.session.commit()
        db.session.remove()


def online_codes(page, base, village, q="", filter_=None):
    url = f"{base}/villages/{village}?q={q}" + (f"&filter={filter_}" if filter_ else "")
    page.goto(url)
    return sorted(page.locator("ul.cards .code").all_text_contents())


def offline_codes(page, q="", filter_=""):
    page.fill("#view input[type=search]", q)
    page.click(f"#view .chips button[data-filter='{filter_}']")
    page.fill("#view input[type=search]", q)
    return sorted(page.locator("a.household-link strong").all_text_contents())


WORDS = ["", "nguyen", "NGUYỄN", "nguyen van", "dao", "Đức", "vt1-01", "o-1", "anh", "nguyen   thi dao", "zzz"]


def test_offline_search_and_filters_match_the_online_list(live, browser):
    base, app, users, village = live
    extra_households(app, village)
    context, page = new_page(browser)
    ready_offline_app(page, base)
    # One visit each way through the server, so the filters have something to tell apart.
    page.goto(f"{base}/app")
    log_visit(page, "VT1-010", "not_home")
    log_visit(page, "VT1-011", "helped", {"safety": 1})
    wait_badge(page, "Đã gửi hết")
    page.evaluate("() => FieldApp.run()")
    online = {(q, f): online_codes(page, base, village, q, f) for q in WORDS for f in (None, "unvisited", "revisit")}
    assert online[("nguyen", None)] == ["VT1-001", "VT1-010", "VT1-011", "VT1-014"]  # the words really fold
    assert online[("", "revisit")] == ["VT1-010"] and "VT1-011" not in online[("", "unvisited")]

    page.goto(f"{base}/app")
    page.wait_for_selector("a.household-link")
    context.set_offline(True)
    page.reload()
    page.wait_for_selector("a.household-link")
    for (q, f), codes in online.items():
        assert offline_codes(page, q, f or "") == codes, (q, f)

    # Records not yet synced count too: a new household, and a visit that changes a household's status.
    page.goto(page.url.split("#")[0] + "#new")
    page.fill("#code", "VT1-099")
    page.fill("#residents_total", "2")
    page.fill("#residents_14plus", "2")
    page.fill("#residents_18plus", "1")
    page.click("form button[type=submit]")
    page.wait_for_selector("form.visit-form")
    page.goto(page.url.split("#")[0] + "#")
    offline_codes(page, "", "")  # the list keeps its search and filter: start from all
    log_visit(page, "VT1-012", "revisit")
    assert "VT1-099" in offline_codes(page, "vt1-09")
    assert "VT1-099" in offline_codes(page, "", "unvisited")
    assert "VT1-012" in offline_codes(page, "dang", "revisit")
    assert "VT1-012" not in offline_codes(page, "", "unvisited")

    context.set_offline(False)
    wait_badge(page, "Đã gửi hết")
    assert "VT1-012" in online_codes(page, base, village, "dang", "revisit")
    assert "VT1-012" not in online_codes(page, base, village, "", "unvisited")
    context.close()


# --- (b) the visit form saves in one round trip and says so ------------------------------------------

def test_the_visit_form_saves_in_one_round_trip_and_shows_progress(live, browser):
    base, app, users, village = live
    context, page = new_page(browser)
    sign_in(page, base, PHONE["member"])
    page.click("text=VT1-002")
    household_url = page.url
    page.click("text=Ghi lượt thăm")
    page.wait_for_selector("form.visit-form")
    wait_badge(page, "Gửi thành công")
    calls = []
    page.on("request", lambda r: calls.append((r.method, r.url.replace(base, ""))) if "/api/" in r.url else None)

    def slow(route):  # a weak network: the answer takes a while
        page.wait_for_timeout(1500)
        route.continue_()
    context.route("**/api/v1/visits/batch", slow)
    page.check("input[name=outcome][value=not_home]")
    page.click("form.visit-form button[type=submit]")
    page.wait_for_selector("form.visit-form button[type=submit]:has-text('Đang lưu…')", timeout=1000)
    assert page.locator("form.visit-form button[type=submit]").is_disabled()
    page.wait_for_url(household_url)
    page.wait_for_selector("text=Đã lưu lượt thăm.")
    # No session round trip before the save (a background refresh of the village's households may run beside it)
    saving = [c for c in calls if c[1].startswith(("/api/v1/session", "/api/v1/visits"))]
    assert saving[:1] == [("POST", "/api/v1/visits/batch")], calls
    assert server_visits(app) == [("VT1-002", "not_home", users["member"], {})]
    context.close()


# --- 17.2: the outbox never retries forever ---------------------------------------------------------

BAD_DATE = "0001-01-01T00:00:00+07:00"


def queue(page, uid, records):
    """Records as an older app version (or a corrupted phone) might have queued them."""
    page.evaluate("""([uid, recs]) => Promise.all(recs.map(r => Outbox.add(uid, 'visit', r, r.label)))""",
                  [uid, records])


def visit_record(hid, outcome="not_home", when=None, note=""):
    import uuid
    from datetime import datetime, timezone
    return {"id": str(uuid.uuid4()), "household_id": hid, "outcome": outcome, "note": note, "assists": [],
            "visited_at": when or datetime.now(timezone.utc).isoformat(), "label": f"{outcome} {note}".strip()}


def household_ids(app, village):
    from fieldapp.extensions import db
    from fieldapp.models import Household
    with app.app_context():
        out = {h.code: h.id for h in db.session.scalars(select(Household).where(Household.village_id == village))}
        db.session.remove()
    return out


@pytest.mark.parametrize("answer", ["400", "422", "413", "500", "rejected"])
def test_a_refused_record_is_set_aside_and_the_rest_keeps_syncing(live, browser, answer):
    base, app, users, village = live
    hid = household_ids(app, village)
    context, page = new_page(browser)
    ready_offline_app(page, base)
    page.goto(f"{base}/app#outbox")
    posts = []

    def server(route):  # the server of the time: a record with a bad date breaks the whole batch
        body = json.loads(route.request.post_data or "{}")
        posts.append(len(body.get("visits", [])))
        bad = [v for v in body.get("visits", []) if v["visited_at"] == BAD_DATE]
        if not bad or answer == "rejected":
            return route.continue_()
        status = int(answer)
        message = {"400": "Ngày giờ thăm không hợp lệ.", "422": "Ngày giờ thăm không hợp lệ.",
                   "413": "Dữ liệu gửi lên quá lớn.", "500": "Đã có lỗi xảy ra."}[answer]
        route.fulfill(status=status, content_type="application/json", body=json.dumps({"error": message}))
    context.route("**/api/v1/visits/batch", server)
    good = [visit_record(hid["VT1-001"], note="một"), visit_record(hid["VT1-002"], note="hai"),
            visit_record(hid["VT1-001"], "declined", note="ba")]
    bad = visit_record(hid["VT1-002"], when=BAD_DATE if answer != "rejected" else "2999-01-01T00:00:00+07:00", note="hỏng")
    queue(page, users["member"], [good[0], bad, good[1], good[2]])
    result = page.evaluate("() => FieldApp.run().then(r => r.state)")
    assert result == "ok"
    assert sorted(v[1] for v in server_visits(app)) == ["declined", "not_home", "not_home"]  # the rest went
    page.wait_for_selector("li.outbox-item.rejected")
    item = page.locator("li.outbox-item.rejected")
    assert item.count() == 1 and "hỏng" in item.text_content()
    reason = item.locator("p.error").text_content()
    assert reason and re.search(r"[ạảãáàâấầẩẫậăắằẳẵặđêếềểễệôốồổỗộơớờởỡợưứừửữự]", reason.lower()), reason  # Vietnamese
    wait_badge(page, "1 bản ghi bị từ chối")
    # No retry forever: the next runs send nothing more.
    sent = len(posts)
    assert page.evaluate("() => FieldApp.run().then(r => r.state)") == "ok"
    assert len(posts) == sent
    # Corrected: the fix screen shows it again; saved with today's date, it goes through.
    item.locator("a:has-text('Sửa')").click()
    page.wait_for_selector("form.visit-form")
    page.fill("#visited_at", page.evaluate("() => { const d = new Date(Date.now() - 3600e3); "
                                           "return new Date(d - d.getTimezoneOffset() * 6e4).toISOString().slice(0, 16); }"))
    page.click("form.visit-form button[type=submit]")
    page.wait_for_selector("text=Đã lưu trên máy")
    wait_badge(page, "Đã gửi hết")
    assert len(server_visits(app)) == 4
    context.close()


def test_a_server_outage_sets_nothing_aside_and_a_refused_record_can_be_discarded(live, browser):
    base, app, users, village = live
    hid = household_ids(app, village)
    context, page = new_page(browser)
    ready_offline_app(page, base)
    page.goto(f"{base}/app#outbox")
    context.route("**/api/v1/visits/batch", lambda route: route.fulfill(status=503, body="busy"))
    queue(page, users["member"], [visit_record(hid["VT1-001"]), visit_record(hid["VT1-002"])])
    assert page.evaluate("() => FieldApp.run().then(r => r.state)") == "error"
    assert page.evaluate(f"() => Outbox.list({users['member']}).then(rs => rs.map(r => r.status))") == ["pending"] * 2
    context.unroute("**/api/v1/visits/batch")  # the server is back: both go
    assert page.evaluate("() => FieldApp.run().then(r => r.state)") == "ok"
    assert len(server_visits(app)) == 2
    # A record refused by the server can be thrown away by the member.
    context.unroute("**/api/v1/visits/batch")
    queue(page, users["member"], [visit_record(hid["VT1-001"], when="2999-01-01T00:00:00+07:00", note="tương lai")])
    page.evaluate("() => FieldApp.run()")
    page.goto(f"{base}/app#outbox")
    page.wait_for_selector("li.outbox-item.rejected")
    page.on("dialog", lambda d: d.accept())
    page.click("li.outbox-item.rejected button:has-text('Bỏ bản ghi này')")
    page.wait_for_selector("text=Không có bản ghi nào chờ gửi.")
    assert len(server_visits(app)) == 2
    context.close()


# --- (d) leaderboards readable at 360 px -------------------------------------------------------------

def test_leaderboards_are_readable_at_360(live, browser):
    base, app, users, village = live
    from fieldapp.extensions import db
    from fieldapp.models import Team, User
    with app.app_context():
        team = db.session.scalar(select(Team).where(Team.village_id == village))
        team.name = "Tổ công nghệ số cộng đồng thôn Vinh Thạnh 1 mở rộng"
        db.session.get(User, users["member"]).name = "Nguyễn Thị Thanh Hương Giang"
        db.session.commit()
        db.session.remove()
    for role, path in (("leader", "/leaderboard"), ("officer", "/leaderboard"), ("province", "/leaderboard")):
        context, page = new_page(browser)
        sign_in(page, base, PHONE[role])
        page.goto(base + path)
        names = page.locator(".board-name")
        assert names.count() >= 1, role
        for i in range(names.count()):
            box = names.nth(i).bounding_box()
            assert box["width"] >= 200, (role, names.nth(i).text_content(), box)  # not one word per line
            assert box["x"] + box["width"] <= 360
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360, role
        overflow = page.evaluate("() => [...document.querySelectorAll('.board *')].filter("
                                 "e => e.getBoundingClientRect().right > innerWidth + 0.5).length")
        assert overflow == 0, role
        if role == "leader":
            assert "Chuỗi tuần: số tuần liền nhau" in page.text_content("main")
        if role == "province":  # Xã Tuy Phước Đông has a team; a commune with none is left out
            assert page.locator(".board-name").all_text_contents() == [
                n for n in page.locator(".board-name").all_text_contents() if "Khác" not in n]
        context.close()


# --- (f) door-sticker sheets: 120 stickers on 5 A4 pages ---------------------------------------------

def test_120_stickers_print_on_five_a4_pages(live, browser):
    base, app, users, village = live
    from fieldapp.extensions import db
    from fieldapp.models import Area, User
    from tests.factories import household
    with app.app_context():
        v = db.session.get(Area, village)
        m = db.session.scalar(select(User).where(User.phone == "0900000003"))
        for n in range(118):  # with VT1-001 and VT1-002: 120
            household(m, v, f"S-{n:03d}")
        db.session.commit()
        db.session.remove()
    context, page = new_page(browser)
    sign_in(page, base, PHONE["leader"])
    page.goto(f"{base}/villages/{village}/stickers")
    page.click("button:has-text('Chuẩn bị tem')")
    page.wait_for_load_state()
    assert page.locator(".sticker").count() == 120
    pdf = page.pdf(format="A4", prefer_css_page_size=True, print_background=False)
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
    assert pages == 5
    context.close()


# --- (6) commune notices: on the home screens, and in the offline app with the network off -----------

def seen_rows(app):
    from fieldapp.extensions import db
    from fieldapp.models import NoticeSeen
    with app.app_context():
        out = sorted((r.notice_id, r.user_id) for r in db.session.scalars(select(NoticeSeen)))
        db.session.remove()
    return out


def wait_for_server(check, page, seconds=20):
    for _ in range(seconds * 4):
        if check():
            return True
        page.wait_for_timeout(250)
    return check()


def test_a_commune_notice_shows_in_the_offline_app_with_the_network_off(live, browser):
    base, app, users, village = live
    read_online = post_notice(app, village, title="Tập huấn VNeID mức 2", body="Sáng thứ Hai, hội trường xã.")
    read_offline = post_notice(app, village)
    context, page = new_page(browser)
    ready_offline_app(page, base)
    # Online, the home page shows both; one is read there (a plain form, CSRF).
    assert page.locator("article.notice").count() == 2
    page.click(f"article.notice[data-notice='{read_online}'] button:has-text('Tôi đã xem')")
    page.wait_for_selector("text=Đã ghi nhận: bạn đã xem thông báo")
    assert page.locator("article.notice").count() == 1
    assert seen_rows(app) == [(read_online, users["member"])]
    page.goto(f"{base}/app")
    page.wait_for_selector(f"#shell-notices article.notice[data-notice='{read_offline}']")
    # The shell draws the phone's copy at once, then the server's answer: wait for the answer (the one read
    # online gone) before the network goes, or the copy kept may still be the one fetched before the tap.
    page.wait_for_selector(f"#shell-notices article.notice[data-notice='{read_online}']", state="detached")

    context.set_offline(True)
    page.reload()  # the cached shell, with the notices kept in this member's IndexedDB
    card = page.locator("#shell-notices article.notice")
    card.first.wait_for()
    assert card.count() == 1  # the one read online stays read offline
    assert "Họp tổ trưởng chiều thứ Sáu" in card.text_content()
    assert "Mang theo danh sách hộ chưa thăm" in card.text_content()
    assert page.locator("#shell-notices a:has-text('Thông báo đã xem (1)')").count() == 1
    assert page.evaluate(SIZES) == []  # 360 px, 16 px text, 44 px targets
    page.screenshot(path=str(SHOTS / "offline-app-notice.png")) if SHOTS else None

    card.locator("button:has-text('Tôi đã xem')").click()  # read with no network: kept on the phone
    page.wait_for_selector("text=Đã ghi nhận bạn đã xem; xã sẽ biết khi máy có mạng.")
    assert page.locator("#shell-notices article.notice").count() == 0
    page.reload()
    page.wait_for_selector("#shell-notices a:has-text('Thông báo đã xem (2)')")
    assert page.locator("#shell-notices article.notice").count() == 0
    page.goto(page.url.split("#")[0] + "#notices")
    page.wait_for_selector("article.notice.seen")
    assert page.locator("article.notice.seen").count() == 2 and page.evaluate(SIZES) == []
    assert seen_rows(app) == [(read_online, users["member"])]  # the server does not know yet

    context.set_offline(False)  # back online: the tap reaches the server, once
    assert wait_for_server(lambda: len(seen_rows(app)) == 2, page)
    assert seen_rows(app) == sorted([(read_online, users["member"]), (read_offline, users["member"])])

    # Archived by the officer: gone from the offline app at its next refresh.
    from fieldapp.extensions import db
    from fieldapp.models import Notice, User
    from fieldapp.notices.operations import archive_notice
    third = post_notice(app, village, title="Thông báo sẽ gỡ", body="")
    page.goto(f"{base}/villages/{village}")  # the home page refreshes the phone's copy
    page.wait_for_selector(f"article.notice[data-notice='{third}']")
    page.goto(f"{base}/app")
    page.wait_for_selector(f"#shell-notices article.notice[data-notice='{third}']")
    with app.app_context():
        archive_notice(db.session.scalar(select(User).where(User.phone == PHONE["officer"])),
                       db.session.get(Notice, third))
        db.session.commit()
        db.session.remove()
    page.goto(f"{base}/villages/{village}")
    assert page.locator("article.notice").count() == 0
    page.goto(f"{base}/app")  # drawn from the phone's copy at once, then redrawn from the server's answer
    page.wait_for_selector(f"#shell-notices article.notice[data-notice='{third}']", state="detached")
    page.wait_for_selector("#shell-notices a:has-text('Thông báo đã xem (2)')")
    assert seen_rows(app) == sorted([(read_online, users["member"]), (read_offline, users["member"])])
    context.close()
