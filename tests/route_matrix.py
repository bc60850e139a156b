"""The access matrix: every route of app.url_map, for every role, against objects inside and outside
the role's scope.

- `REGISTRY` maps each endpoint to a `Route`: which kind of object fills its URL and what each role
  gets for an object inside its scope: OK, 403 (missing rights) or 404. Outside the scope it is always
  404; anonymous is a redirect to /login (HTML) or 401 (/api/...), unless the route is public.
- `missing_entries(app)` lists endpoints without an entry (and entries without an endpoint): a new
  route must say who may use it before the suite passes.
- Objects for requests that change data are made fresh for each request, so one request's write
  (a delete, an erasure, a sign-out) cannot change what the next one sees.

- Residents' personal data (issue 17.9): every household the matrix makes has a head's name and phone
  and a visit note (PERSONAL_MARKS). Every answer to a role outside the minimum-access rule
  (access.personal_data_scope: province viewers, admins) is read for them, pages, JSON, CSV and XLSX
  alike; and the household pages must show them to the roles inside it, so the check can fail.

- Where a route is guarded by one rule of fieldapp/access, its entry names that rule (`ROLE(rule)` for a rule
  of the user alone, `RULE(rule)` for a rule of the user and the object in the URL): what each role should
  get is read from the access package, not restated here, and the requests check the routes ask it.

To cover a new feature: add its endpoints to REGISTRY; a new URL parameter kind goes in `KINDS`.
"""
import io
import zipfile
from dataclasses import dataclass, field
from itertools import count
from uuid import uuid4

from sqlalchemy import select

from fieldapp import access
from fieldapp.access import can_view_area
from fieldapp.extensions import db
from fieldapp.households.operations import HouseholdData, create_household, delete_household
from fieldapp.models import Area, AreaLevel, Household, Role, Team, User
from fieldapp.timeutil import utcnow
from fieldapp.visits.operations import VisitData, delete_visit, log_visit
from tests.factories import PASSWORD, area, user

ROLES = ("anonymous", "member", "leader", "officer", "province", "admin")
PHONES = {"member": "0900000003", "leader": "0900000002", "officer": "0900000001",
          "province": "0900000012", "admin": "0900000000"}
OK = "ok"  # 200, 422 (the empty form was refused) or a redirect anywhere but the sign-in page
IGNORED_METHODS = {"HEAD", "OPTIONS"}
MARK_NAME, MARK_PHONE, MARK_NOTE = "Zzresidentname", "0987001717", "Zzvisitnote"
PERSONAL_MARKS = (MARK_NAME, MARK_PHONE, MARK_NOTE)
NO_PERSONAL_DATA = ("province", "admin")  # see counts only (access.personal_data_scope)
# Pages that show a household's personal data to the roles inside the rule: (endpoint, marks expected).
SHOWS_PERSONAL = {"households.show": PERSONAL_MARKS, "households.village": (MARK_NAME,),
                  "api.households": (MARK_NAME,), "tallies.dashboard": (MARK_NAME,)}


@dataclass(frozen=True)
class Route:
    kind: str | None                    # what fills the URL parameters (see KINDS); None: no parameter
    expect: dict[str, object]           # role -> OK | 403 | 404, for an object inside the role's scope
    public: bool = False                # anonymous may use it too
    ends_session: bool = False          # the request signs the user out (sign in again after it)
    ok: tuple[int, ...] = (200, 422)    # what counts as OK besides a redirect (API: a refused empty body)


@dataclass(frozen=True)
class Rule:
    """An expectation read from fieldapp/access: OK where the rule allows, else `refused` (403, or 404 where the
    route hides what the rule refuses). With a subject, the object in the URL must be in the user's scope first
    (else 404), as the routes check it."""
    rule: object
    subject: bool = False
    refused: int = 403

    def expected(self, viewer: User, kind: str | None, values: dict):
        rule = getattr(access, self.rule.__name__)  # looked up when asked: the package's rule of the moment
        if not self.subject:
            return OK if rule(viewer) else self.refused
        obj, in_scope = SUBJECTS[kind](values)
        if not in_scope(viewer, obj):
            return 404
        return OK if rule(viewer, obj) else self.refused


