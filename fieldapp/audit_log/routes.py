from datetime import date, datetime, time, timedelta

from flask import abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..access import can_see_personal_data
from ..input_guard import bounded_int
from ..timeutil import BadDate, from_local, parse_day
from . import bp
from .queries import audit_page, audit_scope, changes

ENTITY_TYPES = {
    "household": _l("Hộ"), "visit": _l("Lượt thăm"), "user": _l("Tài khoản"), "area": _l("Địa bàn"),
    "team": _l("Tổ"), "target": _l("Chỉ tiêu"), "campaign": _l("Đợt cao điểm"), "export": _l("Xuất dữ liệu"),
    "notice": _l("Thông báo"),
}
ACTIONS = {
    "create": _l("Tạo"), "update": _l("Sửa"), "delete": _l("Xóa"), "restore": _l("Khôi phục"),
    "sign_in": _l("Đăng nhập"), "password_change": _l("Đổi mật khẩu"), "erase": _l("Xóa dữ liệu cá nhân"),
    "export": _l("Xuất dữ liệu"), "archive": _l("Lưu trữ"),
}


def _date_arg(name: str) -> tuple[date | None, str | None]:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None, None
    try:
        return parse_day(raw), None
    except BadDate as err:
        return None, str(err)


@bp.get("/audit")
@login_required
def index():
    scope = audit_scope(current_user)
    if scope is None:
        abort(403)
    entity_type = request.args.get("type") or None
    errors = []
    if entity_type is not None and entity_type not in ENTITY_TYPES:
        errors.append(_("Loại dữ liệu không hợp lệ."))
        entity_type = None
    start, err1 = _date_arg("from")
    end, err2 = _date_arg("to")
    errors += [e for e in (err1, err2) if e]
    since = from_local(datetime.combine(start, time.min)) if start else None
    until = from_local(datetime.combine(end + timedelta(days=1), time.min)) if end else None
    result = audit_page(scope, entity_type=entity_type, since=since, until=until,
                        before=request.args.get("before", type=bounded_int),
                        after=request.args.get("after", type=bounded_int),
                        per_page=current_app.config["AUDIT_PER_PAGE"])
    def shown_changes(entry):
        return changes(entry, personal=can_see_personal_data(current_user, entry.area_path or ""))

    return render_template("audit_log/index.html", result=result, changes=shown_changes, errors=errors,
                           entity_type=entity_type, start=start, end=end,
                           ENTITY_TYPES=ENTITY_TYPES, ACTIONS=ACTIONS), 400 if errors else 200
