"""Generated hostile input (Hypothesis) against every form and every API route: never a 5xx, a 4xx
says what is wrong in Vietnamese, and stored text comes back escaped.

Example counts come from the Hypothesis profile (tests/conftest.py: "ci" by default, "dev" for more).
"""
import json
import re
import uuid
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from fieldapp.extensions import db
from fieldapp.models import Service
from fieldapp.timeutil import utcnow
from tests.factories import PASSWORD

FIXTURES_OK = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

SPECIAL = [
    "", " ", "0", "-1", "-2147483649", "2147483648", "99999999999999999999999", "1e309", "NaN", "1.5", "３",
    "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "'; DROP TABLE visits; --", "' OR '1'='1",
    "\x00", "a\x00b", "\x1b[31m", "\x7f", "\u202eRTL", "\u200b\u200d\ufeff", "𝕏😀🇻🇳", "Nguyễn Văn Ấn",
    "x" * 5000, "%00", "../../etc/passwd", "{{7*7}}", "${7*7}", "\r\n\r\nInjected: 1",
]
# Form values travel as UTF-8: anything but lone surrogates (which cannot be encoded at all).
form_text = st.one_of(st.sampled_from(SPECIAL),
                      st.text(st.characters(exclude_categories=["Cs"]), max_size=300))
numbers = st.one_of(st.integers(), st.integers(-2**70, 2**70), st.floats(allow_nan=True, allow_infinity=True))
form_value = st.one_of(form_text, numbers.map(str))

VIETNAMESE = re.compile("[ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹđăâêôơưáàãéèíìóòõúùýĐ]", re.I)


def form_fields(html: str) -> list[str]:
    names = set(re.findall(r'name="([A-Za-z_][\w-]*)"', html)) - {"csrf_token"}
    return sorted(names)


def check_answer(response, what: str) -> None:
    status = response.status_code
    assert status < 500, f"{what}: {status}"
    if 400 <= status < 500:
        body = response.get_data(as_text=True)
        if response.is_json:
            message = response.json.get("error", "")
            assert message and VIETNAMESE.search(message), f"{what}: no Vietnamese message: {body[:200]}"
        else:
            assert VIETNAMESE.search(body), f"{what}: {status} without a Vietnamese message"
            assert 'class="error"' in body or "flash-error" in body or "<h1" in body, f"{what}: no message shown"


# (who signs in, page that shows the form, URL the form posts to)
def form_targets(w) -> list[tuple[str | None, str, str]]:
    h1, v1, commune = w.households["h1"], w.village1, w.commune
    team = w.team1
    targets = [
        (None, "/login", "/login"),
        ("0900000003", f"/villages/{v1.id}/households/new", f"/villages/{v1.id}/households/new"),
        ("0900000003", f"/households/{h1.id}/edit", f"/households/{h1.id}/edit"),
        ("0900000003", f"/households/{h1.id}/visits/new", f"/households/{h1.id}/visits/new"),
        ("0900000003", "/account/password", "/account/password"),
        ("0900000001", f"/areas/{commune.id}", f"/areas/{commune.id}/villages"),
        ("0900000001", f"/areas/{v1.id}/manage", f"/areas/{v1.id}/rename"),
        ("0900000001", f"/areas/{v1.id}/manage", f"/areas/{v1.id}/merge"),
        ("0900000001", f"/areas/{commune.id}/settings", f"/areas/{commune.id}/settings"),
        ("0900000001", f"/communes/{commune.id}/teams", f"/communes/{commune.id}/teams"),
        ("0900000000", "/admin/services", "/admin/services"),
        ("0900000000", "/admin/accounts", "/admin/accounts"),
        ("0900000002", f"/villages/{v1.id}/outreach/new", f"/villages/{v1.id}/outreach/new"),
    ]
    targets += [("0900000001", f"/teams/{team.id}", f"/teams/{team.id}/members"),
                    ("0900000001", f"/teams/{team.id}", f"/teams/{team.id}/leader"),
                    ("0900000002", f"/teams/{team.id}/invite", f"/teams/{team.id}/invite")]
    return targets


