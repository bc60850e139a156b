"""Read-only JSON: an area's tallies (as the dashboard computes them) and the leaderboards (as the boards)."""
from datetime import datetime, time, timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from fieldapp.leaderboards import queries as boards
from fieldapp.leaderboards.queries import period_for
from fieldapp.extensions import db
from fieldapp.services.queries import active_services
from fieldapp.counting import today
from fieldapp.tallies.queries import area_tallies, children
from fieldapp.timeutil import from_local, utcnow
from fieldapp.visits.operations import VisitData, log_visit
from tests.conftest import csrf_from
from tests.factories import PASSWORD
from tests.test_schemathesis import CHECKS

OFFICER, OTHER_OFFICER, PROVINCE, LEADER, MEMBER, ADMIN = (
    "0900000001", "0900000011", "0900000012", "0900000002", "0900000003", "0900000000")


def _visit(world, key, member, counts, at=None, outcome="helped"):
    log_visit(world.users[member], world.households[key],
              VisitData(outcome=outcome, visited_at=at or utcnow(), counts=counts))
    db.session.commit()


@pytest.fixture
def figures(world):
    """Last week team 2 led; this week team 1 does. Every household existed before."""
    for h in world.households.values():
        h.created_at = utcnow() - timedelta(days=30)
    db.session.commit()
    last_week = from_local(datetime.combine(today() - timedelta(days=7), time(12)))  # always in the previous week
    _visit(world, "h3", "member2", {"vneid": 1}, at=last_week)
    _visit(world, "h1", "member", {"vneid": 3, "ehealth": 2})
    _visit(world, "h2", "member", {}, outcome="not_home")
    _visit(world, "h4", "member3", {"vneid": 1})
    return world


def tally_url(area, **args):
    q = "&".join(f"{k}={v}" for k, v in args.items())
    return f"/api/v1/areas/{area.id}/tally" + (f"?{q}" if q else "")


def expect_tally(t, services) -> dict:
    return {"households": t.households, "visited": t.visited, "reached": t.reached, "visits": t.visits,
            "outcomes": t.outcomes,
            "services": {s.code: (t.services[s.id].people, t.services[s.id].people_ever, t.services[s.id].eligible,
                                  t.services[s.id].in_campaign) for s in services}}


def got_tally(j) -> dict:
    return {**{k: j[k] for k in ("households", "visited", "reached", "visits", "outcomes")},
            "services": {s["code"]: (s["helped"], s["helped_ever"], s["eligible"],
                                     s["campaign"] and s["campaign"]["helped"]) for s in j["services"]}}


def test_tally_equals_the_dashboard_figures(client, auth, figures):
    w = figures
    auth.login(OFFICER)
    start, end = today() - timedelta(days=2), today()
    r = client.get(tally_url(w.commune, **{"from": start.isoformat(), "to": end.isoformat()}))
    assert r.status_code == 200, r.json
    j = r.json
    services = active_services()
    kids = children(w.commune)
    expected = area_tallies([w.commune, *kids], start, end, services)
    assert j["area"] == {"id": w.commune.id, "name": "Xã Tuy Phước", "level": "commune", "parent_id": w.province.id}
    assert (j["from"], j["to"]) == (start.isoformat(), end.isoformat())
    assert got_tally(j["tally"]) == expect_tally(expected[w.commune.id], services)
    assert [c["area"]["id"] for c in j["children"]] == [k.id for k in kids]
    for c in j["children"]:
        assert got_tally(c["tally"]) == expect_tally(expected[c["area"]["id"]], services)
    # and the figures themselves, traceable to the visits: two this range (h1, h2), h3's was last week
    assert j["tally"]["visits"] == 2 and j["tally"]["visited"] == 3 and j["tally"]["households"] == 3
    vneid = next(s for s in j["tally"]["services"] if s["code"] == "vneid")
    assert (vneid["helped"], vneid["helped_ever"], vneid["eligible"]) == (3, 4, 8)
    assert vneid["coverage"] == 0.5
    # the dashboard page shows the same numbers
    page = client.get(f"/dashboard/{w.commune.id}?from={start.isoformat()}&to={end.isoformat()}")
    assert page.status_code == 200


