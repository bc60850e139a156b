"""Words the offline scripts show, translated on the server and handed to them as JSON."""
from flask_babel import gettext as _

from ..visits.rules import MAX_NOTE, MAX_RESIDENTS, OUTCOME_NAMES, Outcome


def js_rules() -> dict:
    """The visit rules the scripts check before the server does, from their one home (visits/rules.py)."""
    return {"outcomes": list(Outcome.ALL), "comeBack": list(Outcome.COME_BACK), "maxNote": MAX_NOTE,
            "maxResidents": MAX_RESIDENTS}


def js_strings() -> dict[str, object]:
    """The words (and, under "rules", the visit rules) of the offline scripts."""
    return {
        "rules": js_rules(),
        "pending": _("%(n)s lượt thăm chờ gửi"),
        "pendingHouseholds": _("%(n)s hộ mới chờ gửi"),
        "rejected": _("%(n)s bản ghi bị từ chối, cần sửa"),
        "allSent": _("Đã gửi hết"),
        "lastSync": _("Gửi thành công lúc %(t)s"),
        "neverSynced": _("Chưa gửi lần nào"),
        "offline": _("Đang không có mạng: bản ghi được giữ trên máy"),
        "signIn": _("Phiên đăng nhập đã hết hạn. Đăng nhập lại để gửi."),
        "signInLink": _("Đăng nhập"),
        "otherUser": _("Các bản ghi trên máy thuộc tài khoản khác."),
        "noUser": _("Hãy đăng nhập một lần khi có mạng để dùng ứng dụng ngoại tuyến."),
        "households": _("Hộ dân"),
        "search": _("Tìm theo mã hộ hoặc tên chủ hộ"),
        "addHousehold": _("Thêm hộ"),
        "outbox": _("Bản ghi chờ gửi"),
        "logVisit": _("Ghi lượt thăm"),
        "save": _("Lưu lượt thăm"),
        "saveHousehold": _("Lưu hộ"),
        "savedLocal": _("Đã lưu trên máy, sẽ gửi khi có mạng."),
        "saving": _("Đang lưu…"),
        "saved": _("Đã lưu"),
        "savedVisit": _("Đã lưu lượt thăm."),
        "outcome": _("Kết quả"),
        **{code: str(name) for code, name in OUTCOME_NAMES.items()},
        "served": _("Số người được hỗ trợ"),
        "left": _("còn %(n)s"), "full": _("đã đủ"), "less": _("Bớt"), "more": _("Thêm"),
        "note": _("Ghi chú (không bắt buộc)"),
        "visitedAt": _("Ngày giờ thăm"),
        "code": _("Mã hộ / số nhà"),
        "total": _("Tổng số nhân khẩu"),
        "a14": _("Từ 14 tuổi trở lên"),
        "a18": _("Từ 18 tuổi trở lên"),
        "phones": _("Số điện thoại thông minh trong hộ"),
        "needService": _("Hãy ghi ít nhất một dịch vụ đã hỗ trợ, hoặc chọn kết quả khác."),
        "onlyHelped": _("Chỉ ghi số người được hỗ trợ khi kết quả là “Đã hỗ trợ”."),
        "overCap": _("%(service)s: tối đa %(n)s."),
        "badCounts": _("Kiểm tra lại số nhân khẩu: 18+ ≤ 14+ ≤ tổng, tổng từ 1 đến %(max)d.", max=MAX_RESIDENTS),
        "needCode": _("Vui lòng nhập mã hoặc số nhà."),
        "fix": _("Sửa"), "discard": _("Bỏ bản ghi này"),
        "confirmDiscard": _("Bỏ hẳn bản ghi này? Nó sẽ không được gửi."),
        "waiting": _("Chờ gửi"), "refused": _("Bị từ chối"),
        "newHousehold": _("Hộ mới (chờ gửi)"),
        "visits": _("%(n)s lượt thăm"), "notVisited": _("Chưa thăm"),
        "back": _("‹ Danh sách hộ"),
        "empty": _("Chưa có hộ nào trên máy. Hãy mở ứng dụng khi có mạng để tải danh sách."),
        "nothingWaiting": _("Không có bản ghi nào chờ gửi."),
        "syncNow": _("Gửi ngay"),
        "retry": _("Gửi lại"),
        "refusedHint": _("Máy chủ không nhận các bản ghi dưới đây. Hãy sửa rồi gửi lại, hoặc bỏ; các bản ghi khác vẫn được gửi bình thường."),
        "refusedRequest": _("Máy chủ không nhận bản ghi này."),
        "refusedTooLarge": _("Bản ghi này quá lớn để gửi. Hãy rút gọn ghi chú rồi gửi lại."),
        "refusedServer": _("Máy chủ gặp lỗi khi nhận bản ghi này (các bản ghi khác đã gửi được). Hãy thử gửi lại sau, hoặc báo tổ trưởng."),
        "badWhen": _("Ngày giờ thăm không hợp lệ: hãy chọn lại ngày và giờ đã đến thăm."),
        "filter": _("Lọc"), "all": _("Tất cả"), "needsReturn": _("Cần quay lại"),
        "shown": _("%(n)s / %(total)s hộ"),
        "mine": _("Hộ của tôi (%(n)s)"), "dueChip": _("Đến hẹn (%(n)s)"), "dueTitle": _("Hôm nay cần đến / Quá hẹn"),
        "sortBy": _("Xếp theo"), "byCode": _("Theo mã hộ"), "byLast": _("Lâu chưa thăm nhất"),
        "longSince": _("%(n)s ngày chưa thăm"), "overdue": _("Quá hẹn %(n)s ngày"), "dueToday": _("Hẹn hôm nay"),
        "backOn": _("Hẹn %(d)s"),
        "returnWhen": _("Khi nào quay lại?"), "noReturn": _("Chưa hẹn"), "tonight": _("Tối nay"), "tomorrow": _("Mai"),
        "weekend": _("Cuối tuần"), "pickDay": _("Chọn ngày"), "returnDay": _("Ngày quay lại"),
        "needReturnDay": _("Hãy chọn ngày quay lại."), "returnBefore": _("Ngày hẹn quay lại không thể trước ngày thăm."),
        "tooOld": _("Ngày thăm quá xa: chỉ ghi được lượt thăm từ ngày %(d)s trở đi."),
        "notices": _("Thông báo của xã"),
        "noticeUntil": _("hiện đến %(d)s"),
        "noticeCampaign": _("Đợt thi đua: %(name)s"),
        "noticeTeam": _("Trong tổ: %(seen)s/%(n)s người đã xem"),
        "noticeSeen": _("Tôi đã xem"),
        "noticeSeenTag": _("Đã xem"),
        "noticeNoted": _("Đã ghi nhận bạn đã xem; xã sẽ biết khi máy có mạng."),
        "noticesRead": _("Thông báo đã xem (%(n)s)"),
        "noticesMore": _("%(n)s thông báo khác chưa xem"),
        "noticesNone": _("Chưa có thông báo nào của xã trên máy."),
    }


BADGE_KEYS = ("rules", "pending", "pendingHouseholds", "rejected", "allSent", "lastSync", "neverSynced",
              "offline", "signIn", "signInLink", "outbox", "saving", "saved", "savedVisit", "savedLocal")


def badge_strings() -> dict[str, object]:
    """The few words the sync badge shows on ordinary pages (and the rules the visit form's script checks)."""
    strings = js_strings()
    return {key: strings[key] for key in BADGE_KEYS}
