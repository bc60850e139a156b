"""The pages a member, leader, officer, province viewer and admin open send a bounded number of SQL
statements: as many with 3N households, visits, members and notices as with N. A relationship loaded
lazily inside a loop (a template reading `visit.household.village.name` on a list the query did not
load it for) adds statements per row, and these tests fail.

Each page is measured in a fresh session (as a production request is), after one request to warm it.
"""
import uuid
from datetime import timedelta

import pytest

from fieldapp.areas.operations import create_village
from fieldapp.extensions import db
from fieldapp.models import Area, Household, Role, Team, User
from fieldapp.notices.operations import NoticeData, post_notice
from fieldapp.badges.operations import issue_badge
from fieldapp.teams.operations import create_account, create_team
from fieldapp.timeutil import utcnow
from fieldapp.visits.operations import VisitData, delete_visit, log_visit
from tests.factories import PASSWORD, household
from tests.test_dashboards import count_queries  # noqa: F401  (the fixture)

PHONES = {"member": "0900000003", "leader": "0900000002", "officer": "0900000001",
          "province": "0900000012", "admin": "0900000000"}
CEILING = 40  # no page needs more, whatever the size of the database


def pages(role: str, ids: dict) -> list[str]:
    """The list pages of a role (GET, answered 200)."""
    v1, c, p, t1, h1 = ids["village1"], ids["commune"], ids["province"], ids["team1"], ids["h1"]
    day = utcnow().date()
    span = f"from={(day - timedelta(days=60)).isoformat()}&to={day.isoformat()}"
    team_side = [
        "/visits/mine", f"/villages/{v1}", f"/villages/{v1}?page=1&sort=code", f"/households/{h1}",
        f"/teams/{t1}", "/notices", f"/leaderboard/{v1}", f"/outreach/{v1}",
        f"/api/v1/households?village={v1}", "/api/v1/notices", "/api/v1/session", "/api/v1/services",
        f"/api/v1/leaderboard?area_id={v1}", "/campaigns",
    ]
    if role == "member":
        return team_side + ["/me/results", f"/teams/{t1}/members/{ids['user_member']}/badge", f"/villages/{v1}/walk-sheet",
                            f"/villages/{v1}/deleted"]
    if role == "leader":
        return team_side + [
            "/visits/team", f"/teams/{t1}/members", f"/teams/{t1}/badges", f"/villages/{v1}/stickers",
            f"/villages/{v1}/walk-sheet", f"/villages/{v1}/deleted", f"/villages/{v1}/paper",
            f"/villages/{v1}/assign", f"/dashboard/{v1}", f"/dashboard/{v1}/visits",
            f"/dashboard/{v1}/households?status=visited", f"/signoff/villages/{v1}", "/exports",
            f"/exports/download?area={v1}&{span}&format=csv", f"/api/v1/areas/{v1}/tally",
        ]
    if role == "officer":
        return [
            f"/dashboard/{c}", f"/dashboard/{c}/visits", f"/dashboard/{c}/visits?service=vneid",
            f"/dashboard/{c}/households?status=unvisited", f"/dashboard/{c}/households?status=visited",
            f"/dashboard/{c}/anomalies", f"/dashboard/{v1}", f"/communes/{c}/teams", f"/teams/{t1}",
            f"/teams/{t1}/members", f"/teams/{t1}/badges", f"/villages/{v1}", f"/households/{h1}",
            f"/communes/{c}/notices", f"/areas/{c}", f"/leaderboard/{c}?period=month", "/audit",
            "/audit?type=visit", "/exports", f"/exports/download?area={c}&{span}&format=csv",
            f"/exports/download?area={c}&{span}&format=xlsx", f"/reports/{c}", f"/signoff/communes/{c}",
            f"/api/v1/areas/{c}/tally", f"/api/v1/leaderboard?area_id={c}", f"/api/v1/households?village={v1}",
            "/campaigns", "/visits/mine",
        ]
    if role == "province":
        return [f"/dashboard/{p}", f"/dashboard/{c}", f"/dashboard/{c}/visits", f"/leaderboard/{p}",
                f"/reports/{c}", f"/signoff/communes/{c}", f"/signoff/provinces/{p}", f"/communes/{c}/teams",
                f"/villages/{v1}", f"/households/{h1}", f"/api/v1/areas/{p}/tally", "/campaigns"]
    assert role == "admin"
    return ["/admin/accounts", "/admin/services", "/admin/integrations", "/areas", "/audit",
            "/audit?type=household", f"/dashboard/{p}", f"/dashboard/{c}/visits", f"/communes/{c}/teams",
            f"/teams/{t1}/members", f"/villages/{v1}", f"/households/{h1}", f"/reports/{c}",
            f"/exports/download?area={c}&{span}&format=csv"]


def _ids(world) -> dict:
    ids = {name: getattr(world, name).id for name in ("province", "commune", "village1", "village2", "team1",
                                                        "team2")}
    ids.update({f"user_{name}": u.id for name, u in world.users.items()})
    ids["h1"] = world.households["h1"].id
    ids["grown"] = 0
    return ids


