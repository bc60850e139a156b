
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import TextAreaField

from ..access import (
    can_approve_figures,
    can_confirm_figures,
    can_follow_province,
    can_see_dashboards,
    can_see_reports,
    own_area_or_404,
)
from ..forms import EmptyForm, RuleForm
from ..models import Area, AreaLevel, SignOffStatus
from ..reports.periods import Period, PeriodError, parse_period
from ..reports.queries import build_report
from ..reports.tables import unit_name
from ..timeutil import BadDate, parse_day
from ..unit_of_work import rule_check
from . import bp
from .operations import approve, confirm, return_for_correction
from .queries import (
    commune_overview,
    find,
    late_after_approval_rows,
    period_of,
    province_overview,
    recent_periods,
)


class ReturnForm(RuleForm):
    reason = TextAreaField(_l("Lý do trả lại"), render_kw={"rows": 3, "maxlength": 500})


def _area_or_404(area_id: int, level: str) -> Area:
    area = own_area_or_404(current_user, area_id)
    if area.level != level:
        abort(404)
    if not can_see_dashboards(current_user):
        abort(403)
    return area


def _period_or_404(kind: str, start: str) -> Period:
    try:
        day = parse_day(start)
    except BadDate:
        abort(404)
    period = period_of(kind, day)
    if period is None:
        abort(404)
    return period


def _month_or_quarter() -> Period:
    try:
        period = parse_period(request.args)
    except PeriodError as err:
        abort(400, description=str(err))
    if period.signoff_key is None:
        abort(400, description=_("Duyệt số liệu theo tháng hoặc quý: hãy chọn một tháng hoặc một quý."))
    return period


@bp.get("/signoff/villages/<int:village_id>")
@login_required
def village(village_id: int):
    village = _area_or_404(village_id, AreaLevel.VILLAGE)
    periods = recent_periods()
    rows = [(p, find(village, p)) for p in periods]
    return render_template("signoff/village.html", village=village, rows=rows)


def _period_page(village: Area, period: Period, return_form: "ReturnForm | None" = None, status: int = 200):
    signoff = find(village, period)
    report = build_report(village, period)
    t = report.total
    approved = signoff is not None and signoff.status == SignOffStatus.APPROVED
    return render_template(
        "signoff/period.html", village=village, period=period, signoff=signoff, report=report, t=t,
        worked=[s for s in report.services if t.people(s) or t.people_ever(s)], unit_name=unit_name,
        button=EmptyForm(), return_form=return_form or ReturnForm(formdata=None),
        may_confirm=can_confirm_figures(current_user, village) and period.closed, may_decide=can_approve_figures(current_user, village),
        late_rows=late_after_approval_rows(signoff) if signoff and approved else [],
        approved_figures=signoff.snapshot if signoff and approved else None), status


@bp.get("/signoff/villages/<int:village_id>/<kind>/<start>")
@login_required
def period(village_id: int, kind: str, start: str):
    village = _area_or_404(village_id, AreaLevel.VILLAGE)
    return _period_page(village, _period_or_404(kind, start))


def _back(village: Area, period: Period):
    return redirect(url_for("signoff.period", village_id=village.id, kind=period.signoff_key,
                            start=period.start.isoformat()))


@bp.post("/signoff/villages/<int:village_id>/<kind>/<start>/confirm")
@login_required
def do_confirm(village_id: int, kind: str, start: str):
    village = _area_or_404(village_id, AreaLevel.VILLAGE)
    period = _period_or_404(kind, start)
    if not can_confirm_figures(current_user, village):
        abort(403)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with rule_check() as check:
        confirm(current_user, village, period)
    if check.passed:
        flash(_("Đã xác nhận số liệu %(p)s của %(v)s; đang chờ xã duyệt.", p=period.name(), v=village.name),
              "success")
    return _back(village, period)


def _decision(village_id: int, kind: str, start: str, form):
    """(village, period, sign-off) for the officer's approve or return, after scope, rights and the form."""
    village = _area_or_404(village_id, AreaLevel.VILLAGE)
    period = _period_or_404(kind, start)
    if not can_approve_figures(current_user, village):
        abort(403)
    if not form.validate_on_submit():
        abort(400)
    signoff = find(village, period)
    if signoff is None:
        abort(404)
    return village, period, signoff


def _to_commune(village: Area, period: Period):
    return redirect(url_for("signoff.commune", area_id=village.parent_id, **period.args()))


@bp.post("/signoff/villages/<int:village_id>/<kind>/<start>/approve")
@login_required
def do_approve(village_id: int, kind: str, start: str):
    village, period, signoff = _decision(village_id, kind, start, EmptyForm())
    with rule_check() as check:
        approve(current_user, signoff)
    if check.passed:
        flash(_("Đã duyệt số liệu %(p)s của %(v)s.", p=period.name(), v=village.name), "success")
    return _to_commune(village, period)


@bp.post("/signoff/villages/<int:village_id>/<kind>/<start>/return")
@login_required
def do_return(village_id: int, kind: str, start: str):
    form = ReturnForm()
    village, period, signoff = _decision(village_id, kind, start, form)
    with rule_check(form) as check:
        return_for_correction(current_user, signoff, form.reason.data)
    if not check.passed:
        return _period_page(village, period, return_form=form, status=422)
    flash(_("Đã trả lại số liệu %(p)s của %(v)s cho tổ trưởng.", p=period.name(), v=village.name), "success")
    return _to_commune(village, period)


@bp.get("/signoff/communes/<int:area_id>")
@login_required
def commune(area_id: int):
    area = _area_or_404(area_id, AreaLevel.COMMUNE)
    if not can_see_reports(current_user):
        abort(403)
    period = _month_or_quarter()
    return render_template("signoff/commune.html", area=area, period=period, rows=commune_overview(area, period),
                           choices=recent_periods())


@bp.get("/signoff/provinces/<int:area_id>")
@login_required
def province(area_id: int):
    area = _area_or_404(area_id, AreaLevel.PROVINCE)
    if not can_follow_province(current_user):
        abort(403)
    period = _month_or_quarter()
    rows = province_overview(area, period)
    return render_template("signoff/province.html", area=area, period=period, rows=rows, choices=recent_periods(),
                           done=sum(1 for r in rows if r.complete), with_team=sum(1 for r in rows if r.to_approve))