def ROLE(rule, refused: int = 403) -> tuple[Rule, ...]:
    """The five roles' expectations from a rule of the user alone (fieldapp/access)."""
    return (Rule(rule, refused=refused),) * 5


def RULE(rule, refused: int = 403) -> tuple[Rule, ...]:
    """The five roles' expectations from a rule of the user and the object in the URL (fieldapp/access)."""
    return (Rule(rule, subject=True, refused=refused),) * 5


def R(kind, member, leader, officer, province, admin, **kw) -> Route:
    return Route(kind, dict(member=member, leader=leader, officer=officer, province=province, admin=admin), **kw)


def PUBLIC(kind=None, **kw) -> Route:
    return Route(kind, {role: OK for role in ROLES if role != "anonymous"}, public=True, **kw)


ALL = (OK, OK, OK, OK, OK)
TEAM_ONLY = (OK, OK, 403, 403, 403)
ADMIN_ONLY = ROLE(access.is_admin)              # read from fieldapp/access
LEADER_ONLY = (403, OK, 403, 403, 403)        # a leader manages only their own team (QR links, badges)
TEAM_PRINTS = (403, OK, OK, 403, OK)          # the team's leader, the commune officer, an admin
COMMUNE_RUN = (403, 403, OK, 403, OK)         # the commune officer runs the commune; the province only reads
COMMUNE_PAGE = (404, 404, OK, 403, OK)        # a commune is outside a team's scope
API_REFUSED_EMPTY = (200, 400)                # an API call without its body or parameters: 400, not a crash

# The object a URL names, by kind, and the scope check its routes make first (404 outside).
SUBJECTS = {
    "team": lambda v: (db.session.get(Team, v["team_id"]), access.can_view_team),
    "fresh_team": lambda v: (db.session.get(Team, v["team_id"]), access.can_view_team),
    "village": lambda v: (db.session.get(Area, v["village_id"]), access.can_view_area),
    "household": lambda v: (db.session.get(Household, v["household_id"]), access.can_view_household),
}

