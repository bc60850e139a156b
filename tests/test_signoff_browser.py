"""The sign-off on a phone (360×640) in Debian's headless Chromium: the leader confirms the village's quarter,
the officer returns it with a reason, the leader confirms again, the officer approves, the province sees which
communes approved and reads the report. No page of the flow scrolls sideways. A screenshot of each step goes to
$SHOTS_DIR (default: the test's temporary folder)."""
import os
import shutil
import threading
from datetime import date
from pathlib import Path

import pytest

from tests.report_helpers import at, visit
from tests.test_browser import ARGS, CHROMIUM, TIMEOUT, browser, sign_in  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists() and os.environ.get("CI") != "true",
                       reason="Chromium is not installed (apt-get install chromium); CI=true runs it"),
]


@pytest.fixture
def live_q3(template_db, tmp_path):
    """A real server over a world made on 01/07/2026 with visits in August: Q3 2026 is closed today."""
    from werkzeug.serving import make_server

    from fieldapp import create_app
    from fieldapp.extensions import db
    from fieldapp.outreach.operations import SessionData, create_session
    from tests.conftest import PG_URL, _config
    from tests.factories import build_world

    path = tmp_path / "live.sqlite"
    if not PG_URL:
        shutil.copy(template_db, path)
    app = create_app(_config(f"sqlite:///{path}", WTF_CSRF_ENABLED=True, TESTING=False))
    with app.app_context():
        if PG_URL:
            from flask_migrate import upgrade
            upgrade()
        with at(date(2026, 7, 1)):
            w = build_world()
        u, h = w.users, w.households
        with at(date(2026, 8, 12)):
            visit(app, u["member"], h["h1"], date(2026, 8, 12), vneid=3, payment=2)
            visit(app, u["leader"], h["h2"], date(2026, 8, 12), vneid=2, skills5=1)
            visit(app, u["member2"], h["h3"], date(2026, 8, 12), vneid=1)
            create_session(u["member"], w.village1, SessionData(held_on=date(2026, 8, 12), kind="training",
                                                                topic="Hướng dẫn VNeID", attendees=24))
            db.session.commit()
        ids = {"village1": w.village1.id, "commune": w.commune.id, "province": w.province.id}
        phones = {k: v.phone for k, v in u.items()}
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", ids, phones
    finally:
        server.shutdown()
        with app.app_context():
            db.engine.dispose()


def test_sign_off_on_a_phone(live_q3, browser, tmp_path):  # noqa: F811
    base, ids, phones = live_q3
    shots = Path(os.environ.get("SHOTS_DIR") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 360, "height": 640}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    q3 = "q/2026-07-01"
    args = "period=quarter&year=2026&q=3"

    def shot(name: str) -> None:
        page.wait_for_load_state()  # a click may have started a navigation: measure the page it leads to
        page.wait_for_function("document.documentElement !== null && document.readyState === 'complete'")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{name}: the page scrolls sideways ({width}px)"
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)

    def switch(who: str) -> None:
        context.clear_cookies()
        sign_in(page, base, phones[who])

    switch("leader")
    page.goto(f"{base}/signoff/villages/{ids['village1']}")
    shot("01-leader-periods")
    page.click("text=Quý III năm 2026")
    assert "Chưa xác nhận" in page.inner_text("main")
    shot("02-leader-period")
    page.click("text=Xác nhận số liệu quý III năm 2026")
    assert "đang chờ xã duyệt" in page.inner_text("main")
    shot("03-leader-confirmed")

    switch("officer")
    page.goto(f"{base}/signoff/communes/{ids['commune']}?{args}")
    assert "Đã duyệt 0/2 thôn" in page.inner_text("main")
    shot("04-officer-villages")
    page.click("text=Thôn Vinh Thạnh 1")
    shot("05-officer-review")
    page.fill("textarea[name=reason]", "Hộ VT1-002: kiểm tra lại số người kích hoạt VNeID.")
    page.click("text=Trả lại để sửa")
    assert "Đã trả lại số liệu" in page.inner_text("main")
    shot("06-officer-returned")

    switch("leader")
    page.goto(f"{base}/signoff/villages/{ids['village1']}/{q3}")
    assert "Lý do trả lại: Hộ VT1-002" in page.inner_text("main")
    shot("07-leader-sees-reason")
    page.click("text=Xác nhận số liệu quý III năm 2026")

    switch("officer")
    page.goto(f"{base}/signoff/villages/{ids['village1']}/{q3}")
    page.click("button:has-text('Duyệt số liệu')")
    assert "Đã duyệt 1/2 thôn" in page.inner_text("main")
    shot("08-officer-approved")

    switch("province")
    page.goto(f"{base}/signoff/provinces/{ids['province']}?{args}")
    assert "Đã duyệt 1/2 thôn" in page.inner_text("main")
    shot("09-province-communes")
    page.goto(f"{base}/reports/{ids['commune']}?{args}")
    assert "Số liệu đã được duyệt: 1/2 thôn." in page.inner_text("main")
    shot("10-province-report")
    page.goto(f"{base}/reports/{ids['commune']}/document?{args}")
    assert "ỦY BAN NHÂN DÂN" in page.inner_text("main")
    shot("11-document")
    page.screenshot(path=str(shots / "11-document-first-screen.png"))
    context.close()
