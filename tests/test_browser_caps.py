"""The offline visit form counts what is left from the server's catalogue (eligible_from), not from a
mapping of its own: in a real browser, the steppers of a cached household stop at its eligible residents,
and move when the server's rule moves."""
from tests.test_browser import TIMEOUT, browser, live, pytestmark, sign_in, wait_badge  # noqa: F401

pytestmark = pytestmark


def test_the_offline_form_takes_each_cap_from_the_server(live, browser, monkeypatch):  # noqa: F811
    from fieldapp.models import Eligibility
    base, _app, _users, _village = live
    # As if the rule changed on the server: VNeID counted among the adults. The phone must follow.
    monkeypatch.setitem(Eligibility.COUNTED_IN, Eligibility.AGE14, "residents_18plus")
    page = browser.new_context().new_page()
    page.set_default_timeout(TIMEOUT)
    sign_in(page, base, "0900000003")
    page.goto(f"{base}/app")
    wait_badge(page, "Gửi thành công")  # the first sync cached the catalogue and the households
    page.click("a.household-link:has-text('VT1-001')")  # 4 residents, 3 aged 14+, 2 aged 18+
    page.wait_for_selector("form.visit-form")
    expected = {"vneid": ("2", "còn 2"), "payment": ("2", "còn 2"), "ehealth": ("4", "còn 4"),
                "skills5": ("1", "còn 1"), "dvc": ("4", None)}  # dossiers: one per resident, no lifetime cap
    for code, (most, label) in expected.items():
        assert page.locator(f"#svc_{code}").get_attribute("max") == most, code
        left = page.locator(f"label[for=svc_{code}] small.left")
        assert (left.text_content() if left.count() else None) == label, code
