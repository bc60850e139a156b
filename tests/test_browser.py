"""The offline loop in a real browser: Debian's headless Chromium driven by Playwright.

A real server (werkzeug, in a thread) on a migrated SQLite copy, CSRF on. Skipped only when
Chromium is absent and we are not on CI (CI=true must run it).
"""
import os
import shutil
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists() and os.environ.get("CI") != "true",
                       reason="Chromium is not installed (apt-get install chromium); CI=true runs it"),
]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
TIMEOUT = 15_000


@pytest.fixture
def live(template_db, tmp_path):
    """(base url, app, world) with a real server on a free port."""
    from werkzeug.serving import make_server

    from fieldapp import create_app
    from fieldapp.extensions import db
    from tests.conftest import PG_URL, _config
    from tests.factories import build_world

    path = tmp_path / "live.sqlite"  # its own SQLite file, even when the suite runs on PostgreSQL
    if not PG_URL:
        shutil.copy(template_db, path)
    app = create_app(_config(f"sqlite:///{path}", WTF_CSRF_ENABLED=True, TESTING=False))
    with app.app_context():
        if PG_URL:
            from flask_migrate import upgrade
            upgrade()
        world = build_world()
        ids = {k: u.id for k, u in world.users.items()}
        village = world.village1.id
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app, ids, village
    finally:
        server.shutdown()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        # A phone in Vietnam: its clock's days are the server's (UTC+7), whatever this machine's zone (between
        # 17:00 and 24:00 UTC the two disagree on the day, and the PWA's "due today" with them).
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, env={**os.environ, "TZ": "Asia/Ho_Chi_Minh"})
        yield b
        b.close()


def server_visits(app):
    from fieldapp.extensions import db
    from fieldapp.models import Visit
    with app.app_context():
        rows = db.session.scalars(select(Visit).order_by(Visit.received_at)).all()
        out = [(v.household.code, v.outcome, v.member_id, {a.service.code: a.count for a in v.assists})
               for v in rows]
        db.session.remove()
        return out


def sign_in(page, base, phone):
    page.goto(f"{base}/login")
    page.fill("#phone", phone)
    page.fill("#password", "secret-pass-1")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def sign_out(page, base):
    page.goto(f"{base}/")
    page.click("form[action$='/logout'] button[type=submit]")
    page.wait_for_url("**/login**")


def badge(page) -> str:
    return page.locator("#sync-badge").text_content() or ""


def wait_badge(page, text):
    page.wait_for_function("t => (document.getElementById('sync-badge') || {}).textContent.includes(t)",
                           arg=text, timeout=TIMEOUT)


def log_visit(page, code, outcome, counts=None, when=None):
    page.goto(page.url.split("#")[0] + "#")
    page.click(f"a.household-link:has-text('{code}')")
    page.wait_for_selector("form.visit-form")
    page.check(f"input[name=outcome][value={outcome}]")
    for service, n in (counts or {}).items():
        page.fill(f"#svc_{service}", str(n))
    if when:
        page.fill("#visited_at", when)
    page.click("form.visit-form button[type=submit]")
    page.wait_for_selector("text=Đã lưu trên máy")


