
from flask import abort, g, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from ..access import area_or_404, can_see_personal_data
from ..campaigns.queries import campaign_boards, campaign_or_404
from ..counting import earliest_visit_day
from ..input_guard import bounded_int, json_body
from ..integrations.tokens import token_readable
from ..leaderboards.queries import PERIODS, board_area_or_404, campaign_period, period_boards, period_for
from ..models import AreaLevel
from ..rules import RuleError
from ..services.queries import active_services
from ..signoff.queries import approved_in, late_after_approval
from ..tallies.queries import area_tallies, children, dashboard_area_or_404, date_range, running_campaign
from ..timeutil import BadDate, parse_day, parse_iso, utcnow
from ..walks.operations import record_sync_report
from ..write_turns import take_write_turn
from . import bp, queries, reads
from .openapi import OPENAPI
from .operations import BatchError, apply_batch


def _error(message: str, status: int):
    return jsonify(error=message), status


def _area_id_arg():
    """?area_id= as an integer, or (None, the 400 answer in Vietnamese)."""
    raw = request.args.get("area_id")
    area_id = request.args.get("area_id", type=bounded_int)
    if area_id is None:
        return None, _error(_("Thiếu hoặc sai tham số “area_id” (mã địa bàn, số nguyên).") if raw in (None, "")
                            else _("Tham số “area_id” phải là số nguyên."), 400)
    return area_id, None


@bp.get("/session")
@login_required
def session():
    user = current_user
    team = user.team
    return jsonify(
        user={"id": user.id, "name": user.name, "role": user.role,
              "team_id": user.team_id, "team_name": team.name if team else None,
              "village_id": team.village_id if team else None,
              "village_name": team.village.name if team else None},
        # The back-entry window, so the phone's form offers only dates the server will take.
        earliest_visit_day=earliest_visit_day().isoformat(),
        csrf_token=generate_csrf(), server_time=utcnow().isoformat() + "Z")


@bp.get("/services")
@login_required
def services():
    return jsonify(services=[queries.service_json(s) for s in active_services()])


@bp.get("/households")
@login_required
def households():
    village_id = request.args.get("village", type=bounded_int)
    if village_id is None:
        return _error(_("Thiếu tham số “village” (mã thôn, số nguyên)."), 400)
    since = None
    if request.args.get("since"):
        try:
            since = parse_iso(request.args["since"])
        except BadDate as err:
            return _error(_("Tham số “since”: %(problem)s", problem=str(err)), 400)
        except ValueError:
            return _error(_("Tham số “since” phải là ngày giờ ISO 8601."), 400)
    village = area_or_404(current_user, village_id)
    if village.level != AreaLevel.VILLAGE:
        abort(404)
    server_time = utcnow()  # read before the query: the next "since" never skips a change
    items = queries.village_households(village.id, since)
    achieved = queries.achieved_in_village(village.id, None if since is None else [h.id for h in items])
    personal = can_see_personal_data(current_user, village)
    return jsonify(village={"id": village.id, "name": village.name},
                   households=[queries.household_json(h, achieved.get(h.id, {}), personal) for h in items],
                   server_time=server_time.isoformat() + "Z")


@bp.post("/visits/batch")
@login_required
def visits_batch():
    body = json_body()  # a 400 or 413 with the reason when it is not usable
    take_write_turn()  # SQLite: the other worker's batch waits in the kernel, not in a sleep loop
    try:
        results = apply_batch(current_user._get_current_object(), body)  # not the proxy, per record
    except BatchError as err:
        return _error(err.message, err.status)
    g.batch_results = results  # for the metrics (observability._observe), not read back from the JSON
    # Committed (durable: SQLite runs with synchronous=FULL) before the answer leaves, by the commit point.
    return jsonify(results=[r.as_json() for r in results])


