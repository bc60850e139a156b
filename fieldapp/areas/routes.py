from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..access import area_or_404, can_manage_villages
from ..extensions import db
from ..models import Area, AreaLevel, Role
from ..rules import RuleError
from . import bp
from .forms import VillageForm, VillageImportForm
from .operations import create_village, import_villages_csv
from .queries import child_counts

MAX_CSV_BYTES = 1024 * 1024


@bp.get("/areas")
@login_required
def top():
    if current_user.role != Role.ADMIN:
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
                           can_manage=area.level == AreaLevel.COMMUNE and can_manage_villages(current_user, area),
                           form=VillageForm(), import_form=VillageImportForm())


def _managed_commune(area_id: int) -> Area:
    commune = area_or_404(current_user, area_id)
    if commune.level != AreaLevel.COMMUNE:
        abort(404)
    if not can_manage_villages(current_user, commune):
        abort(403)
    return commune


@bp.post("/areas/<int:area_id>/villages")
@login_required
def create(area_id: int):
    commune = _managed_commune(area_id)
    form = VillageForm()
    if form.validate_on_submit():
        try:
            village = create_village(current_user, commune, form.name.data)
            db.session.commit()
        except RuleError as err:
            db.session.rollback()
            form.name.errors = list(form.name.errors) + list(err.errors.values())
        else:
            flash(_("Đã thêm %(name)s.", name=village.name), "success")
            return redirect(url_for("areas.show", area_id=commune.id))
    return render_template("areas/show.html", area=commune, rows=child_counts(commune), q="",
                           can_manage=True, form=form, import_form=VillageImportForm()), 422


@bp.post("/areas/<int:area_id>/villages/import")
@login_required
def import_villages(area_id: int):
    commune = _managed_commune(area_id)
    import_form = VillageImportForm()
    if import_form.validate_on_submit():
        raw = import_form.file.data.read(MAX_CSV_BYTES + 1)
        try:
            if len(raw) > MAX_CSV_BYTES:
                raise RuleError({"file": _("Tệp lớn hơn 1 MB.")})
            villages = import_villages_csv(current_user, commune, raw)
            db.session.commit()
        except RuleError as err:
            db.session.rollback()
            import_form.file.errors = list(import_form.file.errors) + list(err.errors.values())
        else:
            flash(_("Đã thêm %(n)d thôn.", n=len(villages)), "success")
            return redirect(url_for("areas.show", area_id=commune.id))
    return render_template("areas/show.html", area=commune, rows=child_counts(commune), q="",
                           can_manage=True, form=VillageForm(), import_form=import_form), 422
