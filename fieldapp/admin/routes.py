from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from ..access import is_admin
from ..areas.operations import import_areas
from ..extensions import db
from ..forms import EmptyForm
from ..input_guard import bounded_int
from ..jobs import operations as jobs
from ..models import Area, AreaLevel, Role, Service, User
from ..services.queries import all_services
from ..tallies import jobs as _tally_jobs  # noqa: F401 (registers the job)
from ..teams.operations import create_account
from ..unit_of_work import rule_check
from . import bp
from .forms import AccountForm, ImportAreasForm, ServiceForm
from .operations import (
    ServiceData,
    create_service,
    is_used,
    move_service,
    remove_service,
    restore_service,
    update_service,
)


@bp.before_request
@login_required
def _admins_only():
    if not is_admin(current_user):
        abort(403)


@bp.get("")
def index():
    return render_template("admin/index.html", import_form=ImportAreasForm(), form=EmptyForm())


@bp.post("/rebuild-tallies")
def rebuild_tallies_view():
    """Recount every counter (minutes on a province): a background job, with its progress page."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    job = jobs.submit(current_user, "rebuild_tallies", {
        "title": _("Tính lại số liệu"), "back": ["admin.index", {}, _("Quản trị")]}, None)
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.post("/import-areas")
def import_areas_view():
    form = ImportAreasForm()
    if form.validate_on_submit():
        with rule_check() as check:
            added, updated = import_areas(form.province.data or None)
        if check.error is not None:
            form.province.errors = list(form.province.errors) + list(check.error.errors.values())
        else:
            flash(_("Đã thêm %(a)d, cập nhật %(u)d đơn vị hành chính.", a=added, u=updated), "success")
            return redirect(url_for("admin.index"))
    return render_template("admin/index.html", import_form=form, form=EmptyForm()), 422


# ---- officer and viewer accounts -------------------------------------------

def _provinces() -> list[Area]:
    return list(db.session.scalars(select(Area).where(Area.level == AreaLevel.PROVINCE).order_by(Area.name_folded)))


def _render_accounts(province: Area | None, form: AccountForm | None = None, status: int = 200):
    form = form or AccountForm()
    if province is not None:
        communes = db.session.scalars(select(Area).where(Area.parent_id == province.id,
                                                         Area.level == AreaLevel.COMMUNE).order_by(Area.name_folded))
        form.area_id.choices = [SelectChoice(province.id, _("Toàn %(name)s (cán bộ tỉnh)", name=province.name))] + [
            SelectChoice(c.id, c.name) for c in communes]
    accounts = db.session.scalars(select(User).options(selectinload(User.area)).where(  # each one's area: one query
        User.role.in_((Role.COMMUNE_OFFICER, Role.PROVINCE_VIEWER, Role.ADMIN))).order_by(User.role, User.name)).all()
    return render_template("admin/accounts.html", provinces=_provinces(), province=province, form=form,
                           accounts=accounts), status


def _province_arg() -> Area | None:
    province_id = request.args.get("province", type=bounded_int)
    if province_id is None:
        return None
    province = db.session.get(Area, province_id)
    if province is None or province.level != AreaLevel.PROVINCE:
        abort(404)
    return province


@bp.get("/accounts")
def accounts():
    return _render_accounts(_province_arg())


@bp.post("/accounts")
def create_account_view():
    province = _province_arg()
    form = AccountForm()
    if form.validate_on_submit():
        area = db.session.get(Area, form.area_id.data)
        with rule_check(form) as check:
            user = create_account(current_user, phone=form.phone.data, name=form.name.data,
                                  password=form.password.data, role=form.role.data, area=area)
        if check.passed:
            flash(_("Đã tạo tài khoản %(name)s (%(phone)s).", name=user.name, phone=user.phone), "success")
            return redirect(url_for("admin.accounts", province=province.id if province else None))
    return _render_accounts(province, form, 422)


# ---- the service catalogue -------------------------------------------------

def _service_or_404(service_id: int) -> Service:
    service = db.session.get(Service, service_id)
    if service is None:
        abort(404)
    return service


def _data(form: ServiceForm) -> ServiceData:
    return ServiceData(code=form.code.data, name=form.name.data, short_name=form.short_name.data,
                       eligibility=form.eligibility.data, points=form.points.data)


def _render_services(form: ServiceForm | None = None, status: int = 200):
    services = all_services()
    return render_template("admin/services.html", services=services, form=form or ServiceForm(),
                           button_form=EmptyForm()), status


@bp.get("/services")
def services():
    return _render_services()


@bp.post("/services")
def create_service_view():
    form = ServiceForm()
    if form.validate_on_submit():
        with rule_check(form) as check:
            service = create_service(current_user, _data(form))
        if check.passed:
            flash(_("Đã thêm %(name)s vào danh mục.", name=service.short_name), "success")
            return redirect(url_for("admin.services"))
    return _render_services(form, 422)


@bp.route("/services/<int:service_id>", methods=["GET", "POST"])
def edit_service(service_id: int):
    service = _service_or_404(service_id)
    form = ServiceForm(obj=service) if request.method == "GET" else ServiceForm()
    if form.validate_on_submit():
        with rule_check(form) as check:
            update_service(current_user, service, _data(form))
        if check.passed:
            flash(_("Đã lưu %(name)s.", name=service.short_name), "success")
            return redirect(url_for("admin.services"))
    status = 422 if form.is_submitted() else 200
    return render_template("admin/service_form.html", service=service, form=form, used=is_used(service),
                           button_form=EmptyForm()), status


@bp.post("/services/<int:service_id>/move/<direction>")
def move_service_view(service_id: int, direction: str):
    service = _service_or_404(service_id)
    if direction not in ("up", "down") or not EmptyForm().validate_on_submit():
        abort(400)
    move_service(current_user, service, -1 if direction == "up" else 1)
    return redirect(url_for("admin.services"))


@bp.post("/services/<int:service_id>/remove")
def remove_service_view(service_id: int):
    service = _service_or_404(service_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    name = service.short_name
    with rule_check() as check:
        outcome = remove_service(current_user, service)
    if not check.passed:
        return _render_services(status=422)
    if outcome == "archived":
        flash(_("%(name)s đã có lượt thăm ghi nhận nên được lưu trữ, không xóa: báo cáo cũ vẫn giữ nguyên, "
                "phiếu thăm mới không còn dịch vụ này.", name=name), "success")
    else:
        flash(_("Đã xóa %(name)s khỏi danh mục.", name=name), "success")
    return redirect(url_for("admin.services"))


@bp.post("/services/<int:service_id>/restore")
def restore_service_view(service_id: int):
    service = _service_or_404(service_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with rule_check() as check:
        restore_service(current_user, service)
    if not check.passed:
        return _render_services(status=422)
    flash(_("%(name)s đã dùng lại trên phiếu thăm.", name=service.short_name), "success")
    return redirect(url_for("admin.services"))