@bp.post("/sync/status")
@login_required
def sync_status():
    """What the phone still holds after a sync: the leader's week names phones with records not yet sent."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _error(_("Dữ liệu gửi lên không phải JSON hợp lệ."), 400)
    oldest = None
    if body.get("oldest_at") is not None:
        try:
            oldest = parse_iso(body["oldest_at"])
        except (TypeError, ValueError, AttributeError, OverflowError):
            return _error(_("“oldest_at” phải là ngày giờ ISO 8601."), 400)
    try:
        record_sync_report(current_user._get_current_object(), body.get("pending"), body.get("rejected", 0), oldest)
    except RuleError as err:  # the commit point rolls back a refusal
        return jsonify(error=err.message, errors=err.errors), 400
    return jsonify(status="ok")


@bp.get("/openapi.json")
def openapi():
    return jsonify(OPENAPI)


@bp.get("/docs")
def docs():
    """The same description as a page, rendered here (no CDN, no script)."""
    from flask import render_template
    return render_template("api/docs.html", spec=OPENAPI)


# --- Read-only: tallies and leaderboards ------------------------------------------------------------



@bp.get("/areas/<int:area_id>/tally")
@login_required
@token_readable
def area_tally(area_id: int):
    area = dashboard_area_or_404(area_id)  # the dashboard's own rule: out of scope 404, a member 403
    start, end = date_range()  # the dashboards' own parsing: last 30 days by default
    services = active_services()
    campaign = running_campaign(area)
    kids = children(area) if area.level != AreaLevel.VILLAGE else []
    found = area_tallies([area, *kids], start, end, services, campaign)
    return jsonify(
        area=reads.area_json(area), **{"from": start.isoformat(), "to": end.isoformat()},
        campaign=None if campaign is None else {"id": campaign.id, "name": campaign.name},
        tally=reads.tally_json(found[area.id], services),
        children=[{"area": reads.area_json(k), "tally": reads.tally_json(found[k.id], services)} for k in kids])


@bp.get("/approved-periods")
@login_required
@token_readable
def approved_periods():
    """Village months and quarters the commune approved, with the figures as approved."""
    area_id, refused = _area_id_arg()
    if refused:
        return refused
    kind = request.args.get("period") or None
    if kind not in (None, "m", "q"):
        return _error(_("Tham số “period” là m (tháng) hoặc q (quý)."), 400)
    start = None
    if request.args.get("from"):
        try:
            start = parse_day(request.args["from"])
        except BadDate as err:
            return _error(str(err), 400)
    area = dashboard_area_or_404(area_id)
    return jsonify(area=reads.area_json(area), periods=[
        {"village": {"id": s.village_id, "name": s.village.name}, "commune_id": s.commune_id, "period": s.period,
         "from": s.starts_on.isoformat(), "to": s.ends_on.isoformat(),
         "approved_at": s.decided_at.isoformat() + "Z" if s.decided_at else None,
         "late_after_approval": late_after_approval(s), "figures": s.snapshot}
        for s in approved_in(area, kind, start)])


@bp.get("/leaderboard")
@login_required
@token_readable
def leaderboard():
    area_id, refused = _area_id_arg()
    if refused:
        return refused
    key = request.args.get("period", "week")
    if key not in PERIODS:
        return _error(_("Kỳ xếp hạng không hợp lệ; chọn một trong: week, month, quarter."), 400)
    raw_campaign = request.args.get("campaign_id")
    campaign_id = request.args.get("campaign_id", type=bounded_int)
    if raw_campaign not in (None, "") and campaign_id is None:
        return _error(_("Tham số “campaign_id” phải là số nguyên."), 400)
    area = board_area_or_404(area_id)
    if campaign_id is not None:
        campaign = campaign_or_404(campaign_id)
        if area.path.startswith(campaign.area.path):
            where = area
        elif campaign.area.path.startswith(area.path):
            where = campaign.area
        else:
            abort(404)
        period = campaign_period(campaign)
        rows = campaign_boards(campaign, where)
        titles = {"communes": _("Các xã, phường"), "teams": _("Các tổ"), "members": _("Thành viên")}
        boards = [(kind, titles[kind], rows[kind]) for kind in ("communes", "teams", "members") if rows[kind]]
        return jsonify(area=reads.area_json(where), period={
            "key": "campaign", "from": reads.iso(period.start), "to": reads.iso(period.end),
            "previous_from": None, "previous_to": None},
            campaign={"id": campaign.id, "name": campaign.name, "frozen": campaign.frozen_at is not None},
            boards=[{"kind": k, "title": t, "rows": [reads.board_row_json(r) for r in rs]} for k, t, rs in boards])
    period = period_for(key)
    boards = period_boards(area, period)
    return jsonify(area=reads.area_json(area), period={
        "key": period.key, "from": reads.iso(period.start), "to": reads.iso(period.end),
        "previous_from": reads.iso(period.previous.start), "previous_to": reads.iso(period.previous.end)},
        campaign=None,
        boards=[{"kind": k, "title": t, "rows": [reads.board_row_json(r) for r in rs]} for k, t, rs in boards])
