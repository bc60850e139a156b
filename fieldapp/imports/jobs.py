"""The household import as a background job: thousands of rows are checked again and written in bulk
by the worker, with a progress bar, instead of holding a web worker (fieldapp/jobs)."""
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from ..access import can_run_village, can_see_personal_data
from ..jobs.operations import JobRefused, area_of, job_kind, user_of
from ..rules import RuleError
from . import operations as ops
from . import stash


@job_kind("import_households")
def import_households(job, progress) -> None:
    user = user_of(job)
    village = area_of(job, job.params["village_id"])
    if not can_run_village(user, village):
        raise JobRefused(_("Bạn không còn quyền nhập danh sách hộ của thôn này."))
    stashed = stash.load(job.params["token"], user_id=user.id, kind="households", target_id=village.id)
    if stashed is None:
        raise JobRefused(_("Phiên nhập tệp đã hết hạn hoặc đã được xác nhận. Hãy tải tệp lên lại để xem trước."))
    progress(0, 0, _("Đang kiểm tra lại từng dòng…"), force=True)
    plan = ops.plan_households(village, stashed.filename, stashed.data, stashed.consent,
                               personal=can_see_personal_data(user, village))
    if not plan.ok:
        shown = "; ".join(str(p) for p in plan.problems[:3])
        raise JobRefused(_("Dữ liệu đã thay đổi từ lúc xem trước và tệp không còn nhập được. Chưa có gì được ghi. "
                           "%(problems)s", problems=shown))
    try:
        totals = ops.apply_households(user, village, plan,
                                      progress=lambda done, total: progress(done, total, _("Đang ghi các hộ…")))
    except (RuleError, IntegrityError) as err:
        message = err.message if isinstance(err, RuleError) else _("Dữ liệu vừa bị thay đổi ở nơi khác.")
        raise JobRefused(_("Không nhập được, chưa có gì được ghi: %(message)s", message=message)) from None
    stash.discard(stashed.token)  # consumed with the import, in its transaction
    job.result = {"summary": _("Đã nhập tệp %(file)s: thêm mới %(c)d, cập nhật %(u)d, không đổi %(s)d.",
                               file=plan.filename, c=totals["create"], u=totals["update"], s=totals["same"]),
                  "totals": totals}