def test_tally_of_a_province_has_its_communes(client, auth, figures):
    auth.login(PROVINCE)
    j = client.get(tally_url(figures.province)).json
    assert {c["area"]["name"] for c in j["children"]} == {"Xã Tuy Phước", "Xã Tuy Phước Đông"}
    assert j["tally"]["visited"] == 4
    assert (j["from"], j["to"]) == ((today() - timedelta(days=29)).isoformat(), today().isoformat())


def test_tally_scope_and_rights(client, auth, figures):
    w = figures
    assert client.get(tally_url(w.village1)).status_code == 401
    assert client.get(tally_url(w.village1)).json["error"]
    auth.login(MEMBER)
    assert client.get(tally_url(w.village1)).status_code == 403  # members have no dashboard
    assert client.get(tally_url(w.village2)).status_code == 404
    auth.logout()
    auth.login(LEADER)
    assert client.get(tally_url(w.village1)).status_code == 200
    assert client.get(tally_url(w.commune)).status_code == 404
    auth.logout()
    auth.login(OFFICER)
    r = client.get(tally_url(w.other_commune))
    assert r.status_code == 404 and r.json["error"]
    assert client.get(tally_url(w.province)).status_code == 404
    assert client.get("/api/v1/areas/999999/tally").status_code == 404


@pytest.mark.parametrize("args, message", [
    ({"from": "2026-02-30"}, "Ngày không hợp lệ"),
    ({"to": "ngày mai"}, "Ngày không hợp lệ"),
    ({"from": "2026-03-02", "to": "2026-03-01"}, "Ngày bắt đầu phải trước ngày kết thúc"),
    ({"from": "2024-01-01", "to": "2025-06-01"}, "tối đa 366 ngày"),
    ({"to": "0001-01-05"}, "Ngày không hợp lệ"),
])
def test_tally_bad_dates_are_400_json(client, auth, world, args, message):
    auth.login(OFFICER)
    r = client.get(tally_url(world.commune, **args))
    assert r.status_code == 400 and r.is_json and message in r.json["error"]


def test_leaderboard_order_equals_the_team_board(client, auth, figures):
    w = figures
    auth.login(OFFICER)
    r = client.get(f"/api/v1/leaderboard?area_id={w.commune.id}&period=week")
    assert r.status_code == 200, r.json
    (board,) = r.json["boards"]
    assert board["kind"] == "teams"
    period = period_for("week")
    expected = boards.board("teams", w.commune, period.start, period.end,
                            previous=(period.previous.start, period.previous.end), unit="w")
    assert [row["id"] for row in board["rows"]] == [row.key for row in expected]
    assert [row["rank"] for row in board["rows"]] == [1, 2]
    first, second = board["rows"]
    assert first["id"] == w.team1.id and first["previous_rank"] == 2 and first["rank_change"] == 1
    assert first["move"] == "up" and second["move"] == "down" and second["rank_change"] == -1
    assert first["points"] == expected[0].points and first["percent_of_target"] == round(100 * expected[0].score, 2)
    assert first["people"]["vneid"] == 3
    assert r.json["period"]["from"] == period.start.isoformat()
    assert r.json["period"]["previous_to"] == period.previous.end.isoformat()


def test_leaderboard_for_a_village_and_a_province(client, auth, figures):
    w = figures
    auth.login(MEMBER)
    j = client.get(f"/api/v1/leaderboard?area_id={w.village1.id}&period=month").json
    (board,) = j["boards"]
    assert board["kind"] == "members" and board["rows"][0]["name"] == "Nguyễn Văn Ba"
    assert board["rows"][0]["streak"] >= 1
    auth.logout()
    auth.login(PROVINCE)
    j = client.get(f"/api/v1/leaderboard?area_id={w.province.id}&period=quarter").json
    assert j["boards"][0]["kind"] == "communes" and len(j["boards"][0]["rows"]) == 2


