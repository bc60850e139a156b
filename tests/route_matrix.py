"""The access matrix: every route of app.url_map, for every role, against objects inside and outside
the role's scope.

- `REGISTRY` maps each endpoint to a `Route`: which kind of object fills its URL and what each role
  gets for an object inside its scope: OK, 403 (missing rights) or 404. Outside the scope it is always
  404; anonymous is a redirect to /login (HTML) or 401 (/api/...), unless the route is public.
- `missing_entries(app)` lists endpoints without an entry (and entries without an endpoint): a new
  route must say who may use it before the suite passes.
- Objects for requests that change data are made fresh for each request, so one request's write
  (a delete, an erasure, a sign-out) cannot change what the next one sees.

To cover a new feature: add its endpoints to REGISTRY; a new URL parameter kind goes in `KINDS`.
"""
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import count

from fieldapp.access import can_view_area
from fieldapp.extensions import db
from fieldapp.households.operations import HouseholdData, create_household, delete_household
from fieldapp.models import Area, AreaLevel, Role, Team, User
from fieldapp.timeutil import utcnow
from fieldapp.visits.operations import VisitData, delete_visit, log_visit
from tests.factories import PASSWORD, area, user

ROLES = ("anonymous", "member", "leader", "officer", "province", "admin")
PHONES = {"member": "0900000003", "leader": "0900000002", "officer": "0900000001",
          "province": "0900000012", "admin": "0900000000"}
OK = "ok"  # 200, 422 (the empty form was refused) or a redirect anywhere but the sign-in page
IGNORED_METHODS = {"HEAD", "OPTIONS"}


@dataclass(frozen=True)
class Route:
    kind: str | None                    # what fills the URL parameters (see KINDS); None: no parameter
    expect: dict[str, object]           # role -> OK | 403 | 404, for an object inside the role's scope
    public: bool = False                # anonymous may use it too
    ends_session: bool = False          # the request signs the user out (sign in again after it)


def R(kind, member, leader, officer, province, admin, **kw) -> Route:
    return Route(kind, dict(member=member, leader=leader, officer=officer, province=province, admin=admin), **kw)


def PUBLIC(kind=None) -> Route:
    return Route(kind, {role: OK for role in ROLES if role != "anonymous"}, public=True)


ALL = (OK, OK, OK, OK, OK)
TEAM_ONLY = (OK, OK, 403, 403, 403)

REGISTRY: dict[str, Route] = {
    "static": PUBLIC("static"),
    "core.healthz": PUBLIC(),
    "core.privacy": PUBLIC(),
    "core.set_language": PUBLIC("lang"),
    "auth.login": PUBLIC(),
    "core.index": R(None, *ALL),
    "auth.logout": R(None, *ALL, ends_session=True),
    "account.password": R(None, *ALL),
    "audit_log.index": R(None, 403, 403, OK, 403, OK),
    "areas.top": R(None, 403, 403, 403, 403, OK),
    "areas.show": R("commune", 404, 404, OK, OK, OK),
    "areas.create": R("commune", 404, 404, OK, 403, OK),
    "areas.import_villages": R("commune", 404, 404, OK, 403, OK),
    "households.village": R("village", *ALL),
    "households.new": R("village", *TEAM_ONLY),
    "households.deleted": R("village", *TEAM_ONLY),
    "households.show": R("household", *ALL),
    "households.edit": R("household", *TEAM_ONLY),
    "households.delete": R("household", *TEAM_ONLY),
    "households.restore": R("deleted_household", *TEAM_ONLY),
    "visits.new": R("household", *TEAM_ONLY),
    "visits.edit": R("visit", *TEAM_ONLY),
    "visits.delete": R("visit", *TEAM_ONLY),
    "visits.restore": R("deleted_visit", *TEAM_ONLY),
    "visits.mine": R(None, *ALL),
    "visits.team": R(None, 403, OK, 403, 403, 403),
    "privacy.household_data": R("household", 403, OK, OK, 403, 403),
    "privacy.household_print": R("household", 403, OK, OK, 403, 403),
    "privacy.household_json": R("household", 403, OK, OK, 403, 403),
    "privacy.household_erase": R("household", 403, OK, OK, 403, 403),
}