REGISTRY: dict[str, Route] = {
    "static": PUBLIC("static"),
    "core.healthz": PUBLIC(),
    "api.docs": PUBLIC(),
    "metrics": PUBLIC(),                  # loopback only (nginx does not pass it); see test_observability
    "core.privacy": PUBLIC(),
    "core.set_language": PUBLIC("lang"),
    "auth.login": PUBLIC(),
    "core.index": R(None, *ALL),
    "auth.logout": R(None, *ALL, ends_session=True),
    "account.password": R(None, *ALL),
    "audit_log.index": R(None, *ROLE(access.can_check_commune)),
    "areas.top": R(None, *ROLE(access.is_admin)),
    "areas.show": R("commune", 404, 404, OK, OK, OK),
    "areas.create": R("commune", 404, 404, OK, 403, OK),
    "households.village": R("village", *ALL),
    "households.new": R("village", *RULE(access.can_record_in_village)),
    "households.deleted": R("village", *RULE(access.can_record_in_village)),
    "households.show": R("household", *ALL),
    "households.edit": R("household", *RULE(access.can_edit_household)),
    "households.delete": R("household", *RULE(access.can_edit_household)),
    "households.restore": R("deleted_household", *TEAM_ONLY),
    "visits.new": R("household", *RULE(access.can_edit_household)),
    "visits.edit": R("visit", *TEAM_ONLY),
    "visits.delete": R("visit", *TEAM_ONLY),
    "visits.restore": R("deleted_visit", *TEAM_ONLY),
    "visits.mine": R(None, *ALL),
    "visits.team": R(None, *ROLE(access.leads_a_team)),
    "privacy.household_data": R("household", 403, OK, OK, 403, 403),
    "privacy.household_print": R("household", 403, OK, OK, 403, 403),
    "privacy.household_json": R("household", 403, OK, OK, 403, 403),
    "privacy.household_erase": R("household", 403, OK, OK, 403, 403),
    # Villages of a commune: officers manage, the province reads.
    "areas.manage": R("village_area", *COMMUNE_RUN),
    "areas.rename": R("village_area", *COMMUNE_RUN),
    "areas.merge": R("village_area", *COMMUNE_RUN),
    "areas.archive": R("fresh_village", *COMMUNE_PAGE),
    "areas.settings": R("commune", *COMMUNE_PAGE),
    # Teams and members
    "teams.commune": R("commune_teams", 404, 404, OK, OK, OK),
    "teams.create": R("commune_teams", *COMMUNE_PAGE),
    "teams.show": R("team", *ALL),
    "teams.leader": R("team", *RULE(access.can_run_team)),
    "teams.add_member": R("team", *RULE(access.can_manage_members)),
    "teams.close": R("fresh_team", *RULE(access.can_run_team)),
    "teams.member": R("fresh_member", *ALL),
    "teams.move": R("fresh_member", *COMMUNE_RUN),
    "teams.deactivate": R("fresh_member", 403, OK, OK, 403, OK),
    "teams.reactivate": R("fresh_member", 403, OK, OK, 403, OK),
    # QR: join links, badges, one-time sign-in, stickers
    "joining.join": PUBLIC("invite_token"),
    "joining.join_sent": PUBLIC("invite_token"),
    "badges.verify": PUBLIC("badge_token"),
    "auth.sign_in_qr": PUBLIC("otl_token", ends_session=True),
    "teams.members": R("team", *RULE(access.can_view_team_prints)),
    "badges.team": R("team", *RULE(access.can_view_team_prints)),
    "joining.poster": R("team", *RULE(access.can_view_team_prints)),
    "joining.invite": R("team", *RULE(access.can_lead_team)),
    "joining.rotate": R("team", *RULE(access.can_lead_team)),
    "badges.issue_missing": R("team", *RULE(access.can_lead_team)),
    "joining.decide": R("join_request", *LEADER_ONLY),
    "auth.make_sign_in_qr": R("team_member", *LEADER_ONLY),
    "badges.reissue": R("team_member", *LEADER_ONLY),
    "badges.show": R("own_badge", OK, OK, OK, 403, OK),
    "badges.mine": R(None, *ROLE(access.can_carry_badge, refused=404)),
    "households.stickers": R("village", *RULE(access.can_run_village)),
    "households.prepare_stickers": R("village", *RULE(access.can_run_village)),
    "households.sticker": PUBLIC("sticker_token"),  # residents scan their own door: a page about the team, no login
    # Administration: admins only
    "admin.index": R(None, *ADMIN_ONLY),
    "integrations.index": R(None, *ADMIN_ONLY),
    "integrations.create_token_view": R(None, *ADMIN_ONLY),
    "integrations.revoke_token_view": R("api_token", *ADMIN_ONLY),
    "integrations.create_webhook_view": R(None, *ADMIN_ONLY),
    "integrations.revoke_webhook_view": R("webhook", *ADMIN_ONLY),
    "admin.accounts": R(None, *ADMIN_ONLY),
    "admin.create_account_view": R(None, *ADMIN_ONLY),
    "admin.import_areas_view": R(None, *ADMIN_ONLY),
    "admin.services": R(None, *ADMIN_ONLY),
    "admin.rebuild_tallies_view": R(None, *ADMIN_ONLY),
    # A background job's page, status and file: the user who asked for it, whatever their role
    "jobs.show": R("own_job", *ALL),
    "jobs.status": R("own_job", *ALL),
    "jobs.download": R("own_job", *ALL),
    "admin.create_service_view": R(None, *ADMIN_ONLY),
    "admin.edit_service": R("service", *ADMIN_ONLY),
    "admin.move_service_view": R("service_move", *ADMIN_ONLY),
    "admin.remove_service_view": R("service", *ADMIN_ONLY),
    "admin.restore_service_view": R("service", *ADMIN_ONLY),
    # The sync API (anonymous: 401) and the offline app (public shells)
    "api.openapi": PUBLIC(),
    "api.session": R(None, *ALL),
    "api.services": R(None, *ALL),
    "api.households": R("api_village", *ALL, ok=API_REFUSED_EMPTY),
    "api.visits_batch": R(None, *ALL, ok=API_REFUSED_EMPTY),
    "pwa.service_worker": PUBLIC(),
    "pwa.manifest": PUBLIC(),
    "pwa.shell": PUBLIC(),
    "pwa.offline": PUBLIC(),
    # Tallies and dashboards: leaders see their village, officers their commune, viewers their province
    "tallies.home": R(None, *ROLE(access.can_see_dashboards)),
    "tallies.dashboard": R("village_area", 403, OK, OK, OK, OK),
    "tallies.visits": R("village_area", 403, OK, OK, OK, OK),
    "tallies.households": R("village_area", 403, OK, OK, OK, OK),
    "tallies.anomaly_list": R("commune", 404, 404, OK, 403, OK),
    # Campaigns and leaderboards (thi đua)
    "leaderboards.my_leaderboard": R(None, *ALL),
    "leaderboards.leaderboard": R("village_area", *ALL),
    "campaigns.index": R(None, *ALL),
    "campaigns.new": R(None, 403, 403, OK, OK, 403),  # an admin has no area to run a campaign over
    "campaigns.show": R("campaign", *ALL),
    "campaigns.commendation": R("campaign", 403, 403, OK, OK, OK),
    "campaigns.freeze": R("campaign", 403, 403, OK, 403, OK),
    "campaigns.reopen": R("campaign", 403, 403, OK, 403, OK),
    "campaigns.targets": R("campaign_commune", 404, 404, OK, 403, OK),  # a commune is outside a team's scope
    # Outreach sessions (tuyên truyền, tập huấn): the team records in its village, everyone above reads
    "outreach.index": R("village_area", *ALL),
    "outreach.new": R("village", *RULE(access.can_record_in_village)),
    "outreach.edit": R("outreach_session", *TEAM_ONLY),
    "outreach.delete": R("outreach_session", *TEAM_ONLY),
    # Periodic report of a commune or province (a commune is outside a team's scope)
    "reports.show": R("commune", 404, 404, OK, OK, OK),
    "reports.xlsx": R("commune", 404, 404, OK, OK, OK),
    "reports.csv": R("commune", 404, 404, OK, OK, OK),
    "reports.docx": R("commune", 404, 404, OK, OK, OK),
    "reports.document": R("commune", 404, 404, OK, OK, OK),
    "reports.late": R("commune", 404, 404, OK, OK, OK),
    "reports.draft": R("commune", *COMMUNE_PAGE),             # the officer drafts; a province drafts its own
    "reports.commendation": R("commune", 404, 404, OK, OK, OK),
    "reports.commendation_docx": R("commune", 404, 404, OK, OK, OK),
    "reports.commendation_draft": R("commune", *COMMUNE_PAGE),
    "reports.activities": R("commune", 404, 404, OK, OK, OK),
    "reports.activity_new": R("commune", *COMMUNE_PAGE),
    "reports.activity_edit": R("commune_activity", *COMMUNE_PAGE),
    "reports.activity_delete": R("commune_activity", *COMMUNE_PAGE),
    "reports.settings": R("province", 404, 404, 404, 403, OK),  # the province's issuing body: an admin sets it
    # Sign-off of a village's month or quarter: the leader confirms, the officer approves or returns
    "signoff.village": R("village", 403, OK, OK, OK, OK),
    "signoff.period": R("signoff_period", 403, OK, OK, OK, OK),
    "signoff.do_confirm": R("signoff_period", *LEADER_ONLY),
    "signoff.do_approve": R("signoff_period", 403, 403, OK, 403, OK),
    "signoff.do_return": R("signoff_period", 403, 403, OK, 403, OK),
    "signoff.commune": R("commune", 404, 404, OK, OK, OK),
    "signoff.province": R("province", 404, 404, 404, OK, OK),
    # Imports (CSV/XLSX, preview then confirm): households by the village's leader or the commune officer,
    # villages by the commune officer, members by the team's leader or the commune officer.
    "imports.households": R("village", *RULE(access.can_run_village)),
    "imports.households_confirm": R("village", *RULE(access.can_run_village)),
    "imports.households_template": R("village", *RULE(access.can_run_village)),
    "imports.villages": R("commune", 404, 404, OK, 403, OK),
    "imports.villages_confirm": R("commune", 404, 404, OK, 403, OK),
    "imports.villages_template": R("commune", 404, 404, OK, 403, OK),
    "imports.members": R("team", *RULE(access.can_manage_members)),
    "imports.members_confirm": R("team", *RULE(access.can_manage_members)),
    "imports.members_template": R("team", *RULE(access.can_manage_members)),
    # Raw exports (those who see dashboards) and the read-only JSON API (tallies as the dashboard, boards as the board)
    "exports.index": R(None, *ROLE(access.can_see_dashboards)),
    "exports.download": R("export_area", 403, OK, OK, OK, OK),
    "api.area_tally": R("village_area", 403, OK, OK, OK, OK),
    "api.leaderboard": R("village_area", *ALL),  # ?area_id=: the rule has no such parameter, it goes in the query
    # The walk (issue 16): the leader assigns and types paper sheets in; the team prints walk sheets (a member
    # their own: the default); each member of a team reads their own results; every phone reports its outbox.
    "walks.assign": R("village", *RULE(access.can_assign_households)),
    "walks.sheet": R("village", *RULE(access.can_record_in_village)),
    "walks.paper": R("village", *LEADER_ONLY),
    "walks.paper_visit": R("household", *LEADER_ONLY),
    "walks.my_results": R(None, *ROLE(access.is_in_team)),
    "api.sync_status": R(None, *ALL, ok=API_REFUSED_EMPTY),
    "api.approved_periods": R(None, *ALL, ok=API_REFUSED_EMPTY),  # without ?area_id=: a 400
    # Commune notices: the officer posts to the commune's teams, their members and leaders read them
    "notices.commune": R("commune_teams", *COMMUNE_PAGE),
    "notices.new": R("commune_teams", *COMMUNE_PAGE),
    "notices.show": R("notice", OK, OK, OK, 403, OK),
    "notices.archive": R("notice", *COMMUNE_RUN),
    "notices.restore": R("notice", *COMMUNE_RUN),  # not archived: refused with a message, back to the notice
    "notices.seen": R("notice", *TEAM_ONLY),
    "notices.mine": R(None, OK, OK, OK, 403, 403),  # the officer is sent on to the commune's notices
    "notices.api_list": R(None, *ALL),  # anyone but a team's user gets an empty list
    "notices.api_seen": R(None, *ALL, ok=API_REFUSED_EMPTY),
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
    provinces: list[Area]           # the province of village1 first
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
    # Not visited yet: on the village dashboard's list of households to visit.
    create_household(w.users["member"], w.village1, HouseholdData(
        code="RM-0", residents_total=2, residents_14plus=1, residents_18plus=1,
        head_name=f"{MARK_NAME} Chưa Thăm", head_phone=MARK_PHONE, consent=True))
    db.session.commit()
    return MatrixWorld(
        world=w, villages=[w.village1, w.village2, w.village3, village],
        communes=[w.commune, w.other_commune, commune], provinces=[w.province, province],
        recorders={w.village1.id: w.users["member"], w.village2.id: w.users["member2"],
                   w.village3.id: w.users["member3"], village.id: outsider})


def _fresh_household(mw: MatrixWorld, village: Area, deleted=False):
    """A household with a head's name and phone (with consent) and one visit with a note."""
    recorder = mw.recorders[village.id]
    household = create_household(recorder, village, HouseholdData(
        code=f"RM-{next(mw.serial)}", residents_total=3, residents_14plus=2, residents_18plus=2,
        head_name=f"{MARK_NAME} Văn", head_phone=MARK_PHONE, consent=True))
    log_visit(recorder, household, VisitData(outcome="revisit", visited_at=utcnow(), note=f"{MARK_NOTE} chiều"))
    if deleted:
        delete_household(recorder, household)
    db.session.commit()
    return household


def _fresh_visit(mw: MatrixWorld, village: Area, deleted=False):
    household = _fresh_household(mw, village)
    recorder = mw.recorders[village.id]
    visit = log_visit(recorder, household, VisitData(outcome="not_home", visited_at=utcnow(),
                                                     note=f"{MARK_NOTE} hai"))
    if deleted:
        delete_visit(recorder, visit)
    db.session.commit()
    return visit


def _pick(candidates, viewer: User | None, inside: bool):
    """The first candidate inside (or outside) the viewer's scope; None when there is none."""
    if inside or viewer is None:
        return candidates[0]
    return next((c for c in candidates if not can_view_area(viewer, c)), None)


def _team(village: Area) -> Team:
    return db.session.scalar(select(Team).where(Team.village_id == village.id).order_by(Team.id))


def _fresh_member(mw: MatrixWorld, village: Area) -> User:
    n = next(mw.serial)
    member = user(f"08{n:08d}", Role.MEMBER, f"Thành viên {n}", team=_team(village))
    db.session.commit()
    return member


def _fresh_village(mw: MatrixWorld, village: Area) -> Area:
    from fieldapp.areas.operations import create_village
    sibling = create_village(None, village.parent, f"Thôn Mới {next(mw.serial)}")
    db.session.commit()
    return sibling


def _fresh_team(mw: MatrixWorld, village: Area) -> Team:
    team = Team(village=village, name=f"Tổ Mới {next(mw.serial)}")
    db.session.add(team)
    db.session.commit()
    return team


def _invite(mw: MatrixWorld, village: Area):
    from fieldapp.joining.operations import rotate_invite
    invite = rotate_invite(mw.world.users["admin"], _team(village), utcnow())
    db.session.commit()
    return invite


def _join_request(mw: MatrixWorld, village: Area) -> dict:
    from fieldapp.joining.operations import submit_join_request
    invite = _invite(mw, village)
    join = submit_join_request(invite, name="Người Mới", phone=f"07{next(mw.serial):08d}",
                               password=PASSWORD, now=utcnow())
    db.session.commit()
    return {"team_id": invite.team_id, "request_id": join.id, "decision": "approve"}


def _badge_token(mw: MatrixWorld, village: Area) -> str:
    from fieldapp.badges.operations import issue_badge
    badge = issue_badge(None, _fresh_member(mw, village), utcnow())
    db.session.commit()
    return badge.token


def _sign_in_token(mw: MatrixWorld, village: Area) -> str:
    from fieldapp.auth.one_time import create_one_time_login
    _, token = create_one_time_login(mw.world.users["admin"], _fresh_member(mw, village), utcnow())
    db.session.commit()
    return token


def _sticker_token(mw: MatrixWorld, village: Area) -> str:
    from fieldapp.models import HouseholdTag
    from fieldapp.qrcodes import new_token
    tag = HouseholdTag(household_id=_fresh_household(mw, village).id, token=new_token())
    db.session.add(tag)
    db.session.commit()
    return tag.token


def _service(mw: MatrixWorld) -> int:
    from fieldapp.admin.operations import ServiceData, create_service
    n = next(mw.serial)
    service = create_service(mw.world.users["admin"], ServiceData(
        code=f"rm{n}_{uuid4().hex[:8]}", name=f"Dịch vụ {n}", short_name=f"DV{n}", eligibility="all", points=1))
    db.session.commit()
    return service.id


def _api_token(mw: MatrixWorld) -> int:
    from fieldapp.integrations.tokens import create_token
    token, _raw = create_token(mw.world.users["admin"], f"Hệ thống {next(mw.serial)}", mw.communes[0])
    db.session.commit()
    return token.id


def _webhook(mw: MatrixWorld) -> int:
    from fieldapp.integrations.webhooks import create_endpoint
    endpoint = create_endpoint(mw.world.users["admin"], "https://example.invalid/hook", mw.communes[0],
                               ["campaign.frozen"])
    db.session.commit()
    return endpoint.id


def _own_job(mw: MatrixWorld, viewer: User | None, inside: bool):
    """A finished export job with its file: the viewer's own (inside), or another user's (outside)."""
    from fieldapp.models import Job, JobState
    if viewer is None:
        owner = mw.world.users["admin"]
    elif inside:
        owner = viewer
    else:
        owner = mw.world.users["member" if viewer.role != Role.MEMBER else "leader"]
    job = Job(id=str(uuid4()), kind="export", user_id=owner.id, params={}, state=JobState.DONE,
              file_name="t.csv", file_type="text/csv", file_data=b"a,b\r\n")
    db.session.add(job)
    db.session.commit()
    return {"job_id": job.id}


def _activity(mw: MatrixWorld, commune: Area) -> int:
    from fieldapp.reports.operations import ActivityData, create_activity
    from fieldapp.counting import today
    activity = create_activity(mw.world.users["admin"], commune,
                               ActivityData("news", today(), f"Tin {next(mw.serial)}", 1))
    db.session.commit()
    return activity.id


def _signoff(mw: MatrixWorld, village: Area) -> dict:
    """The village's last quarter, confirmed by its leader (so the officer may approve or return it)."""
    from fieldapp.models import SignOff, SignOffStatus
    from fieldapp.reports.periods import Period
    period = Period.previous_quarter()
    signoff = db.session.scalar(select(SignOff).where(SignOff.village_id == village.id,
                                                      SignOff.starts_on == period.start))
    if signoff is None:
        signoff = SignOff(village_id=village.id, commune_id=village.parent_id, period="q", starts_on=period.start,
                          ends_on=period.end, status=SignOffStatus.CONFIRMED)
        db.session.add(signoff)
    signoff.status = SignOffStatus.CONFIRMED
    db.session.commit()
    return {"village_id": village.id, "kind": "q", "start": period.start.isoformat()}


# kind -> (mw, viewer or None for anonymous, inside) -> URL values, or None when no such object exists
def _campaign_village(mw: MatrixWorld, viewer: User | None, inside: bool):
    """A commune campaign covers every village of the commune: outside means another commune."""
    if inside or viewer is None:
        return mw.villages[0]
    own = (viewer.scope_area.path if viewer.scope_area is not None else "") if viewer.role != Role.ADMIN else ""
    return next((v for v in mw.villages if not can_view_area(viewer, v) and own
                 and not own.startswith(v.parent.path)), None)


def _campaign(mw: MatrixWorld, commune: Area):
    """A running commune campaign (made by an admin) for the matrix to look at."""
    from datetime import date, timedelta as td
    from fieldapp.campaigns.operations import CampaignData, create_campaign
    from fieldapp.models import Service
    admin = db.session.scalar(select(User).where(User.role == Role.ADMIN))
    vneid = db.session.scalar(select(Service).where(Service.code == "vneid"))
    today = date.today()
    campaign = create_campaign(admin, commune, CampaignData(
        name=f"Đợt {next(mw.serial)}", starts_on=today - td(days=7), ends_on=today + td(days=7),
        points={vneid.id: 3}))
    db.session.commit()
    return campaign


def _outreach_session(mw: MatrixWorld, village: Area) -> int:
    """A session recorded by the village's recorder (a member of the village's first team)."""
    from fieldapp.outreach.operations import SessionData, create_session
    from fieldapp.counting import today
    session = create_session(mw.recorders[village.id], village, SessionData(
        held_on=today(), kind="meeting", topic=f"Buổi {next(mw.serial)}", attendees=10))
    db.session.commit()
    return session.id


def _notice(mw: MatrixWorld, commune: Area) -> int:
    """A live notice of the commune, to all its teams (posted by an admin)."""
    from fieldapp.notices.operations import NoticeData, post_notice
    admin = db.session.scalar(select(User).where(User.role == Role.ADMIN))
    notice = post_notice(admin, commune, NoticeData(title=f"Thông báo {next(mw.serial)}"))
    db.session.commit()
    return notice.id


KINDS = {
    "own_job": _own_job,
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
    "village_area": lambda mw, viewer, inside: (
        (v := _pick(mw.villages, viewer, inside)) and {"area_id": v.id}),
    "fresh_village": lambda mw, viewer, inside: (
        (v := _pick(mw.villages, viewer, inside)) and {"area_id": _fresh_village(mw, v).id}),
    "commune_teams": lambda mw, viewer, inside: (
        (c := _pick(mw.communes, viewer, inside)) and {"commune_id": c.id}),
    "team": lambda mw, viewer, inside: (
        (v := _pick(mw.villages, viewer, inside)) and {"team_id": _team(v).id}),
    "fresh_team": lambda mw, viewer, inside: (
        (v := _pick(mw.villages, viewer, inside)) and {"team_id": _fresh_team(mw, v).id}),
    "fresh_member": lambda mw, viewer, inside: (
        (v := _pick(mw.villages, viewer, inside)) and {"user_id": _fresh_member(mw, v).id}),
    "team_member": lambda mw, viewer, inside: (
        (v := _pick(mw.villages, viewer, inside))
        and {"team_id": _team(v).id, "user_id": _fresh_member(mw, v).id}),
    "own_badge": lambda mw, viewer, inside: (  # the recorder of village1 is the "member" role itself
        (v := _pick(mw.villages, viewer, inside))
        and {"team_id": _team(v).id, "user_id": mw.recorders[v.id].id}),
    "join_request": lambda mw, viewer, inside: (
        (v := _pick(mw.villages, viewer, inside)) and _join_request(mw, v)),
    "invite_token": lambda mw, viewer, inside: {"token": _invite(mw, mw.villages[0]).token},
    "badge_token": lambda mw, viewer, inside: {"token": _badge_token(mw, mw.villages[0])},
    "otl_token": lambda mw, viewer, inside: {"token": _sign_in_token(mw, mw.villages[0])},
    "sticker_token": lambda mw, viewer, inside: (
        (v := _pick(mw.villages, viewer, inside)) and {"token": _sticker_token(mw, v)}),
    "service": lambda mw, viewer, inside: {"service_id": _service(mw)} if inside else None,
    "api_token": lambda mw, viewer, inside: {"token_id": _api_token(mw)} if inside else None,
    "webhook": lambda mw, viewer, inside: {"endpoint_id": _webhook(mw)} if inside else None,
    "service_move": lambda mw, viewer, inside: (
        {"service_id": _service(mw), "direction": "up"} if inside else None),
    # The campaign of the commune above a village the viewer sees (or does not see).
    "campaign": lambda mw, viewer, inside: (
        (v := _campaign_village(mw, viewer, inside)) and {"campaign_id": _campaign(mw, v.parent).id}),
    "campaign_commune": lambda mw, viewer, inside: (
        (v := _campaign_village(mw, viewer, inside))
        and {"campaign_id": _campaign(mw, v.parent).id, "commune_id": v.parent_id}),
    "outreach_session": lambda mw, viewer, inside: (
        (v := _pick(mw.villages, viewer, inside)) and {"session_id": _outreach_session(mw, v)}),
    # A notice reaches a whole commune: outside means another commune (as for a campaign).
    "notice": lambda mw, viewer, inside: (
        (v := _campaign_village(mw, viewer, inside)) and {"notice_id": _notice(mw, v.parent)}),
    "export_area": lambda mw, viewer, inside: (
        (v := _pick(mw.villages, viewer, inside)) and {"area": v.id}),
    "api_village": lambda mw, viewer, inside: (
        (v := _pick(mw.villages, viewer, inside)) and {"village": v.id}),
    "province": lambda mw, viewer, inside: (
        (p := _pick(mw.provinces, viewer, inside)) and {"area_id": p.id}),
    "commune_activity": lambda mw, viewer, inside: (
        (c := _pick(mw.communes, viewer, inside)) and {"activity_id": _activity(mw, c)}),
    "signoff_period": lambda mw, viewer, inside: (
        (v := _pick(mw.villages, viewer, inside)) and _signoff(mw, v)),
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
        return status in entry.ok
    return status == expected


def personal_marks(response) -> list[str]:
    """The personal-data marks found in an answer: HTML, JSON, CSV, or the XML inside an XLSX."""
    data = response.get_data()
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            data = b"".join(z.read(name) for name in z.namelist())
    text = data.decode("utf-8", errors="replace")
    return [m for m in PERSONAL_MARKS if m in text]


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
                        if isinstance(expected, Rule):
                            expected = expected.expected(viewer, entry.kind, values)
                    response = client.open(path, method=method)
                    where = 'inside' if inside else 'outside'
                    if not _verdict(response, expected, path, entry):
                        problems.append(f"{role:9} {method:4} {path} ({where}): "
                                        f"expected {expected}, got {response.status_code} "
                                        f"{response.headers.get('Location', '')}")
                    found = personal_marks(response)
                    if role in NO_PERSONAL_DATA and found:
                        problems.append(f"{role:9} {method:4} {path} ({where}): shows residents' personal data {found}")
                    wanted = SHOWS_PERSONAL.get(rule.endpoint, ())
                    if (role in ("member", "leader", "officer") and inside and method == "GET"
                            and response.status_code == 200 and set(wanted) - set(found)):
                        problems.append(f"{role:9} {method:4} {path} ({where}): personal data missing "
                                        f"{sorted(set(wanted) - set(found))} (the check would not see a leak)")
                    if entry.ends_session:  # signed out, or signed in as someone else: start afresh
                        client = app.test_client()
                        if viewer is not None:
                            sign_in()
    return problems
