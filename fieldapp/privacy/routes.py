import json
import re

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..access import can_manage_personal_data, household_or_404
from ..households.queries import household_visits
from . import bp
from .forms import EraseForm
from .operations import erase_personal_data, export_household, record_export


def _household(household_id: str):
    household = household_or_404(current_user, household_id)
    if not can_manage_personal_data(current_user, household):
        abort(403)
    return household


@bp.get("/households/<household_id>/personal-data")
@login_required
def household_data(household_id: str):
    household = _household(household_id)
    return render_template("privacy/household.html", household=household, form=EraseForm())


@bp.get("/households/<household_id>/personal-data/print")
@login_required
def household_print(household_id: str):
    household = _household(household_id)
    data = export_household(household)
    record_export(current_user, household, "html")
    return render_template("privacy/print.html", household=household, data=data,
                           visits=household_visits(household.id, limit=10000))


@bp.get("/households/<household_id>/personal-data.json")
@login_required
def household_json(household_id: str):
    household = _household(household_id)
    data = export_household(household)
    record_export(current_user, household, "json")
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="ho-{re.sub(r"[^A-Za-z0-9_-]", "_", household.code)}.json"',
        "Cache-Control": "no-store"})


@bp.post("/households/<household_id>/personal-data/erase")
@login_required
def household_erase(household_id: str):
    household = _household(household_id)
    form = EraseForm()
    if not form.validate_on_submit():
        return render_template("privacy/household.html", household=household, form=form), 422
    erase_personal_data(current_user, household)
    flash(_("Đã xóa tên, số điện thoại và ghi chú của hộ %(code)s; số liệu thống kê được giữ lại.",
            code=household.code), "success")
    return redirect(url_for("households.show", household_id=household.id))