def missing_entries(app, registry=REGISTRY) -> tuple[set[str], set[str]]:
    """(endpoints without an entry, entries without an endpoint)."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    return endpoints - registry.keys(), registry.keys() - endpoints


# --- The world the matrix runs in ---------------------------------------------------------------------

@dataclass
class MatrixWorld:
    """tests.factories.World plus a second province, and one recorder per village."""
    world: object
    villages: list[Area]            # village1 first: inside everyone's scope but the outsiders'
    communes: list[Area]            # the commune of village1 first
    recorders: dict[int, User]      # village id -> a member who records there
    serial: count = field(default_factory=lambda: count(1))


def extend_world(world) -> MatrixWorld:
    province = area(AreaLevel.PROVINCE, "Tỉnh Khác")
    commune = area(AreaLevel.COMMUNE, "Xã Khác", province)
    from fieldapp.areas.operations import create_village
    village = create_village(None, commune, "Thôn Khác")
    team = Team(village=village, name="Tổ Thôn Khác")
    db.session.add(team)
    db.session.flush()
    outsider = user("0900000099", Role.MEMBER, "Người Tỉnh Khác", team=team)
    w = world
    db.session.commit()
    return MatrixWorld(
        world=w, villages=[w.village1, w.village2, w.village3, village],
        communes=[w.commune, w.other_commune, commune],
        recorders={w.village1.id: w.users["member"], w.village2.id: w.users["member2"],
                   w.village3.id: w.users["member3"], village.id: outsider})


def _fresh_household(mw: MatrixWorld, village: Area, deleted=False):
    recorder = mw.recorders[village.id]
    household = create_household(recorder, village, HouseholdData(
        code=f"RM-{next(mw.serial)}", residents_total=3, residents_14plus=2, residents_18plus=2))
    if deleted:
        delete_household(recorder, household)
    db.session.commit()
    return household


def _fresh_visit(mw: MatrixWorld, village: Area, deleted=False):
    household = _fresh_household(mw, village)
    recorder = mw.recorders[village.id]
    visit = log_visit(recorder, household, VisitData(outcome="not_home",
                                                     visited_at=utcnow() - timedelta(minutes=1)))
    if deleted:
        delete_visit(recorder, visit)
    db.session.commit()
    return visit


def _pick(candidates, viewer: User | None, inside: bool):
    """The first candidate inside (or outside) the viewer's scope; None when there is none."""
    if inside or viewer is None:
        return candidates[0]
    return next((c for c in candidates if not can_view_area(viewer, c)), None)


# kind -> (mw, viewer or None for anonymous, inside) -> URL values, or None when no such object exists
KINDS = {
    "static": lambda mw, viewer, inside: {"filename": "css/app.css"} if inside else None,
    "lang": lambda mw, viewer, inside: {"code": "vi"} if inside else None,
    "commune": lambda mw, viewer, inside: (
        (c := _pick(mw.communes, viewer, inside)) and {"area_id": c.id}),
    "village": lambda mw, viewer, inside: (
        (v := _pick(mw.villages, viewer, inside)) and {"village_id": v.id}),
    "household": lambda mw, viewer, inside: (
        (v := _pick(mw.villages, viewer, inside)) and {"household_id": _fresh_household(mw, v).id}),
    "deleted_household": lambda mw, viewer, inside: (
        (v := _pick(mw.villages, viewer, inside)) and {"household_id": _fresh_household(mw, v, True).id}),
    "visit": lambda mw, viewer, inside: (
        (v := _pick(mw.villages, viewer, inside)) and {"visit_id": _fresh_visit(mw, v).id}),
    "deleted_visit": lambda mw, viewer, inside: (
        (v := _pick(mw.villages, viewer, inside)) and {"visit_id": _fresh_visit(mw, v, True).id}),
}


# --- Running it ------------------------------------------------------------------------------------------

def _verdict(response, expected, path: str, entry: Route) -> bool:
    status = response.status_code
    location = response.headers.get("Location", "")
    if expected == "login":
        return status == 401 if path.startswith("/api/") else (status == 302 and "/login" in location)
    if expected == OK:
        if status == 302:
            return "/login" not in location or entry.ends_session
        return status in (200, 422)
    return status == expected


def run_matrix(app, mw: MatrixWorld, registry=REGISTRY, roles=ROLES) -> list[str]:
    """Every (endpoint, method, role, inside/outside) request; returns the mismatches, readable."""
    problems = []
    adapter = app.url_map.bind("localhost")
    rules = sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint)
    reusable: dict[tuple, dict | None] = {}
    for role in roles:
        client = app.test_client()
        viewer = None
        if role != "anonymous":
            viewer = db.session.get(User, mw.world.users[{"officer": "officer"}.get(role, role)].id)

        def sign_in():
            r = client.post("/login", data={"phone": PHONES[role], "password": PASSWORD})
            assert r.status_code == 302, f"{role} could not sign in"
        if viewer is not None:
            sign_in()
        for rule in rules:
            entry = registry.get(rule.endpoint)
            if entry is None:
                continue  # reported by missing_entries
            for method in sorted(rule.methods - IGNORED_METHODS):
                for inside in (True, False):
                    if role == "anonymous" and not inside:
                        continue
                    if entry.kind is None:
                        if not inside:
                            continue
                        values = {}
                    else:
                        key = (entry.kind, role, inside)
                        if method != "GET":  # a write gets an object of its own
                            values = KINDS[entry.kind](mw, viewer, inside)
                        else:
                            if key not in reusable:
                                reusable[key] = KINDS[entry.kind](mw, viewer, inside)
                            values = reusable[key]
                        if values is None:
                            continue  # nothing is outside an admin's scope
                    path = adapter.build(rule.endpoint, values)
                    if role == "anonymous":
                        expected = OK if entry.public else "login"
                    else:
                        expected = entry.expect[role] if inside else (OK if entry.public else 404)
                    response = client.open(path, method=method)
                    if not _verdict(response, expected, path, entry):
                        problems.append(f"{role:9} {method:4} {path} ({'inside' if inside else 'outside'}): "
                                        f"expected {expected}, got {response.status_code} "
                                        f"{response.headers.get('Location', '')}")
                    if entry.ends_session and viewer is not None:
                        sign_in()
    return problems