def test_leaderboard_of_a_campaign(client, auth, figures):
    from fieldapp.campaigns.operations import CampaignData, create_campaign
    from fieldapp.models import Service
    w = figures
    vneid = db.session.query(Service).filter_by(code="vneid").one()
    campaign = create_campaign(w.users["officer"], w.commune, CampaignData(
        name="Đợt VNeID", starts_on=today() - timedelta(days=10), ends_on=today() + timedelta(days=5),
        points={vneid.id: 2}))
    db.session.commit()
    auth.login(OFFICER)
    j = client.get(f"/api/v1/leaderboard?area_id={w.commune.id}&campaign_id={campaign.id}").json
    assert j["campaign"]["name"] == "Đợt VNeID" and j["period"]["key"] == "campaign"
    teams = next(b for b in j["boards"] if b["kind"] == "teams")
    assert [r["points"] for r in teams["rows"]] == [6, 2]  # team 1: 3 × 2 points, team 2: 1 × 2
    auth.logout()
    auth.login(OTHER_OFFICER)
    r = client.get(f"/api/v1/leaderboard?area_id={w.other_commune.id}&campaign_id={campaign.id}")
    assert r.status_code == 404


def test_leaderboard_bad_parameters_and_scope(client, auth, world):
    assert client.get(f"/api/v1/leaderboard?area_id={world.commune.id}").status_code == 401
    auth.login(OFFICER)
    for query, message in [("", "area_id"), ("area_id=abc", "area_id"), ("area_id=99999999999", "area_id"),
                           (f"area_id={world.commune.id}&period=year", "Kỳ xếp hạng"),
                           (f"area_id={world.commune.id}&campaign_id=x", "campaign_id")]:
        r = client.get(f"/api/v1/leaderboard?{query}")
        assert r.status_code == 400 and message in r.json["error"], query
    assert client.get(f"/api/v1/leaderboard?area_id={world.other_commune.id}").status_code == 404
    assert client.get(f"/api/v1/leaderboard?area_id={world.commune.id}&campaign_id=424242").status_code == 404


def test_openapi_lists_the_read_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "/areas/{area_id}/tally" in paths and "/leaderboard" in paths
    assert "200" in paths["/leaderboard"]["get"]["responses"]


@pytest.fixture
def officer_session(make_app):
    from tests.factories import build_world
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        world = build_world()
        client = app.test_client()
        token = csrf_from(client.get("/login").get_data(as_text=True))
        r = client.post("/login", data={"phone": OFFICER, "password": PASSWORD, "csrf_token": token})
        assert r.status_code == 302
        cookies = {"session": client.get_cookie("session").value}
        yield app, world, cookies, {"Accept-Encoding": "identity"}


def test_read_endpoints_conform_to_the_description_for_an_officer(officer_session):
    """The member's fuzzing (test_schemathesis) mostly meets 403/404 here; an officer gets the 200 answers."""
    app, world, cookies, headers = officer_session
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [r.ok() for r in schema.get_all_operations()]
    operations = [op for op in operations if op.path in ("/areas/{area_id}/tally", "/leaderboard")]
    assert len(operations) == 2
    in_scope = [world.commune.id, world.village1.id]
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @settings(max_examples=20, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case):
                if isinstance(case.path_parameters, dict) and isinstance(case.path_parameters.get("area_id"), int):
                    case.path_parameters["area_id"] = in_scope[case.path_parameters["area_id"] % 2]
                if isinstance(case.query, dict) and isinstance(case.query.get("area_id"), int):
                    case.query["area_id"] = in_scope[case.query["area_id"] % 2]
                case.call_and_validate(headers=headers, cookies=cookies, checks=CHECKS)

            check()
