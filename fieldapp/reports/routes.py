from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..access import can_draft_report, can_record_activities, can_see_reports, is_admin, own_area_or_404, scope_path
from ..counting import today
from ..extensions import db
from ..forms import EmptyForm
from ..input_guard import bounded_int
from ..integrations.tokens import token_readable
from ..models import ActivityKind, Area, AreaLevel, CommuneActivity, DocumentKind, IssuerSetting
from ..spreadsheets import CSV_MIME, XLSX_MIME, csv_bytes, download, xlsx_bytes
from ..unit_of_work import rule_check
from . import bp
from .commendation import DEFAULT_MEMBERS, DEFAULT_TEAMS, build_proposal
from .document import commendation_document, report_document
from .docx import DOCX_MIME, docx_bytes
from .figures import cutoff, late_reason, late_visit_rows
from .forms import ActivityForm, CommendationDraftForm, IssuerForm, ReportDraftForm
from .operations import (
    ActivityData,
    create_activity,
    delete_activity,
    draft_fields,
    save_draft,
    save_issuer,
    update_activity,
)
from .periods import Period, PeriodError, parse_period, quick_picks
from .queries import build_report
from .tables import (
    ACTIVITY_NAMES,
    ACTIVITY_UNITS,
    activity_lines,
    approval_text,
    csv_rows,
    indicator_lines,
    late_text,
    organisation_lines,
    outreach_lines,
    payment_basis,
    population_lines,
    service_lines,
    sheets,
    visit_lines,
)


def report_area_or_404(area_id: int) -> Area:
    """A commune or province inside the user's own area: out of scope 404, a team role 403."""
    area = own_area_or_404(current_user, area_id)
    if not can_see_reports(current_user):
        abort(403)
    if area.level not in (AreaLevel.COMMUNE, AreaLevel.PROVINCE):
        abort(404)
    return area


def _commune_or_404(area_id: int) -> Area:
    area = report_area_or_404(area_id)
    if area.level != AreaLevel.COMMUNE:
        abort(404)
    return area


def report_period() -> Period:
    """The period of the query string; bad input is a 400 in Vietnamese."""
    try:
        return parse_period(request.args)
    except PeriodError as err:
        abort(400, description=str(err))


def _download(data: bytes, stem: str, ext: str, mime: str):
    return download(data, f"{stem}.{ext}", mime)


@bp.get("/reports/<int:area_id>")
@login_required
def show(area_id: int):
    area = report_area_or_404(area_id)
    period = report_period()
    report = build_report(area, period)
    return render_template(
        "reports/show.html", report=report, area=area, period=period, picks=quick_picks(), today=today(),
        args=period.args(), organisation=organisation_lines(report), population=population_lines(report),
        visit_lines=visit_lines(report), services=service_lines(report), indicators=indicator_lines(report),
        outreach=outreach_lines(report), activities=activity_lines(report), payment_basis=payment_basis(report),
        late=late_text(report), approval=approval_text(report), can_draft=can_draft_report(current_user, area),
        can_record=can_record_activities(current_user, area), years=range(today().year, 2021, -1))


def _report_and_fields(area: Area, period: Period):
    fields, _source = draft_fields(area, DocumentKind.REPORT, period)
    return build_report(area, period), fields


@bp.get("/reports/<int:area_id>/document")
@login_required
def document(area_id: int):
    area = report_area_or_404(area_id)
    period = report_period()
    report, fields = _report_and_fields(area, period)
    return render_template("reports/document.html", doc=report_document(report, fields), area=area,
                           args=period.args(), back=url_for("reports.show", area_id=area.id, **period.args()),
                           docx_url=url_for("reports.docx", area_id=area.id, **period.args()),
                           draft_url=url_for("reports.draft", area_id=area.id, **period.args())
                           if can_draft_report(current_user, area) else None)


@bp.get("/reports/<int:area_id>.docx")
@login_required
@token_readable
def docx(area_id: int):
    area = report_area_or_404(area_id)
    period = report_period()
    report, fields = _report_and_fields(area, period)
    doc = report_document(report, fields)
    return _download(docx_bytes(doc), doc.file_stem, "docx", DOCX_MIME)


