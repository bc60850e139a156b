from datetime import date

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..access import scope_path
from ..extensions import db
from ..models import Area, AreaLevel, Role
from ..spreadsheets import CSV_MIME, XLSX_MIME, csv_bytes, download, xlsx_bytes
from ..counting import today
from ..tallies.routes import date_arg
from . import bp
from .queries import MAX_DAYS, PERIODS, build_report, period_dates
from .tables import csv_rows, service_lines, sheets, summary_lines

REPORT_ROLES = (Role.COMMUNE_OFFICER, Role.PROVINCE_VIEWER, Role.ADMIN)


def report_area_or_404(area_id: int) -> Area:
    """A commune or province inside the user's own area: out of scope 404, a team role 403."""
    area = db.session.get(Area, area_id)
    prefix = scope_path(current_user)
    if area is None or prefix is None or not area.path.startswith(prefix):
        abort(404)
    if current_user.role not in REPORT_ROLES:
        abort(403)
    if area.level not in (AreaLevel.COMMUNE, AreaLevel.PROVINCE):
        abort(404)
    return area



def report_period() -> tuple[str, date, date]:
    """?period=quarter|year|review|custom (&from=&to= for custom); bad input is a 400 in Vietnamese."""
    start, end = date_arg("from"), date_arg("to")
    key = request.args.get("period") or ("custom" if start or end else "quarter")
    if key not in PERIODS:
        abort(400, description=_("Kỳ báo cáo không hợp lệ."))
    on = today()
    if key != "custom":
        start, end = period_dates(key, on)
        return key, start, end
    if start is None or end is None:
        abort(400, description=_("Hãy nhập cả ngày bắt đầu và ngày kết thúc."))
    if start > end:
        abort(400, description=_("Ngày bắt đầu phải trước ngày kết thúc."))
    if end > on:
        abort(400, description=_("Ngày kết thúc không được ở tương lai."))
    if (end - start).days >= MAX_DAYS:
        abort(400, description=_("Một báo cáo dài tối đa %(n)d ngày.", n=MAX_DAYS))
    return key, start, end


def _filename(area: Area, start: date, end: date, ext: str) -> str:
    return f"Bao-cao {area.name} {start.isoformat()} {end.isoformat()}.{ext}"


@bp.get("/reports/<int:area_id>")
@login_required
def show(area_id: int):
    area = report_area_or_404(area_id)
    key, start, end = report_period()
    report = build_report(area, start, end)
    return render_template("reports/show.html", report=report, area=area, key=key, PERIODS=PERIODS,
                           summary=summary_lines(report), services=service_lines(report),
                           today=today(),
                           args={"period": key, "from": start.isoformat(), "to": end.isoformat()},
                           scope=scope_path(current_user))


@bp.get("/reports/<int:area_id>.xlsx")
@login_required
def xlsx(area_id: int):
    area = report_area_or_404(area_id)
    _key, start, end = report_period()
    return download(xlsx_bytes(sheets(build_report(area, start, end))), _filename(area, start, end, "xlsx"),
                    XLSX_MIME)


@bp.get("/reports/<int:area_id>.csv")
@login_required
def csv(area_id: int):
    area = report_area_or_404(area_id)
    _key, start, end = report_period()
    headers, rows = csv_rows(build_report(area, start, end))
    return download(csv_bytes(headers, rows), _filename(area, start, end, "csv"), CSV_MIME)
