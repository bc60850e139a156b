from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..access import (
    area_or_404,
    can_edit_household,
    can_edit_visit,
    can_record_in_village,
    can_run_village,
    can_see_personal_data,
    household_or_404,
    is_leader,
    works_in_village,
)
from ..counting import today
from ..forms import EmptyForm
from ..input_guard import bounded_int
from ..joining.queries import pending_requests
from ..models import AreaLevel
from ..notices.queries import home_notices
from ..timeutil import utcnow
from ..unit_of_work import rule_check
from ..walks.queries import leader_week
from . import bp, queries
from .forms import HouseholdForm
from .operations import (
    HouseholdData,
    create_household,
    delete_household,
    household_data_from,
    restore_household,
    update_household,
)
from .pages import render_deleted


def _data(form: HouseholdForm) -> HouseholdData:
    return HouseholdData(
        code=form.code.data, residents_total=form.residents_total.data,
        residents_14plus=form.residents_14plus.data, residents_18plus=form.residents_18plus.data,
        smartphones=form.smartphones.data or 0, head_name=form.head_name.data,
        head_phone=form.head_phone.data, consent=form.consent.data)


@bp.get("/villages/<int:village_id>")
@login_required
def village(village_id: int):
    village = area_or_404(current_user, village_id)
    if village.level != AreaLevel.VILLAGE:
        abort(404)
    on = today()
    in_team = works_in_village(current_user, village)
    counts = queries.village_counts(village.id, on, current_user.id if in_team else None)
    filter_ = request.args.get("filter")
    if filter_ not in queries.FILTERS:
        filter_ = "mine" if counts["mine"] else "all"  # a member sees "Hộ của tôi" first
    sort = request.args.get("sort")
    sort = sort if sort in queries.SORTS else "code"
    q = (request.args.get("q") or "")[:100]
    page = request.args.get("page", 1, type=bounded_int)
    result = queries.village_households(village.id, q=q, filter_=filter_, page=page, sort=sort, on=on,
                                        user_id=current_user.id, per_page=current_app.config["HOUSEHOLDS_PER_PAGE"],
                                        names=can_see_personal_data(current_user, village))
    leads = in_team and is_leader(current_user)
    return render_template(
        "households/list.html", village=village, result=result, q=q, filter_=filter_, sort=sort,
        counts=counts, today=on, long_since=queries.LONG_SINCE_DAYS,
        due=queries.due_households(village.id, on, assignee_id=current_user.id if counts["mine"] else None),
        week=leader_week(current_user.team, on) if leads else None, in_team=in_team,
        join_requests=len(pending_requests(current_user.team_id)) if leads else 0,
        notices=home_notices(current_user, village),
        can_record=can_record_in_village(current_user, village),
        can_import=can_run_village(current_user, village))


@bp.route("/villages/<int:village_id>/households/new", methods=["GET", "POST"])
@login_required
def new(village_id: int):
    village = area_or_404(current_user, village_id)
    if village.level != AreaLevel.VILLAGE:
        abort(404)
    if not can_record_in_village(current_user, village):
        abort(403)
    form = HouseholdForm()
    if form.validate_on_submit():
        with rule_check(form) as check:
            household = create_household(current_user, village, _data(form))
        if check.passed:
            flash(_("Đã thêm hộ %(code)s.", code=household.code), "success")
            return redirect(url_for("households.show", household_id=household.id))
    status = 422 if form.is_submitted() else 200
    return render_template("households/form.html", form=form, village=village, household=None), status


@bp.get("/households/<household_id>")
@login_required
def show(household_id: str):
    household = household_or_404(current_user, household_id)
    return render_template(
        "households/detail.html", household=household,
        progress=queries.progress_rows(household), visits=queries.household_visits(household.id),
        can_record=can_record_in_village(current_user, household.village),
        can_edit_visit=lambda v: can_edit_visit(current_user, v, utcnow(), current_app.config["VISIT_EDIT_WINDOW_HOURS"]),
        delete_form=EmptyForm())


@bp.route("/households/<household_id>/edit", methods=["GET", "POST"])
@login_required
def edit(household_id: str):
    household = household_or_404(current_user, household_id)
    if not can_edit_household(current_user, household):
        abort(403)
    form = HouseholdForm(data=household_data_from(household) if request.method == "GET" else None)
    if form.validate_on_submit():
        with rule_check(form) as check:
            update_household(current_user, household, _data(form))
        if check.passed:
            flash(_("Đã lưu thông tin hộ %(code)s.", code=household.code), "success")
            return redirect(url_for("households.show", household_id=household.id))
    status = 422 if form.is_submitted() else 200
    return render_template("households/form.html", form=form, village=household.village,
                           household=household), status


# --- Soft delete and undo (issue 7) ---

@bp.post("/households/<household_id>/delete")
@login_required
def delete(household_id: str):
    household = household_or_404(current_user, household_id)
    if not can_edit_household(current_user, household):
        abort(403)
    if not EmptyForm().validate_on_submit():
        abort(400)
    delete_household(current_user, household)
    flash(_("Đã xóa hộ %(code)s. Có thể hoàn tác bên dưới.", code=household.code), "success")
    return redirect(url_for("households.deleted", village_id=household.village_id))


@bp.post("/households/<household_id>/restore")
@login_required
def restore(household_id: str):
    household = household_or_404(current_user, household_id, deleted=True)
    if not can_edit_household(current_user, household):
        abort(403)
    if not EmptyForm().validate_on_submit():
        abort(400)
    restore_household(current_user, household)
    flash(_("Đã khôi phục hộ %(code)s.", code=household.code), "success")
    return redirect(url_for("households.show", household_id=household.id))


@bp.get("/villages/<int:village_id>/deleted")
@login_required
def deleted(village_id: int):
    village = area_or_404(current_user, village_id)
    if village.level != AreaLevel.VILLAGE:
        abort(404)
    if not can_record_in_village(current_user, village):
        abort(403)
    return render_deleted(village)