@bp.get("/reports/<int:area_id>.xlsx")
@login_required
@token_readable
def xlsx(area_id: int):
    area = report_area_or_404(area_id)
    period = report_period()
    return _download(xlsx_bytes(sheets(build_report(area, period))), f"Bao-cao {area.name} {period.short()}",
                     "xlsx", XLSX_MIME)


@bp.get("/reports/<int:area_id>.csv")
@login_required
@token_readable
def csv(area_id: int):
    area = report_area_or_404(area_id)
    period = report_period()
    headers, rows = csv_rows(build_report(area, period))
    return _download(csv_bytes(headers, rows), f"Bao-cao {area.name} {period.short()}", "csv", CSV_MIME)


@bp.get("/reports/<int:area_id>/late")
@login_required
def late(area_id: int):
    """The visits that moved a closed period's figures after its last day."""
    area = report_area_or_404(area_id)
    period = report_period()
    after = cutoff(period.end)
    rows = late_visit_rows(area, period.as_of, after)
    return render_template("reports/late.html", area=area, period=period, rows=rows, after=after,
                           reason=lambda v: late_reason(v, after), args=period.args())


# --- The officer's draft: what the app cannot know ------------------------------------------------

def _draft_page(area: Area, kind: str, form_class, template_args: dict):
    if not can_draft_report(current_user, area):
        abort(403)
    period = report_period()
    fields, source = draft_fields(area, kind, period)
    if request.method == "GET":
        data = dict(fields)
        if data.get("doc_date"):
            try:
                data["doc_date"] = date.fromisoformat(data["doc_date"])
            except ValueError:
                data["doc_date"] = None
        form = form_class(data=data)
    else:
        form = form_class()
    if form.validate_on_submit():
        raw = {name: getattr(form, name).data for name in form._fields if name != "csrf_token"}
        raw["doc_date"] = raw["doc_date"].isoformat() if raw.get("doc_date") else ""
        for name in ("teams_n", "members_n"):
            if name in raw:
                raw[name] = "" if raw[name] is None else str(raw[name])
        with rule_check(form) as check:
            save_draft(current_user, area, kind, period, raw)
        if check.passed:
            flash(_("Đã lưu bản thảo văn bản."), "success")
            target = "reports.document" if kind == DocumentKind.REPORT else "reports.commendation"
            return redirect(url_for(target, area_id=area.id, **period.args()))
    status = 422 if form.is_submitted() else 200
    return render_template("reports/draft.html", form=form, area=area, period=period, kind=kind, source=source,
                           **template_args), status


@bp.route("/reports/<int:area_id>/draft", methods=["GET", "POST"])
@login_required
def draft(area_id: int):
    area = report_area_or_404(area_id)
    return _draft_page(area, DocumentKind.REPORT, ReportDraftForm, {})


# --- The commendation proposal (Tờ trình đề nghị khen thưởng) -------------------------------------

def _proposal(area: Area, period: Period):
    fields, _source = draft_fields(area, DocumentKind.COMMENDATION, period)

    def n(name, default):
        value = fields.get(name) or ""
        return int(value) if value.isdigit() else default
    proposal = build_proposal(area, period, n("teams_n", DEFAULT_TEAMS), n("members_n", DEFAULT_MEMBERS))
    return commendation_document(proposal, fields)


@bp.get("/reports/<int:area_id>/commendation")
@login_required
def commendation(area_id: int):
    area = _commune_or_404(area_id)
    period = report_period() if request.args else Period.review(today().year)
    return render_template("reports/document.html", doc=_proposal(area, period), area=area, args=period.args(),
                           back=url_for("reports.show", area_id=area.id, **period.args()),
                           docx_url=url_for("reports.commendation_docx", area_id=area.id, **period.args()),
                           draft_url=url_for("reports.commendation_draft", area_id=area.id, **period.args())
                           if can_draft_report(current_user, area) else None)


@bp.get("/reports/<int:area_id>/commendation.docx")
@login_required
def commendation_docx(area_id: int):
    area = _commune_or_404(area_id)
    period = report_period() if request.args else Period.review(today().year)
    doc = _proposal(area, period)
    return _download(docx_bytes(doc), doc.file_stem, "docx", DOCX_MIME)


@bp.route("/reports/<int:area_id>/commendation/draft", methods=["GET", "POST"])
@login_required
def commendation_draft(area_id: int):
    area = _commune_or_404(area_id)
    return _draft_page(area, DocumentKind.COMMENDATION, CommendationDraftForm, {})


