
from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..access import can_check_commune, can_see_dashboards, can_see_reports, scope_path
from ..counting import period_start, today
from ..extensions import db
from ..models import AreaLevel, Service, User
from ..models.tallies import TallyKind
from ..nav import to_own_area
from ..outreach.queries import session_sums
from ..services.queries import active_services
from ..visits.rules import OUTCOMES
from . import bp
from .anomalies import LATE_DAYS, anomalies
from .drill import households_behind, visits_behind
from .queries import (
    area_tallies,
    chart,
    children,
    dashboard_area_or_404,
    date_range,
    member_activity,
    running_campaign,
    unvisited_households,
    village_teams,
    visits_per_day,
)


def _service_arg() -> Service | None:
    code = request.args.get("service")
    if not code:
        return None
    service = db.session.scalar(select(Service).where(Service.code == code))
    if service is None:
        abort(404)
    return service


@bp.get("/dashboard")
@login_required
def home():
    if not can_see_dashboards(current_user):
        abort(403)
    return to_own_area("tallies.dashboard")


@bp.get("/dashboard/<int:area_id>")
@login_required
def dashboard(area_id: int):
    area = dashboard_area_or_404(area_id)
    start, end = date_range()
    services = active_services()
    chosen = _service_arg() or (services[0] if services else None)
    campaign = running_campaign(area)
    kids = children(area) if area.level != AreaLevel.VILLAGE else []
    tallies = area_tallies([area, *kids], start, end, services, campaign)
    week_start = period_start("w", today())
    teams = village_teams(area.id) if area.level == AreaLevel.VILLAGE else []
    return render_template(
        "tallies/dashboard.html", area=area, scope=scope_path(current_user), start=start, end=end, services=services, chosen=chosen,
        tally=tallies[area.id], kids=[(k, tallies[k.id]) for k in kids], campaign=campaign,
        chart=chart(visits_per_day(TallyKind.AREA, area.id, start, end)), OUTCOMES=OUTCOMES,
        unvisited=unvisited_households(area.id) if area.level == AreaLevel.VILLAGE else [],
        members=member_activity([t.id for t in teams], week_start) if teams else [],
        sessions=session_sums(area, start, end)[area.id],
        can_report=area.level in (AreaLevel.COMMUNE, AreaLevel.PROVINCE)
        and can_see_reports(current_user),
        can_anomalies=area.level == AreaLevel.COMMUNE and can_check_commune(current_user))


@bp.get("/dashboard/<int:area_id>/visits")
@login_required
def visits(area_id: int):
    area = dashboard_area_or_404(area_id)
    start, end = date_range(allow_open=True)
    outcome = request.args.get("outcome") or None
    if outcome and outcome not in OUTCOMES:
        abort(400, description=_("Kết quả lượt thăm không hợp lệ."))
    service = _service_arg()
    team_id = request.args.get("team", type=int)
    member_id = request.args.get("member", type=int)
    page = visits_behind(area, start=start, end=end, service=service, outcome=outcome, team_id=team_id,
                         member_id=member_id, page=request.args.get("page", 1, type=int))
    return render_template("tallies/visits.html", area=area, page=page, start=start, end=end, service=service,
                           outcome=outcome, args={k: v for k, v in request.args.items() if k != "page"})


@bp.get("/dashboard/<int:area_id>/households")
@login_required
def households(area_id: int):
    area = dashboard_area_or_404(area_id)
    status = request.args.get("status", "unvisited")
    if status not in ("unvisited", "visited"):
        abort(400, description=_("Bộ lọc không hợp lệ."))
    page = households_behind(area, status=status, page=request.args.get("page", 1, type=int))
    return render_template("tallies/households.html", area=area, page=page, status=status)


@bp.get("/dashboard/<int:area_id>/anomalies")
@login_required
def anomaly_list(area_id: int):
    area = dashboard_area_or_404(area_id)
    if not can_check_commune(current_user):
        abort(403)
    if area.level != AreaLevel.COMMUNE:
        abort(404)
    start, end = date_range(default_days=31)
    found = anomalies(area, start, end)
    ids = {v.entered_by_id for v in found["back"] if v.entered_by_id}
    entered_by = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    return render_template("tallies/anomalies.html", area=area, start=start, end=end, found=found,
                           entered_by=entered_by, late_days=LATE_DAYS)
