from flask import current_app, jsonify, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import text

from ..access import is_admin_over_everything, is_in_team
from ..extensions import db
from ..health import disk_free_mb, migration_state
from ..web import safe_next
from . import bp


@bp.get("/")
@login_required
def index():
    """Each role lands where its work is: members on their village, officers on their area."""
    user = current_user
    if is_in_team(user):
        if user.team is None:
            return render_template("core/no_team.html")
        return redirect(url_for("households.village", village_id=user.team.village_id))
    if is_admin_over_everything(user):
        return redirect(url_for("areas.top"))
    return redirect(url_for("areas.show", area_id=user.area_id))


@bp.get("/healthz")
def healthz():
    """For the load balancer and the operator: database, migrations, free disk. 503 when any is wrong."""
    free = disk_free_mb()
    body = {"status": "ok", "database": "ok", "migrations": None, "disk_free_mb": free}
    try:
        db.session.execute(text("SELECT 1"))
        body["migrations"] = migration_state(db.session.connection())
    except Exception as exc:  # the point of a health check is to report, not to crash
        db.session.rollback()
        body.update(status="error", database=type(exc).__name__)
    if body["migrations"] not in (None, "up to date"):
        body["status"] = "error"
    if free < current_app.config["HEALTHZ_MIN_FREE_MB"]:
        body["status"] = "error"
        body["disk"] = "low"
    return jsonify(body), 200 if body["status"] == "ok" else 503


@bp.get("/lang/<code>")
def set_language(code: str):
    response = make_response(redirect(safe_next(request.args.get("next"))))
    if code in ("vi", "en"):
        response.set_cookie("lang", code, max_age=60 * 60 * 24 * 365, samesite="Lax", httponly=True)
    return response


@bp.get("/privacy")
def privacy():
    return render_template("core/privacy.html")