# --- Commune activities: what the officer records that village teams cannot -------------------------

def _activity_or_404(activity_id: int) -> CommuneActivity:
    activity = db.session.get(CommuneActivity, activity_id)
    prefix = scope_path(current_user)
    if activity is None or activity.deleted_at is not None or prefix is None \
            or not activity.commune.path.startswith(prefix):
        abort(404)
    if not can_see_reports(current_user):
        abort(403)
    return activity


def _activity_data(form: ActivityForm) -> ActivityData:
    return ActivityData(kind=form.kind.data, held_on=form.held_on.data, title=form.title.data,
                        quantity=form.quantity.data, attendees=form.attendees.data)


@bp.get("/reports/<int:area_id>/activities")
@login_required
def activities(area_id: int):
    area = _commune_or_404(area_id)
    page = max(request.args.get("page", 1, type=bounded_int) or 1, 1)
    rows = list(db.session.scalars(select(CommuneActivity).where(
        CommuneActivity.commune_id == area.id, CommuneActivity.deleted_at.is_(None))
        .order_by(CommuneActivity.held_on.desc(), CommuneActivity.id.desc()).limit(50).offset((page - 1) * 50)))
    return render_template("reports/activities.html", area=area, rows=rows, page=page, NAMES=ACTIVITY_NAMES,
                           UNITS=ACTIVITY_UNITS, can_record=can_record_activities(current_user, area),
                           form=ActivityForm(formdata=None, kind=ActivityKind.LEAFLETS, held_on=today()))


@bp.post("/reports/<int:area_id>/activities")
@login_required
def activity_new(area_id: int):
    area = _commune_or_404(area_id)
    if not can_record_activities(current_user, area):
        abort(403)
    form = ActivityForm()
    if form.validate_on_submit():
        with rule_check(form) as check:
            create_activity(current_user, area, _activity_data(form))
        if check.passed:
            flash(_("Đã ghi hoạt động “%(t)s”.", t=" ".join(form.title.data.split())), "success")
            return redirect(url_for("reports.activities", area_id=area.id))
    return render_template("reports/activity_form.html", form=form, area=area, activity=None), 422


@bp.route("/reports/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@login_required
def activity_edit(activity_id: int):
    activity = _activity_or_404(activity_id)
    area = activity.commune
    if not can_record_activities(current_user, area):
        abort(403)
    form = ActivityForm(obj=activity) if request.method == "GET" else ActivityForm()
    if form.validate_on_submit():
        with rule_check(form) as check:
            update_activity(current_user, activity, _activity_data(form))
        if check.passed:
            flash(_("Đã lưu hoạt động."), "success")
            return redirect(url_for("reports.activities", area_id=area.id))
    status = 422 if form.is_submitted() else 200
    return render_template("reports/activity_form.html", form=form, area=area, activity=activity), status


@bp.post("/reports/activities/<int:activity_id>/delete")
@login_required
def activity_delete(activity_id: int):
    activity = _activity_or_404(activity_id)
    if not can_record_activities(current_user, activity.commune):
        abort(403)
    if not EmptyForm().validate_on_submit():
        abort(400)
    delete_activity(current_user, activity)
    flash(_("Đã xóa hoạt động “%(t)s”.", t=activity.title), "success")
    return redirect(url_for("reports.activities", area_id=activity.commune_id))


# --- A province's issuing body ----------------------------------------------------------------------

@bp.route("/reports/<int:area_id>/settings", methods=["GET", "POST"])
@login_required
def settings(area_id: int):
    area = report_area_or_404(area_id)
    if area.level != AreaLevel.PROVINCE:
        abort(404)
    if not is_admin(current_user):
        abort(403)
    setting = db.session.get(IssuerSetting, area.id)
    form = IssuerForm(obj=setting) if request.method == "GET" and setting else IssuerForm()
    if form.validate_on_submit():
        with rule_check(form) as check:
            save_issuer(current_user, area, form.body.data, form.abbreviation.data, form.head_title.data,
                        form.parent.data)
        if check.passed:
            flash(_("Đã lưu cơ quan ban hành báo cáo của %(p)s.", p=area.name), "success")
            return redirect(url_for("reports.show", area_id=area.id))
    status = 422 if form.is_submitted() else 200
    return render_template("reports/settings.html", form=form, area=area), status
