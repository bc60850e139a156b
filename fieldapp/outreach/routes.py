from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from ..access import can_edit_session, can_record_in_village, scope_path
from ..extensions import db
from ..forms import EmptyForm
from ..input_guard import bounded_int
from ..models import Area, AreaLevel, OutreachSession
from ..services.queries import active_services
from ..unit_of_work import rule_check
from . import bp
from .forms import KIND_NAMES, SessionForm
from .operations import SessionData, create_session, delete_session, update_session
from .queries import PER_PAGE, sessions_in


def _area_or_404(area_id: int) -> Area:
    """The user's own area or below it (members and leaders: their village); else 404."""
    area = db.session.get(Area, area_id)
    prefix = scope_path(current_user)
    if area is None or prefix is None or not area.path.startswith(prefix):
        abort(404)
    return area


def _session_or_404(session_id: int) -> OutreachSession:
    session = db.session.get(OutreachSession, session_id)
    prefix = scope_path(current_user)
    if (session is None or session.deleted_at is not None or prefix is None
            or not session.village.path.startswith(prefix)):
        abort(404)
    return session


def _form(obj: OutreachSession | None = None) -> SessionForm:
    if obj is not None and request.method == "GET":
        form = SessionForm(data={"held_on": obj.held_on, "kind": obj.kind, "topic": obj.topic, "place": obj.place,
                                 "attendees": obj.attendees, "services": [s.id for s in obj.services]})
    else:
        form = SessionForm()
    services = active_services()
    if obj is not None:  # keep a service that was retired since
        services += [s for s in obj.services if s not in services]
    form.services.choices = [SelectChoice(s.id, s.short_name) for s in services]
    return form


def _data(form: SessionForm) -> SessionData:
    return SessionData(held_on=form.held_on.data, kind=form.kind.data, topic=form.topic.data,
                       place=form.place.data, attendees=form.attendees.data, service_ids=form.services.data or [])


@bp.get("/outreach/<int:area_id>")
@login_required
def index(area_id: int):
    area = _area_or_404(area_id)
    page = max(request.args.get("page", 1, type=bounded_int) or 1, 1)
    rows, total = sessions_in(area, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    return render_template("outreach/index.html", area=area, rows=rows, total=total, page=page,
                           pages=max(1, -(-total // PER_PAGE)), KIND_NAMES=KIND_NAMES, form=EmptyForm(),
                           can_record=area.level == AreaLevel.VILLAGE and can_record_in_village(current_user, area),
                           can_edit=lambda s: can_edit_session(current_user, s))


@bp.route("/villages/<int:village_id>/outreach/new", methods=["GET", "POST"])
@login_required
def new(village_id: int):
    village = _area_or_404(village_id)
    if village.level != AreaLevel.VILLAGE:
        abort(404)
    if not can_record_in_village(current_user, village):
        abort(403)
    form = _form()
    if form.validate_on_submit():
        with rule_check(form) as check:
            create_session(current_user, village, _data(form))
        if check.passed:
            flash(_("Đã ghi buổi “%(topic)s”.", topic=form.topic.data.strip()), "success")
            return redirect(url_for("outreach.index", area_id=village.id))
    status = 422 if form.is_submitted() else 200
    return render_template("outreach/form.html", form=form, village=village, session=None), status


@bp.route("/outreach/session/<int:session_id>/edit", methods=["GET", "POST"])
@login_required
def edit(session_id: int):
    session = _session_or_404(session_id)
    if not can_edit_session(current_user, session):
        abort(403)
    form = _form(session)
    if form.validate_on_submit():
        with rule_check(form) as check:
            update_session(current_user, session, _data(form))
        if check.passed:
            flash(_("Đã lưu buổi “%(topic)s”.", topic=session.topic), "success")
            return redirect(url_for("outreach.index", area_id=session.village_id))
    status = 422 if form.is_submitted() else 200
    return render_template("outreach/form.html", form=form, village=session.village, session=session,
                           delete_form=EmptyForm()), status


@bp.post("/outreach/session/<int:session_id>/delete")
@login_required
def delete(session_id: int):
    session = _session_or_404(session_id)
    if not can_edit_session(current_user, session):
        abort(403)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with rule_check() as check:
        delete_session(current_user, session)
    if check.passed:
        flash(_("Đã xóa buổi “%(topic)s”.", topic=session.topic), "success")
    return redirect(url_for("outreach.index", area_id=session.village_id))
