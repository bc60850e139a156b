"""Imports: upload → preview (nothing written) → confirm (every row in one transaction, or none).

The uploaded file waits between the preview and the confirmation in the database (see stash.py).
"""
from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from ..access import (
    area_or_404,
    can_lead_team,
    can_manage_members,
    can_run_commune,
    can_run_village,
    can_see_personal_data,
    can_view_team,
)
from ..extensions import db
from ..forms import EmptyForm
from ..input_guard import BAD_TEXT
from ..jobs import operations as jobs
from ..models import AreaLevel, Team
from ..rules import RuleError
from ..spreadsheets import CSV_MIME, XLSX_MIME, Sheet, csv_bytes, download, xlsx_bytes
from ..unit_of_work import keep_on_refusal
from . import bp, stash
from . import jobs as _import_jobs  # noqa: F401 (registers the job)
from . import operations as ops
from .forms import ConfirmForm, HouseholdUploadForm, UploadForm

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
FORM_ROOM = 64 * 1024  # the CSRF token and the other fields of the multipart form


def _size_message() -> str:
    return _("Tệp lớn hơn %(n)d MB. Hãy chia danh sách thành nhiều tệp nhỏ hơn rồi nhập từng tệp.",
             n=MAX_UPLOAD_BYTES // (1024 * 1024))


@bp.url_value_preprocessor
def _limit_upload(endpoint, values):
    """Runs before the app's before_request hooks read the form: a larger body is refused unread."""
    request.max_content_length = MAX_UPLOAD_BYTES + FORM_ROOM


@bp.errorhandler(413)
def _too_large(e):
    return render_template("error.html", code=413, title=_("Tệp quá lớn"), message=_size_message()), 413


@dataclass
class Target:
    kind: str
    obj: Any  # the village or commune (an Area), or the team
    title: str
    back_url: str
    back_label: str
    endpoint: str          # the upload page; "<endpoint>_confirm" and "<endpoint>_template" follow
    url_values: dict

    def url(self, suffix: str = "", **extra) -> str:
        return url_for(f"imports.{self.endpoint}{suffix}", **self.url_values, **extra)


# --- Whose import ---------------------------------------------------------------------------------

def _households_target(village_id: int) -> Target:
    village = area_or_404(current_user, village_id)
    if village.level != AreaLevel.VILLAGE:
        abort(404)
    if not can_run_village(current_user, village):
        abort(403)
    return Target("households", village, _("Nhập danh sách hộ của %(name)s", name=village.name),
                  url_for("households.village", village_id=village.id), village.name,
                  "households", {"village_id": village.id})


def _villages_target(area_id: int) -> Target:
    commune = area_or_404(current_user, area_id)
    if commune.level != AreaLevel.COMMUNE:
        abort(404)
    if not can_run_commune(current_user, commune):
        abort(403)
    return Target("villages", commune, _("Nhập danh sách thôn của %(name)s", name=commune.name),
                  url_for("areas.show", area_id=commune.id), commune.name, "villages", {"area_id": commune.id})


def _members_target(team_id: int) -> Target:
    team = db.session.get(Team, team_id)
    if team is None or not can_view_team(current_user, team):
        abort(404)
    if not can_manage_members(current_user, team):
        abort(403)
    return Target("members", team, _("Nhập danh sách thành viên của %(name)s", name=team.name),
                  url_for("teams.show", team_id=team.id), team.name, "members", {"team_id": team.id})


TARGETS = {"households": _households_target, "villages": _villages_target, "members": _members_target}


# --- The three steps, shared by every kind ---------------------------------------------------------

def _upload_form(target: Target):
    return HouseholdUploadForm() if target.kind == "households" else UploadForm()


def _render_upload(target: Target, form=None, error: str | None = None, status: int = 200):
    return render_template("imports/upload.html", target=target, form=form or _upload_form(target),
                           columns=ops.COLUMNS[target.kind], error=error), status


def _plan(target: Target, filename: str, data: bytes, consent: bool) -> ops.Plan:
    if target.kind == "households":
        return ops.plan_households(target.obj, filename, data, consent,
                                   personal=can_see_personal_data(current_user, target.obj))
    if target.kind == "villages":
        return ops.plan_villages(target.obj, filename, data)
    return ops.plan_members(current_user, target.obj, filename, data)


def _render_preview(target: Target, plan: ops.Plan, token: str | None, error: str | None = None,
                    status: int | None = None):
    form = ConfirmForm(token=token)
    if status is None:
        status = 200 if plan.ok else 422
    return render_template("imports/preview.html", target=target, plan=plan, form=form, error=error,
                           totals=plan.totals), status


def _upload(target: Target):
    form = _upload_form(target)
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return _render_upload(target, form, status=status)
    upload = form.file.data
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        return _render_upload(target, form, error=_size_message(), status=413)
    filename = BAD_TEXT.sub("", upload.filename or "").strip()[:200]
    consent = bool(getattr(form, "consent", None) and form.consent.data)
    plan = _plan(target, filename, data, consent)
    db.session.rollback()  # the preview only read; nothing of it stays in the session
    token = None
    if plan.ok:
        token = stash.save(user_id=current_user.id, kind=target.kind, target_id=target.obj.id,
                           filename=filename, consent=consent, data=data)
    return _render_preview(target, plan, token)


def _confirm(target: Target):
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    stashed = stash.load(form.token.data, user_id=current_user.id, kind=target.kind, target_id=target.obj.id)
    if stashed is None:
        return _render_upload(target, error=_(
            "Phiên nhập tệp đã hết hạn hoặc đã được xác nhận. Hãy tải tệp lên lại để xem trước."), status=422)
    if target.kind == "households":  # thousands of rows: checked again and written by the worker
        job = jobs.submit(current_user, "import_households", {
            "village_id": target.obj.id, "token": stashed.token, "title": target.title,
            "back": ["households.village", {"village_id": target.obj.id}, target.back_label]}, target.obj)
        return redirect(url_for("jobs.show", job_id=job.id))
    plan = _plan(target, stashed.filename, stashed.data, stashed.consent)
    if not plan.ok:
        db.session.rollback()
        stash.discard(stashed.token)
        keep_on_refusal()  # the file is spent though the answer is a refusal
        return _render_preview(target, plan, None, error=_(
            "Dữ liệu đã thay đổi từ lúc xem trước và tệp không còn nhập được. Chưa có gì được ghi."))
    result: object  # the counts, or the members created
    try:
        if target.kind == "households":
            result = ops.apply_households(current_user, target.obj, plan)
        elif target.kind == "villages":
            result = ops.apply_villages(current_user, target.obj, plan)
        else:
            result = ops.apply_members(current_user, target.obj, plan)
        stash.discard(stashed.token)  # consumed with the import, in its transaction
        db.session.flush()  # a clash with a write made meanwhile surfaces here, as a refusal
    except (RuleError, IntegrityError) as err:
        db.session.rollback()
        message = err.message if isinstance(err, RuleError) else _("Dữ liệu vừa bị thay đổi ở nơi khác.")
        return _render_preview(target, plan, stashed.token, status=422, error=_(
            "Không nhập được, chưa có gì được ghi: %(message)s", message=message))
    totals = plan.totals
    summary = _("Đã nhập tệp %(file)s: thêm mới %(c)d, cập nhật %(u)d, không đổi %(s)d.", file=plan.filename,
                c=totals["create"], u=totals["update"], s=totals["same"])
    if target.kind == "members":
        return render_template("imports/members_done.html", target=target, team=target.obj, created=result,
                               summary=summary, can_lead=can_lead_team(current_user, target.obj),
                               form=EmptyForm())
    flash(summary, "success")
    return redirect(target.back_url)


def _template(target: Target):
    sheet: Sheet = ops.template_sheet(target.kind)
    name = {"households": "mau-nhap-ho", "villages": "mau-nhap-thon", "members": "mau-nhap-thanh-vien"}[target.kind]
    if request.args.get("format") == "xlsx":
        return download(xlsx_bytes([sheet]), f"{name}.xlsx", XLSX_MIME)
    return download(csv_bytes(sheet.headers, sheet.rows), f"{name}.csv", CSV_MIME)


# --- Endpoints ----------------------------------------------------------------------------------

@bp.route("/villages/<int:village_id>/import", methods=["GET", "POST"])
@login_required
def households(village_id: int):
    return _upload(_households_target(village_id))


@bp.post("/villages/<int:village_id>/import/confirm")
@login_required
def households_confirm(village_id: int):
    return _confirm(_households_target(village_id))


@bp.get("/villages/<int:village_id>/import/template")
@login_required
def households_template(village_id: int):
    return _template(_households_target(village_id))


@bp.route("/areas/<int:area_id>/import-villages", methods=["GET", "POST"])
@login_required
def villages(area_id: int):
    return _upload(_villages_target(area_id))


@bp.post("/areas/<int:area_id>/import-villages/confirm")
@login_required
def villages_confirm(area_id: int):
    return _confirm(_villages_target(area_id))


@bp.get("/areas/<int:area_id>/import-villages/template")
@login_required
def villages_template(area_id: int):
    return _template(_villages_target(area_id))


@bp.route("/teams/<int:team_id>/import", methods=["GET", "POST"])
@login_required
def members(team_id: int):
    return _upload(_members_target(team_id))


@bp.post("/teams/<int:team_id>/import/confirm")
@login_required
def members_confirm(team_id: int):
    return _confirm(_members_target(team_id))


@bp.get("/teams/<int:team_id>/import/template")
@login_required
def members_template(team_id: int):
    return _template(_members_target(team_id))
