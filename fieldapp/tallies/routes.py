from datetime import date, timedelta

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..access import can_check_commune, can_see_dashboards, can_see_reports, is_admin, scope_path
from ..counting import period_start
from ..extensions import db
from ..models import Area, AreaLevel, Service, User
from ..models.tallies import TallyKind
from ..timeutil import BadDate, parse_day
from . import bp
from .anomalies import LATE_DAYS, anomalies
from .drill import households_behind, visits_behind
from .queries import (OUTCOMES, area_tallies, chart, children, member_activity,
                      running_campaign, services_for_tallies, today, unvisited_households, village_teams,
                      visits_per_day)

MAX_DAYS = 366


def dashboard_area_or_404(area_id: int) -> Area:
    """Dashboards show only the user's own area and what is below it (a leader: their village).

    Out of scope is a 404 first; inside it, a role without dashboards (a member) gets a 403.
    """
    area = db.session.get(Area, area_id)
    prefix = scope_path(current_user)
    if area is None or prefix is None or not area.path.startswith(prefix):
        abort(404)
    if not can_see_dashboards(current_user):
        abort(403)
    return area


def date_arg(name: str) -> date | None:
    """One ?name=YYYY-MM-DD argument (a Vietnamese local date); bad input is a 400 with a clear message."""
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return parse_day(raw)
    except BadDate as err:
        abort(400, description=str(err))


def date_range(default_days: int = 30, allow_open: bool = False) -> tuple[date | None, date | None]:
    """?from=YYYY-MM-DD&to=YYYY-MM-DD in Vietnam time; bad input is a 400 with a clear message."""
    start, end = date_arg("from"), date_arg("to")
    if allow_open and start is None and end is None:
        return None, None
    end = end or today()
    try:
        start = start or end - timedelta(days=default_days - 1)
    except OverflowError:
        abort(400, description=_("Ngày không hợp lệ."))
    if start > end:
        abort(400, description=_("Ngày bắt đầu phải trước ngày kết thúc."))
    if (end - start).days >= MAX_DAYS:
        abort(400, description=_("Chỉ xem tối đa %(n)d ngày một lần.", n=MAX_DAYS))
    return start, end


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
    area = current_user.scope_area
    if area is None:
        if is_admin(current_user):
            return redirect(url_for("areas.top"))
        abort(404)
    return redirect(url_for("tallies.dashboard", area_id=area.id))


@bp.get("/dashboard/<int:area_id>")
@login_required
def dashboard(area_id: int):
    area = dashboard_area_or_404(area_id)
    start, end = date_range()
    services = services_for_tallies()
    chosen = _service_arg() or (services[0] if services else None)
    campaign = running_campaign(area)
    kids = children(area) if area.level != AreaLevel.VILLAGE else []
    tallies = area_tallies([area, *kids], start, end, services, campaign)
    week_start = period_start("w", today())
    teams = village_teams(area.id) if area.level == AreaLevel.VILLAGE else []
    from ..outreach.queries import session_sums
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
