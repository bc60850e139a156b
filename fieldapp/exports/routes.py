from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from ..access import can_export_personal, can_see_dashboards, posted_area
from ..input_guard import bounded_int
from ..jobs import operations as jobs
from ..models import Area
from ..spreadsheets import download as download_response
from ..text import number
from ..timeutil import BadDate, parse_day
from . import bp
from . import jobs as _export_jobs  # noqa: F401 (registers the job)
from .files import build_export
from .forms import ExportForm
from .operations import record_personal_export
from .queries import (
    CSV_INLINE_ROWS,
    MAX_ROWS,
    MAX_XLSX_ROWS,
    XLSX_INLINE_ROWS,
    area_choices,
    count_visits,
)


def _in_scope(area_id: int | None) -> Area | None:
    """The area if the user may see it and everything below it (as on the dashboards), else None."""
    return posted_area(current_user, area_id)


def _form_page(form: ExportForm, requested: Area | None, status: int = 200, error: str | None = None):
    mine = current_user.scope_area
    choices = area_choices(current_user, mine, requested)
    form.area.choices = [SelectChoice(a.id, a.name) for a in choices]
    if form.area.data is None and choices:
        form.area.data = (requested or mine or choices[0]).id
    return render_template("exports/index.html", form=form, error=error,
                           may_personal=bool(choices) and any(can_export_personal(current_user, a) for a in choices),
                           max_rows=MAX_ROWS, max_xlsx=MAX_XLSX_ROWS), status


def _dates_from_link() -> dict:
    """A dashboard link carries its range (from, to); anything unreadable falls back to the defaults."""
    out = {}
    for arg, name in (("from", "start"), ("to", "end")):
        try:
            out[name] = parse_day(request.args.get(arg, ""))
        except BadDate:
            pass
    return out


@bp.get("/exports")
@login_required
def index():
    if not can_see_dashboards(current_user):
        abort(403)
    requested = _in_scope(request.args.get("area", type=bounded_int))
    form = ExportForm(formdata=None, **_dates_from_link())
    return _form_page(form, requested)


@bp.get("/exports/download")
@login_required
def download():
    form = ExportForm(formdata=request.args)
    raw_area = request.args.get("area")
    area_id = request.args.get("area", type=bounded_int)
    if raw_area is not None and area_id is None:
        abort(400, description=_("Địa bàn không hợp lệ; vui lòng chọn lại trong danh sách."))
    if area_id is None:
        area_id = getattr(current_user.scope_area, "id", None)
        if area_id is None:  # an admin has no area of their own
            abort(400, description=_("Vui lòng chọn địa bàn."))
    area = _in_scope(area_id)
    if area is None:
        abort(404)
    if not can_see_dashboards(current_user):
        abort(403)
    form.area.choices = [SelectChoice(area.id, area.name)]
    form.area.data = area.id
    if not form.validate():
        return _form_page(form, area, 400)
    start, end, fmt, personal = form.start.data, form.end.data, form.fmt.data, form.personal.data
    if personal and not can_export_personal(current_user, area):
        abort(403)
    n, limit = count_visits(area, start, end), MAX_ROWS if fmt == "csv" else MAX_XLSX_ROWS
    if n > limit:
        message = _("Có %(n)s lượt thăm trong khoảng này, quá %(max)s lượt một lần xuất. Hãy chọn khoảng ngày ngắn "
                    "hơn hoặc một địa bàn nhỏ hơn.", n=number(n), max=number(limit))
        if fmt != "csv" and n <= MAX_ROWS:
            message += " " + _("Hoặc chọn định dạng CSV (tối đa %(max)s lượt).", max=number(MAX_ROWS))
        return _form_page(form, area, 400, message)
    if n > (CSV_INLINE_ROWS if fmt == "csv" else XLSX_INLINE_ROWS):  # seconds of work: the worker makes the file
        job = jobs.submit(current_user, "export", {
            "area_id": area.id, "start": start.isoformat(), "end": end.isoformat(), "fmt": fmt,
            "table": form.table.data, "personal": bool(personal),
            "title": _("Xuất dữ liệu %(area)s, %(a)s – %(b)s", area=area.name, a=start.strftime("%d/%m/%Y"),
                       b=end.strftime("%d/%m/%Y")),
            "back": ["exports.index", {"area": area.id}, _("Xuất dữ liệu")]}, area)
        return redirect(url_for("jobs.show", job_id=job.id))
    export = build_export(area, start, end, fmt, form.table.data, personal)
    if personal and export.visits:
        record_personal_export(current_user, area, start, end, fmt, export.tables, export.visits)
    return download_response(export.data, export.filename, export.mimetype)