def test_every_form_survives_hostile_input(app, world, restore_services):
    from fieldapp.joining.operations import rotate_invite
    invite = rotate_invite(world.users["leader"], world.team1, utcnow())
    db.session.commit()
    join = f"/join/{invite.token}"  # the public sign-up form (and its limits: a 429 is an answer too)
    for phone, page, action in form_targets(world) + [(None, join, join)]:
        client = app.test_client()
        if phone:
            assert client.post("/login", data={"phone": phone, "password": PASSWORD}).status_code == 302
        shown = client.get(page)
        assert shown.status_code == 200, page
        names = form_fields(shown.get_data(as_text=True))
        assert names, f"no form fields on {page}"

        @FIXTURES_OK
        @given(data=st.fixed_dictionaries({}, optional={n: form_value for n in names}))
        def post(data):
            response = client.post(action, data=data)
            check_answer(response, f"POST {action} {data!r:.300}")
            db.session.rollback()

        post()


api_scalar = st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=200), st.sampled_from(SPECIAL))
api_json = st.recursive(api_scalar, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                             st.dictionaries(st.text(max_size=12), inner, max_size=4)),
                        max_leaves=12)


def visit_records(household_ids, service_codes):
    """Mostly well-formed visits with one or more hostile values."""
    good_time = (utcnow() - timedelta(minutes=5)).isoformat() + "Z"
    return st.fixed_dictionaries({
        "id": st.one_of(st.uuids().map(str), api_scalar),
        "household_id": st.one_of(st.sampled_from(household_ids), api_scalar),
        "visited_at": st.one_of(st.just(good_time), api_scalar),
        "outcome": st.one_of(st.sampled_from(["helped", "not_home", "declined", "revisit"]), api_scalar),
        "note": st.one_of(st.none(), st.text(max_size=600), st.sampled_from(SPECIAL)),
        "assists": st.one_of(st.lists(st.fixed_dictionaries({"service": st.one_of(st.sampled_from(service_codes), api_scalar),
                                                             "count": st.one_of(st.integers(0, 3), numbers, api_scalar)}),
                                      max_size=3), api_scalar),
    })


def household_records(village_ids):
    return st.fixed_dictionaries({
        "id": st.one_of(st.uuids().map(str), api_scalar),
        "village_id": st.one_of(st.sampled_from(village_ids), numbers, api_scalar),
        "code": st.one_of(st.text(min_size=1, max_size=40), api_scalar),
        "residents_total": st.one_of(st.integers(0, 10), numbers, api_scalar),
        "residents_14plus": st.one_of(st.integers(0, 10), numbers),
        "residents_18plus": st.one_of(st.integers(0, 10), numbers),
        "head_name": st.one_of(st.none(), st.text(max_size=200), st.sampled_from(SPECIAL)),
        "head_phone": st.one_of(st.none(), st.just("0912345678"), st.text(max_size=60), st.sampled_from(SPECIAL)),
        "consent": st.one_of(st.booleans(), api_scalar),
    })


@pytest.fixture
def member_client(app, world):
    client = app.test_client()
    assert client.post("/login", data={"phone": "0900000003", "password": PASSWORD}).status_code == 302
    return client


def _check_batch(response, what):
    check_answer(response, what)
    if response.status_code == 200:
        for result in response.json["results"]:
            assert result["status"] in ("created", "duplicate", "rejected")
            if result["status"] == "rejected":
                assert result["error"] and VIETNAMESE.search(result["error"]), result


def test_sync_batch_survives_hostile_records(app, world, member_client):
    households = [h.id for h in world.households.values()] + [str(uuid.uuid4())]
    codes = [s.code for s in db.session.scalars(db.select(Service))]
    villages = [world.village1.id, world.village2.id, world.village3.id]

    @FIXTURES_OK
    @given(body=st.one_of(
        st.fixed_dictionaries({"visits": st.lists(visit_records(households, codes), max_size=3),
                               "households": st.lists(household_records(villages), max_size=2)}),
        api_json))
    def send(body):
        response = member_client.post("/api/v1/visits/batch", json=body)
        _check_batch(response, f"batch {body!r:.300}")
        db.session.rollback()

    send()


