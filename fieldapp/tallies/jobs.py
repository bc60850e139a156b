"""Recounting every counter from the visits (a repair, or after a bulk load) as a background job: minutes
on a province, so never in a request. `flask rebuild-tallies` does the same from the command line."""
from flask_babel import gettext as _

from ..access import is_admin
from ..jobs.operations import JobRefused, job_kind, user_of
from ..text import number
from .operations import rebuild_counters


@job_kind("rebuild_tallies")
def rebuild_tallies(job, progress) -> None:
    if not is_admin(user_of(job)):
        raise JobRefused(_("Chỉ quản trị viên được tính lại số liệu."))
    progress(0, 1, _("Đang tính lại mọi số liệu từ các lượt thăm…"), force=True)
    stats = rebuild_counters()
    progress(1, 1)
    job.result = {"summary": _("Đã tính lại số liệu: %(n)s dòng theo ngày, %(t)s dòng tổng.",
                               n=number(stats["day_rows"]), t=number(stats["total_rows"]))}
