from flask import abort, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from ..access import area_or_404
from ..extensions import db
from ..input_guard import bounded_int
from ..households.queries import active_services
from ..models import AreaLevel
from ..timeutil import parse_iso, utcnow
from . import bp, queries
from .openapi import OPENAPI
from .operations import BatchError, apply_batch


def _error(message: str, status: int):
    return jsonify(error=message), status


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
        except ValueError:
            return _error(_("Tham số “since” phải là ngày giờ ISO 8601."), 400)
    village = area_or_404(current_user, village_id)
    if village.level != AreaLevel.VILLAGE:
        abort(404)
    server_time = utcnow()  # read before the query: the next "since" never skips a change
    items = queries.village_households(village.id, since)
    achieved = queries.achieved_in_village(village.id, None if since is None else [h.id for h in items])
    return jsonify(village={"id": village.id, "name": village.name},
                   households=[queries.household_json(h, achieved.get(h.id, {})) for h in items],
                   server_time=server_time.isoformat() + "Z")


@bp.post("/visits/batch")
@login_required
def visits_batch():
    body = request.get_json(silent=True)
    if body is None:
        return _error(_("Dữ liệu gửi lên không phải JSON hợp lệ."), 400)
    try:
        results = apply_batch(current_user._get_current_object(), body)  # not the proxy, per record
    except BatchError as err:
        db.session.rollback()
        return _error(err.message, err.status)
    db.session.commit()  # durable before the answer: SQLite runs with synchronous=FULL
    return jsonify(results=[r.as_json() for r in results])


@bp.get("/openapi.json")
def openapi():
    return jsonify(OPENAPI)