def test_a_households_phone_that_is_no_phone_is_refused_not_a_500(app, world, member_client):
    """PostgreSQL refuses a 40-character value in the 15-character column: it was a 500 for the batch."""
    rec = {"id": str(uuid.uuid4()), "village_id": world.village1.id, "code": "P-1", "residents_total": 1,
           "residents_14plus": 1, "residents_18plus": 1, "head_phone": "1" * 40, "consent": True}
    [result] = member_client.post("/api/v1/visits/batch", json={"households": [rec]}).json["results"]
    assert result["status"] == "rejected" and "10 chữ số" in result["errors"]["head_phone"]
    rec.update(id=str(uuid.uuid4()), code="P-2", head_phone="+84 912 345 678")
    [result] = member_client.post("/api/v1/visits/batch", json={"households": [rec]}).json["results"]
    assert result["status"] == "created"
    from fieldapp.models import Household
    assert db.session.get(Household, rec["id"]).head_phone == "0912345678"


def test_sync_batch_refuses_broken_json_and_lone_surrogates(app, world, member_client):
    @FIXTURES_OK
    @given(raw=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode),
                         st.sampled_from([b"{", b'{"visits": [', b"\xff\xfe", b"null", b"[]", b'{"visits": 1}',
                                          b'{"visits": [{"id": "\\ud800"}]}'])))
    def send(raw):
        response = member_client.post("/api/v1/visits/batch", data=raw, content_type="application/json")
        _check_batch(response, f"raw {raw!r:.200}")
        db.session.rollback()

    send()
    h1 = world.households["h1"]
    surrogate = ('{"visits": [{"id": "%s", "household_id": "%s", "visited_at": "%s", "outcome": "helped", '
                 '"note": "a\\ud800b\\u0000c"}]}' % (uuid.uuid4(), h1.id, (utcnow() - timedelta(minutes=5)).isoformat() + "Z"))
    response = member_client.post("/api/v1/visits/batch", data=surrogate, content_type="application/json")
    assert response.status_code == 200
    [result] = response.json["results"]
    assert result["status"] == "rejected" and "ký tự điều khiển" in result["errors"]["note"]


def test_api_reads_survive_hostile_query_arguments(app, world, member_client):
    @FIXTURES_OK
    @given(village=form_value, since=form_value)
    def read(village, since):
        for path in ("/api/v1/households", "/api/v1/services", "/api/v1/session"):
            response = member_client.get(path, query_string={"village": village, "since": since})
            check_answer(response, f"GET {path} village={village!r:.100} since={since!r:.100}")
        db.session.rollback()

    read()


@pytest.mark.parametrize("path", ["/teams/99999999999", "/households/x/edit", "/areas/2147483648",
                                  "/villages/99999999999999999999/households"])
def test_ids_too_large_for_the_database_are_not_found(member_client, path):
    assert member_client.get(path).status_code == 404


def test_a_nul_byte_in_a_form_is_refused_in_vietnamese(world, member_client):
    v1 = world.village1
    response = member_client.post(f"/villages/{v1.id}/households/new", data={
        "code": "NUL-1", "residents_total": "3", "residents_14plus": "2", "residents_18plus": "2",
        "head_name": "An\x00"})
    assert response.status_code == 400
    assert "ký tự điều khiển" in response.get_data(as_text=True)


def test_stored_text_is_shown_escaped(app, world, member_client):
    script = "<script>alert(1)</script>"
    v1, h1 = world.village1, world.households["h1"]
    r = member_client.post(f"/villages/{v1.id}/households/new", data={
        "code": "XSS-1", "residents_total": "3", "residents_14plus": "2", "residents_18plus": "2",
        "head_name": script, "consent": "y"})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    household_page = member_client.get(r.headers["Location"]).get_data(as_text=True)
    r = member_client.post(f"/households/{h1.id}/visits/new", data={
        "outcome": "not_home", "note": script, "visited_at": ""})
    assert r.status_code in (302, 422)
    visit_page = member_client.get(f"/households/{h1.id}").get_data(as_text=True)
    village_page = member_client.get(f"/villages/{v1.id}/households").get_data(as_text=True)
    for page in (household_page, village_page) + ((visit_page,) if r.status_code == 302 else ()):
        assert script not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in household_page
    if r.status_code == 302:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in visit_page
    # And through the sync API: a note with markup is stored as text and shown escaped.
    body = {"visits": [{"id": str(uuid.uuid4()), "household_id": h1.id, "outcome": "not_home", "note": script,
                        "visited_at": (utcnow() - timedelta(minutes=3)).isoformat() + "Z", "assists": []}]}
    assert member_client.post("/api/v1/visits/batch", json=body).json["results"][0]["status"] == "created"
    page = member_client.get(f"/households/{h1.id}").get_data(as_text=True)
    assert script not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert json.loads(json.dumps(script)) == script