def test_offline_visits_reach_the_server_exactly_once(live, browser):
    base, app, users, village = live
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.on("pageerror", lambda e: print("page error:", e))
    page.on("console", lambda m: print("console:", m.text))

    sign_in(page, base, "0900000003")
    assert f"/villages/{village}" in page.url
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("() => !!navigator.serviceWorker.controller"):
        page.reload()  # the worker activated between two pages: the next load is controlled
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    wait_badge(page, "Gửi thành công")  # first sync filled the household cache

    context.set_offline(True)
    page.reload()  # no network: the cached shell answers, with the cached households
    page.wait_for_selector("a.household-link:has-text('VT1-001')")
    assert page.locator("#who").text_content() == "Nguyễn Văn Ba"

    log_visit(page, "VT1-001", "helped", {"vneid": 2})
    log_visit(page, "VT1-002", "not_home")
    page.goto(page.url.split("#")[0] + "#new")
    page.fill("#code", "VT1-100")
    page.fill("#residents_total", "3")
    page.fill("#residents_14plus", "2")
    page.fill("#residents_18plus", "2")
    page.click("form button[type=submit]")
    page.wait_for_selector("form.visit-form")  # straight on to its first visit
    page.check("input[name=outcome][value=helped]")
    page.fill("#svc_ehealth", "3")
    page.click("form.visit-form button[type=submit]")
    page.wait_for_selector("text=Đã lưu trên máy")
    wait_badge(page, "3 lượt thăm chờ gửi")
    assert "1 hộ mới chờ gửi" in badge(page)
    assert server_visits(app) == []

    context.set_offline(False)  # "online": the outbox drains
    wait_badge(page, "Đã gửi hết")
    expected = sorted([("VT1-001", "helped", users["member"], {"vneid": 2}),
                       ("VT1-002", "not_home", users["member"], {}),
                       ("VT1-100", "helped", users["member"], {"ehealth": 3})])
    assert sorted(server_visits(app)) == expected
    page.evaluate("() => FieldApp.run()")  # a later drain sends nothing again
    page.reload()
    wait_badge(page, "Đã gửi hết")
    assert sorted(server_visits(app)) == expected

    # A record the server refuses stays on the phone with the server's reason.
    page.goto(f"{base}/app")
    tomorrow = page.evaluate("() => new Date(Date.now() + 86400000).toISOString().slice(0, 16)")
    log_visit(page, "VT1-002", "revisit", when=tomorrow)
    wait_badge(page, "1 bản ghi bị từ chối")
    page.goto(page.url.split("#")[0] + "#outbox")
    assert "tương lai" in page.locator("li.outbox-item.rejected").text_content()
    # And one that has not been sent yet (the batch endpoint is unreachable for now).
    context.route("**/api/v1/visits/batch", lambda route: route.abort())
    log_visit(page, "VT1-001", "declined")
    wait_badge(page, "1 lượt thăm chờ gửi")

    # Another member signs in on the same phone: none of those records are theirs.
    sign_out(page, base)
    sign_in(page, base, "0900000002")
    context.unroute("**/api/v1/visits/batch")
    page.goto(f"{base}/app#outbox")
    page.wait_for_function("() => document.getElementById('who').textContent === 'Tổ trưởng Một'")
    wait_badge(page, "Gửi thành công")
    assert "Đã gửi hết" in badge(page)
    assert page.locator("li.outbox-item").count() == 0
    page.evaluate("() => FieldApp.run()")
    assert sorted(server_visits(app)) == expected

    # The first member comes back: their waiting visit goes, the refused one waits to be fixed.
    sign_out(page, base)
    sign_in(page, base, "0900000003")
    page.goto(f"{base}/app#outbox")
    page.wait_for_function("() => document.getElementById('who').textContent === 'Nguyễn Văn Ba'")
    wait_badge(page, "Đã gửi hết")
    visits = server_visits(app)
    assert len(visits) == 4 and visits[-1][:3] == ("VT1-001", "declined", users["member"])
    assert page.locator("li.outbox-item.rejected").count() == 1
    context.close()


def test_the_server_visit_form_goes_through_the_outbox(live, browser):
    base, app, users, village = live
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.on("pageerror", lambda e: print("page error:", e))
    posts = []  # what the page sends; the outbox's status check runs on its own clock, so it is left out

    def sent(request):
        path = request.url.replace(base, "")
        if request.method == "POST" and path != "/api/v1/sync/status":
            posts.append(path)

    page.on("request", sent)
    sign_in(page, base, "0900000003")
    page.click("text=VT1-001")
    household_url = page.url
    page.click("text=Ghi lượt thăm")
    page.wait_for_selector("form.visit-form")
    wait_badge(page, "Gửi thành công")

    # Refused by the server: the record leaves the outbox and the form shows the server's message.
    page.check("input[name=outcome][value=helped]")
    page.click("form.visit-form button[type=submit]")
    page.wait_for_selector("text=Hãy ghi ít nhất một dịch vụ đã hỗ trợ")
    assert server_visits(app) == []
    form_url = household_url.replace(base, "") + "/visits/new"
    assert posts[-2:] == ["/api/v1/visits/batch", form_url]  # outbox first, then the plain form

    page.fill("#svc_vneid", "1")
    page.click("form.visit-form button[type=submit]")
    page.wait_for_url(household_url)
    assert server_visits(app) == [("VT1-001", "helped", users["member"], {"vneid": 1})]
    assert posts[-1] == "/api/v1/visits/batch" and posts.count(form_url) == 1
    wait_badge(page, "Đã gửi hết")
    assert page.evaluate("() => FieldApp.run().then(r => r.state)") == "ok"
    assert len(server_visits(app)) == 1
    context.close()


def test_without_javascript_the_forms_still_work(live, browser):
    base, app, users, village = live
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    sign_in(page, base, "0900000003")
    page.click("text=VT1-002")
    page.click("text=Ghi lượt thăm")
    page.check("input[name=outcome][value=not_home]")
    page.click("form.visit-form button[type=submit]")
    page.wait_for_selector("text=Đã lưu lượt thăm")
    assert server_visits(app) == [("VT1-002", "not_home", users["member"], {})]
    context.close()


def test_an_expired_session_keeps_the_outbox(live, browser):
    base, app, users, village = live
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.on("pageerror", lambda e: print("page error:", e))
    sign_in(page, base, "0900000003")
    page.goto(f"{base}/app")
    wait_badge(page, "Gửi thành công")
    context.clear_cookies()  # the session expired while the member was in the village
    log_visit(page, "VT1-002", "revisit")
    wait_badge(page, "Đăng nhập lại")
    assert "1 lượt thăm chờ gửi" in badge(page)
    assert server_visits(app) == []
    page.click("#sync-badge a:has-text('Đăng nhập')")
    page.fill("#phone", "0900000003")
    page.fill("#password", "secret-pass-1")
    page.click("button[type=submit]")
    page.wait_for_url("**/app")
    wait_badge(page, "Đã gửi hết")
    assert server_visits(app) == [("VT1-002", "revisit", users["member"], {})]
    context.close()
