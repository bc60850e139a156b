"""A large export as a background job: the file is made by the worker and kept on the job for its page's
download link (fieldapp/jobs), instead of holding a web worker for seconds."""
from datetime import date

from flask_babel import gettext as _

from ..access import can_export_personal, can_see_dashboards, scope_path
from ..jobs.operations import JobRefused, area_of, job_kind, user_of
from ..text import number
from .files import build_export
from .operations import record_personal_export


@job_kind("export")
def export(job, progress) -> None:
    p = job.params
    user, area = user_of(job), area_of(job, p["area_id"])
    prefix = scope_path(user)
    if not can_see_dashboards(user) or prefix is None or not area.path.startswith(prefix) or (
            p["personal"] and not can_export_personal(user, area)):
        raise JobRefused(_("Bạn không còn quyền xuất dữ liệu của địa bàn này."))
    start, end = date.fromisoformat(p["start"]), date.fromisoformat(p["end"])
    progress(0, 2, _("Đang đọc các lượt thăm…"), force=True)
    made = build_export(area, start, end, p["fmt"], p["table"], p["personal"],
                        on_rows=lambda: progress(1, 2, _("Đang ghi tệp…"), force=True))
    if p["personal"] and made.visits:
        record_personal_export(user, area, start, end, p["fmt"], made.tables, made.visits)
    progress(2, 2)
    job.file_name, job.file_type, job.file_data = made.filename, made.mimetype, made.data
    job.result = {"summary": _("Đã tạo tệp %(name)s: %(n)s lượt thăm.", name=made.filename, n=number(made.visits))
                  if made.visits or p["table"] != "assistance" else _("Đã tạo tệp %(name)s.", name=made.filename)}