# --- Dates the app cannot use (issue 17.2): one rule in timeutil.py, a Vietnamese 4xx everywhere ---

EXTREME_DAYS = ["0001-01-01", "9999-12-31", "1899-12-31", "2100-01-01"]
EXTREME_TIMES = ["0001-01-01T00:00:00+07:00", "9999-12-31T23:59:59-12:00", "0001-01-01", "9999-12-31T23:59",
                 "1970-01-01T00:00:00Z", "2100-01-01T00:00:00+14:00"]
OUT_OF_RANGE = "nằm ngoài khoảng"


def _date_pages(w) -> list[tuple[str, str, tuple[str, ...]]]:
    c, v1 = w.commune.id, w.village1.id
    return [("0900000001", "/audit", ("from", "to")),
            ("0900000000", "/audit", ("from", "to")),
            ("0900000001", f"/dashboard/{c}", ("from", "to")),
            ("0900000001", f"/dashboard/{v1}", ("from", "to")),
            ("0900000001", f"/dashboard/{c}/visits", ("from", "to")),
            ("0900000001", f"/dashboard/{c}/anomalies", ("from", "to")),
            ("0900000001", f"/reports/{c}", ("from", "to")),
            ("0900000001", f"/reports/{c}.xlsx", ("from", "to")),
            ("0900000001", f"/reports/{c}.csv", ("from", "to")),
            ("0900000001", f"/api/v1/areas/{c}/tally", ("from", "to")),
            ("0900000001", "/exports/download", ("from", "to")),
            ("0900000002", "/exports/download", ("from", "to"))]


def test_extreme_dates_in_every_date_parameter_are_a_specific_vietnamese_400(app, world):
    problems = []
    for phone, path, names in _date_pages(world):
        client = app.test_client()
        assert client.post("/login", data={"phone": phone, "password": PASSWORD}).status_code == 302
        for day in EXTREME_DAYS:
            for name in names:
                for other in (None, "2026-01-01", day):
                    query = {name: day}
                    if other is not None:
                        query[next(n for n in names if n != name)] = other
                    if path == "/exports/download":
                        query.update(area=world.commune.id if phone == "0900000001" else world.village1.id,
                                     format="csv" if phone == "0900000002" else "xlsx")
                    response = client.get(path, query_string=query)
                    body = response.json["error"] if response.is_json else response.get_data(as_text=True)
                    if response.status_code != 400 or OUT_OF_RANGE not in body:
                        problems.append(f"{phone} {path} {query}: {response.status_code} {body[:120]!r}")
                    db.session.rollback()
    assert not problems, "\n".join(problems[:20])


def test_extreme_since_in_the_household_api_is_a_400(app, world, member_client):
    for since in EXTREME_TIMES:
        r = member_client.get("/api/v1/households", query_string={"village": world.village1.id, "since": since})
        assert r.status_code == 400, (since, r.status_code)
        assert OUT_OF_RANGE in r.json["error"], r.json


def test_a_batch_with_impossible_dates_rejects_those_records_and_stores_the_others(app, world, member_client):
    from fieldapp.models import Visit
    h1 = world.households["h1"]
    good = str(uuid.uuid4())
    now = (utcnow() - timedelta(minutes=5)).isoformat() + "Z"
    visits = [{"id": good, "household_id": h1.id, "visited_at": now, "outcome": "not_home"}]
    bad_ids = []
    for when in EXTREME_TIMES:
        bad_ids.append(str(uuid.uuid4()))
        visits.append({"id": bad_ids[-1], "household_id": h1.id, "visited_at": when, "outcome": "not_home"})
    new_household = {"id": str(uuid.uuid4()), "village_id": world.village1.id, "code": "DATE-1",
                     "residents_total": 2, "residents_14plus": 1, "residents_18plus": 1,
                     "created_at": "0001-01-01T00:00:00+07:00"}
    r = member_client.post("/api/v1/visits/batch", json={"households": [new_household], "visits": visits})
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    results = {x["id"]: x for x in r.json["results"]}
    assert results[good]["status"] == "created"
    assert results[new_household["id"]]["status"] == "rejected"
    assert OUT_OF_RANGE in results[new_household["id"]]["errors"]["created_at"]
    for vid in bad_ids:
        assert results[vid]["status"] == "rejected", results[vid]
        assert OUT_OF_RANGE in results[vid]["errors"]["visited_at"], results[vid]
    db.session.expire_all()
    assert db.session.get(Visit, good) is not None
    assert not any(db.session.get(Visit, vid) for vid in bad_ids)


