import uuid
from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..access import can_edit_visit, can_record_in_village, household_or_404, leads_a_team, visit_or_404
from ..counting import earliest_visit_day, live, today
from ..extensions import db
from ..forms import EmptyForm
from ..households.pages import render_deleted
from ..households.queries import remaining_per_service
from ..models import Visit, listed_visits
from ..services.queries import active_services
from ..timeutil import to_local, utcnow
from ..unit_of_work import rule_check
from ..write_turns import take_write_turn
from . import bp
from .forms import visit_form_class
from .operations import (
    CREATED,
    DUPLICATE,
    REJECTED,
    VisitRecord,
    delete_visit,
    restore_visit,
    save_visits,
    update_visit,
)


def _client_id(value: str | None) -> str | None:
    try:
        return str(uuid.UUID(value)) if value else None
    except ValueError:
        return None


def _window() -> int:
    return current_app.config["VISIT_EDIT_WINDOW_HOURS"]


def render_form(form, household, visit=None, status=200):
    return render_template("visits/form.html", form=form, household=household, visit=visit,
                           remaining=remaining_per_service(household, visit.id if visit else None),
                           earliest=earliest_visit_day(), today=today()), status


@bp.route("/households/<household_id>/visits/new", methods=["GET", "POST"])
@login_required
def new(household_id: str):
    household = household_or_404(current_user, household_id)
    shown = url_for("households.show", household_id=household.id)  # before the write expires household
    if not can_record_in_village(current_user, household.village):
        abort(403)
    services = active_services()
    form = visit_form_class(services)()
    form.offer_return_days(today())
    if not form.is_submitted():
        form.visited_at.data = to_local(utcnow()).replace(second=0, microsecond=0)
        form.client_id.data = str(uuid.uuid4())
    data = form.visit_data() if form.validate_on_submit() else None
    if data is not None:
        # Made when the form was shown: a double tap or a resent POST is the same visit. A form without
        # one (a very old page) gets one now.
        client_id = _client_id(form.client_id.data) or str(uuid.uuid4())
        code = household.code
        # The form is a batch of one: the sync batch's writer, lock and answers. The active catalogue
        # the form was built from: the writer need not read it again.
        take_write_turn()
        result, = save_visits(current_user._get_current_object(), [VisitRecord(client_id, household.id, data)],
                              {s.code: s for s in services})
        if result.status == REJECTED:
            db.session.rollback()  # nothing of it stays; the form is shown again with the reason
        if result.status == CREATED:
            flash(_("Đã lưu lượt thăm hộ %(code)s.", code=code), "success")
            return redirect(shown)
        if result.status == DUPLICATE:
            flash(_("Lượt thăm này đã được lưu trước đó."), "info")
            return redirect(shown)
        assert result.error is not None  # every rejected record carries its message
        form.apply_errors({"": result.error} if "id" in result.errors else result.errors)
    return render_form(form, household, status=422 if form.is_submitted() else 200)


@bp.route("/visits/<visit_id>/edit", methods=["GET", "POST"])
@login_required
def edit(visit_id: str):
    visit = visit_or_404(current_user, visit_id)
    if not can_edit_visit(current_user, visit, utcnow(), _window()):
        abort(403)
    household = visit.household
    services = active_services()
    known = {s.id for s in services}
    services += [a.service for a in visit.assists if a.service_id not in known]
    form = visit_form_class(services)()
    form.offer_return_days(today(), visit.return_on)
    if not form.is_submitted():
        form.outcome.data = visit.outcome
        form.visited_at.data = to_local(visit.visited_at).replace(second=0, microsecond=0)
        form.note.data = visit.note
        for assist in visit.assists:
            getattr(form, f"svc_{assist.service.code}").data = assist.count
    data = form.visit_data() if form.validate_on_submit() else None
    if data is not None:
        with rule_check(form) as check:
            update_visit(current_user, visit, data)
        if check.passed:
            flash(_("Đã sửa lượt thăm."), "success")
            return redirect(url_for("households.show", household_id=household.id))
    return render_form(form, household, visit, status=422 if form.is_submitted() else 200)


@bp.get("/visits/mine")
@login_required
def mine():
    since = utcnow() - timedelta(days=7)
    visits = db.session.scalars(
        select(Visit).where(Visit.member_id == current_user.id, Visit.received_at >= since, live(Visit))
        .options(*listed_visits()).order_by(Visit.received_at.desc()).limit(200)).all()
    return render_template("visits/list.html", visits=visits, title=_("Lượt thăm của tôi"),
                           editable=lambda v: can_edit_visit(current_user, v, utcnow(), _window()))


@bp.get("/visits/team")
@login_required
def team():
    if not leads_a_team(current_user):
        abort(403)
    since = utcnow() - timedelta(days=14)
    visits = db.session.scalars(
        select(Visit).where(Visit.team_id == current_user.team_id, Visit.visited_at >= since, live(Visit))
        .options(*listed_visits()).order_by(Visit.visited_at.desc()).limit(300)).all()
    return render_template("visits/list.html", visits=visits, title=_("Lượt thăm của tổ (14 ngày)"),
                           editable=lambda v: True)


# --- Soft delete and undo (issue 7) ---

@bp.post("/visits/<visit_id>/delete")
@login_required
def delete(visit_id: str):
    visit = visit_or_404(current_user, visit_id)
    if not can_edit_visit(current_user, visit, utcnow(), _window()):
        abort(403)
    if not EmptyForm().validate_on_submit():
        abort(400)
    delete_visit(current_user, visit)
    flash(_("Đã xóa lượt thăm hộ %(code)s. Có thể hoàn tác bên dưới.", code=visit.household.code), "success")
    return redirect(url_for("households.deleted", village_id=visit.household.village_id))


@bp.post("/visits/<visit_id>/restore")
@login_required
def restore(visit_id: str):
    visit = visit_or_404(current_user, visit_id, deleted=True)
    if not can_edit_visit(current_user, visit, utcnow(), _window()):
        abort(403)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with rule_check(quiet=True) as check:
        restore_visit(current_user, visit)
    if not check.passed:
        assert check.error is not None
        return render_deleted(visit.household.village, error=check.error.message, status=422)
    flash(_("Đã khôi phục lượt thăm."), "success")
    return redirect(url_for("households.show", household_id=visit.household_id))
