from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from ..access import area_or_404, can_run_commune, is_admin, managed_commune_or_404, posted_area
from ..extensions import db
from ..forms import EmptyForm
from ..models import Area, AreaLevel
from ..rules import RuleError
from ..services.queries import all_services
from ..unit_of_work import rule_check
from . import bp
from .forms import VillageForm, VillageMergeForm, VillageRenameForm, commune_settings_form_class
from .operations import archive_village, create_village, merge_villages, rename_village, update_commune_settings
from .queries import campaign_points, child_counts, sibling_villages


@bp.get("/areas")
@login_required
def top():
    if not is_admin(current_user):
        abort(403)
    provinces = db.session.scalars(
        select(Area).where(Area.parent_id.is_(None)).order_by(Area.name)).all()
    return render_template("areas/top.html", provinces=provinces)


@bp.get("/areas/<int:area_id>")
@login_required
def show(area_id: int):
    area = area_or_404(current_user, area_id)
    if area.level == AreaLevel.VILLAGE:
        return redirect(url_for("households.village", village_id=area.id))
    q = (request.args.get("q") or "")[:100]
    return render_template("areas/show.html", area=area, rows=child_counts(area, q), q=q,
                           can_manage=area.level == AreaLevel.COMMUNE and can_run_commune(current_user, area),
                           form=VillageForm())


def _managed_commune(area_id: int) -> Area:
    return managed_commune_or_404(current_user, area_id)


@bp.post("/areas/<int:area_id>/villages")
@login_required
def create(area_id: int):
    commune = _managed_commune(area_id)
    form = VillageForm()
    if form.validate_on_submit():
        with rule_check(field=form.name) as check:
            village = create_village(current_user, commune, form.name.data)
        if check.passed:
            flash(_("Đã thêm %(name)s.", name=village.name), "success")
            return redirect(url_for("areas.show", area_id=commune.id))
    return render_template("areas/show.html", area=commune, rows=child_counts(commune), q="",
                           can_manage=True, form=form), 422



def _managed_village(area_id: int) -> Area:
    village = area_or_404(current_user, area_id)
    if village.level != AreaLevel.VILLAGE:
        abort(404)
    assert village.parent is not None  # a village always lies in a commune
    if not can_run_commune(current_user, village.parent):
        abort(403)
    return village


def _render_manage(village: Area, rename_form=None, merge_form=None, status: int = 200):
    rename_form = rename_form or VillageRenameForm(name=village.name)
    merge_form = merge_form or VillageMergeForm()
    merge_form.survivor_id.choices = [SelectChoice(v.id, v.name) for v in sibling_villages(village)]
    return render_template("areas/manage.html", village=village, rename_form=rename_form,
                           merge_form=merge_form, archive_form=EmptyForm()), status


@bp.get("/areas/<int:area_id>/manage")
@login_required
def manage(area_id: int):
    return _render_manage(_managed_village(area_id))


@bp.post("/areas/<int:area_id>/rename")
@login_required
def rename(area_id: int):
    village = _managed_village(area_id)
    form = VillageRenameForm()
    if form.validate_on_submit():
        with rule_check(field=form.name) as check:
            rename_village(current_user, village, form.name.data)
        if check.passed:
            flash(_("Đã đổi tên thành %(name)s.", name=village.name), "success")
            return redirect(url_for("areas.show", area_id=village.parent_id))
    return _render_manage(village, rename_form=form, status=422)


@bp.post("/areas/<int:area_id>/merge")
@login_required
def merge(area_id: int):
    village = _managed_village(area_id)
    form = VillageMergeForm()
    if form.validate_on_submit():
        survivor = posted_area(current_user, form.survivor_id.data)
        with rule_check(form, fallback=form.survivor_id) as check:
            if survivor is None:
                raise RuleError({"survivor_id": _("Không tìm thấy thôn được chọn.")})
            summary = merge_villages(current_user, village, survivor, form.clash_prefix.data)
        if check.passed:
            assert survivor is not None  # refused above
            flash(_("Đã gộp %(a)s vào %(b)s: chuyển %(n)d hộ và %(t)d tổ.", a=village.name, b=survivor.name,
                    n=summary["households"], t=len(summary["teams"])), "success")
            return redirect(url_for("areas.show", area_id=village.parent_id))
    return _render_manage(village, merge_form=form, status=422)


@bp.post("/areas/<int:area_id>/archive")
@login_required
def archive(area_id: int):
    village = _managed_village(area_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with rule_check() as check:
        archive_village(current_user, village)
    if not check.passed:
        return _render_manage(village, status=422)
    flash(_("Đã lưu trữ %(name)s. Lịch sử được giữ nguyên.", name=village.name), "success")
    return redirect(url_for("areas.show", area_id=village.parent_id))


@bp.route("/areas/<int:area_id>/settings", methods=["GET", "POST"])
@login_required
def settings(area_id: int):
    commune = _managed_commune(area_id)
    services = all_services()
    form_class = commune_settings_form_class(services)
    if request.method == "GET":
        points = campaign_points(commune)
        form = form_class(data={"office_phone": commune.office_phone,
                                **{f"pts_{code}": n for code, n in points.items()}})
    else:
        form = form_class()
    if form.validate_on_submit():
        with rule_check(form) as check:
            update_commune_settings(current_user, commune, form.office_phone.data, form.points())
        if check.passed:
            flash(_("Đã lưu cài đặt của %(name)s.", name=commune.name), "success")
            return redirect(url_for("areas.settings", area_id=commune.id))
    status = 422 if form.is_submitted() else 200
    return render_template("areas/settings.html", commune=commune, form=form), status