def test_extreme_dates_in_forms_are_refused_with_the_form(app, world):
    w = world
    forms = [("0900000003", f"/households/{w.households['h1'].id}/visits/new",
              {"outcome": "not_home", "visited_at": "0001-01-01T00:00"}),
             ("0900000003", f"/households/{w.households['h1'].id}/visits/new",
              {"outcome": "not_home", "visited_at": "9999-12-31T23:59"}),
             ("0900000002", f"/villages/{w.village1.id}/outreach/new",
              {"held_on": "0001-01-01", "kind": "meeting", "topic": "Họp"}),
             ("0900000001", "/campaigns/new", {"name": "Đợt", "starts_on": "0001-01-01", "ends_on": "9999-12-31"}),
             ("0900000002", f"/teams/{w.team1.id}/invite", {"expires_on": "9999-12-31"})]
    from fieldapp.joining.operations import rotate_invite
    rotate_invite(w.users["leader"], w.team1, utcnow())
    db.session.commit()
    for phone, url, data in forms:
        client = app.test_client()
        assert client.post("/login", data={"phone": phone, "password": PASSWORD}).status_code == 302
        r = client.post(url, data=data)
        assert r.status_code == 422, (url, data, r.status_code)
        assert OUT_OF_RANGE in r.get_data(as_text=True), (url, data)
        db.session.rollback()


# --- The JSON API: a size limit and no 500 on deep nesting (issue 17.11) ---

def test_a_json_body_over_the_limit_is_refused_unread(app, world, member_client):
    from fieldapp.models import Visit
    h1 = world.households["h1"]
    vid = str(uuid.uuid4())
    body = {"visits": [{"id": vid, "household_id": h1.id, "outcome": "not_home",
                        "visited_at": (utcnow() - timedelta(minutes=5)).isoformat() + "Z",
                        "note": "x" * 100}], "padding": "x" * (3 * 1024 * 1024)}  # 60 MB were accepted
    r = member_client.post("/api/v1/visits/batch", json=body)
    assert r.status_code == 413 and r.is_json and VIETNAMESE.search(r.json["error"]), r.get_data()[:200]
    assert "MB" in r.json["error"]
    assert db.session.get(Visit, vid) is None
    # the largest batch a phone may send (200 visits, 500-character notes, every character \\u-escaped) fits
    from fieldapp.input_guard import API_MAX_BYTES
    note = "Nguyễn Thị Ánh hẹn chiều thứ Bảy ở nhà văn hoá " * 11
    visits = [{"id": str(uuid.uuid4()), "household_id": h1.id, "outcome": "not_home",
               "visited_at": (utcnow() - timedelta(minutes=5)).isoformat() + "Z", "note": note[:500],
               "assists": [{"service": "vneid", "count": 0}] * 1} for _ in range(200)]
    raw = json.dumps({"user_id": world.users["member"].id, "visits": visits, "households": []}, ensure_ascii=True)
    assert len(raw) < API_MAX_BYTES
    r = member_client.post("/api/v1/visits/batch", data=raw, content_type="application/json")
    assert r.status_code == 200 and {x["status"] for x in r.json["results"]} == {"created"}


@pytest.mark.parametrize("raw", ["[" * 100_000 + "]" * 100_000, '{"visits": ' + "[" * 50_000 + "]" * 50_000 + "}",
                                 '{"a":' * 30_000 + "1" + "}" * 30_000])
def test_deeply_nested_json_is_a_400_not_a_500(member_client, raw):
    r = member_client.post("/api/v1/visits/batch", data=raw, content_type="application/json")
    assert r.status_code == 400 and r.is_json
    assert "lồng nhau quá sâu" in r.json["error"]