def grow(ids: dict, n: int) -> None:
    """n more of each thing the list pages list: households in both villages of the commune with a visit
    each (helped, two services; by two members), a deleted visit, a member of team 1 with a badge and a visit
    of their own, a notice,
    a village of the commune with a team and a member who visited one of its households."""
    get = db.session.get
    leader, member, member2, officer = (get(User, ids[f"user_{k}"]) for k in ("leader", "member", "member2", "officer"))
    v1, v2, team1 = get(Area, ids["village1"]), get(Area, ids["village2"]), get(Team, ids["team1"])
    for _ in range(n):
        k = ids["grown"] = ids["grown"] + 1
        at = utcnow() - timedelta(days=k % 20 + 1)
        for actor, village in ((member, v1), (leader, v1), (member2, v2)):
            h = household(actor, village, f"G{k}-{actor.id}", head_name=f"Chủ hộ {k}", consent=True)
            h.created_at = utcnow() - timedelta(days=40)
            db.session.flush()
            visit = log_visit(actor, h, VisitData("helped", at, note=f"Ghi chú {k}", counts={"vneid": 1, "vssid": 1}))
        delete_visit(member2, visit)  # the last one: the deleted lists grow too
        joined = create_account(leader, phone=f"09710{k:05d}", name=f"Thành viên {k}", password=PASSWORD,
                                role=Role.MEMBER, team=team1)
        issue_badge(leader, joined, utcnow())
        h = household(joined, v1, f"J{k}", head_name=f"Chủ hộ mới {k}", consent=True)
        h.created_at = utcnow() - timedelta(days=40)
        log_visit(joined, h, VisitData("not_home", at))  # lists with more rows of more members
        post_notice(officer, get(Area, ids["commune"]), NoticeData(title=f"Thông báo {k}", body="Nội dung"))
        village = create_village(officer, get(Area, ids["commune"]), f"Thôn thêm {k}")
        team = create_team(officer, village, f"Tổ thêm {k}")
        newcomer = create_account(officer, phone=f"09720{k:05d}", name=f"Tổ viên {k}", password=PASSWORD,
                                  role=Role.MEMBER, team=team)
        h = household(newcomer, village, f"T{k}", head_name=f"Chủ hộ thêm {k}", consent=True)
        h.created_at = utcnow() - timedelta(days=40)
        log_visit(newcomer, h, VisitData("helped", at, counts={"vneid": 1}))
    db.session.commit()


def measure(client, count_queries, url: str, method: str = "GET", **kw) -> int:
    client.open(url, method=method, **kw)  # warm: the first request of a session may set it up
    db.session.remove()  # the request starts from an empty session, as in production
    count_queries.n = 0
    r = client.open(url, method=method, **kw)
    assert r.status_code == 200, (url, r.status_code)
    db.session.remove()
    return count_queries.n


@pytest.mark.parametrize("role", PHONES)
def test_list_pages_send_as_many_statements_at_3n_rows_as_at_n(app, client, world, auth, count_queries, role):
    ids = _ids(world)
    for h in db.session.scalars(db.select(Household)):
        h.created_at = utcnow() - timedelta(days=40)
    db.session.commit()
    grow(ids, 2)
    auth.login(PHONES[role])
    urls = pages(role, ids)
    small = {url: measure(client, count_queries, url) for url in urls}
    grow(ids, 4)
    large = {url: measure(client, count_queries, url) for url in urls}
    grew = {url: (small[url], large[url]) for url in urls if large[url] != small[url]}
    assert not grew, f"statements at N and 3N rows: {grew}"
    over = {url: n for url, n in small.items() if n > CEILING}
    assert not over, over


def test_a_sync_batch_sends_as_many_statements_for_3n_visits_as_for_n(app, client, world, auth, count_queries):
    ids = _ids(world)
    member, v1 = db.session.get(User, ids["user_member"]), db.session.get(Area, ids["village1"])
    targets = []
    for k in range(12):
        h = household(member, v1, f"B-{k:03d}", head_name=f"Chủ hộ {k}", consent=True)
        h.created_at = utcnow() - timedelta(days=40)
        targets.append(h.id)
    db.session.commit()
    auth.login(PHONES["member"])

    def batch(households) -> dict:
        at = (utcnow() - timedelta(minutes=5)).isoformat() + "Z"
        return {"visits": [{"id": str(uuid.uuid4()), "household_id": hid, "visited_at": at, "outcome": "helped",
                            "note": "Ghi chú", "assists": [{"service": "vneid", "count": 1},
                                                           {"service": "vssid", "count": 1}]}
                           for hid in households]}

    def post(body) -> int:
        db.session.remove()
        count_queries.n = 0
        r = client.post("/api/v1/visits/batch", json=body)
        assert r.status_code == 200, r.text
        assert {x["status"] for x in r.get_json()["results"]} == {"created"}, r.text
        db.session.remove()
        return count_queries.n

    post(batch(targets[:1]))  # warm
    small, large = post(batch(targets[1:4])), post(batch(targets[4:13]))
    assert small == large, (small, large)
    assert small <= CEILING

