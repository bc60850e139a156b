from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import Optional

from ..forms import ChoiceRadioField, DayField, RuleForm
from .operations import MAX_BODY, MAX_TITLE

EVERY_TEAM = "all"


class NoticeForm(RuleForm):
    title = StringField(_l("Tiêu đề"), render_kw={"maxlength": MAX_TITLE, "autocomplete": "off",
                                                  "placeholder": _l("Ví dụ: Họp tổ trưởng chiều thứ Sáu")})
    body = TextAreaField(_l("Nội dung (không bắt buộc)"), render_kw={"rows": 5, "maxlength": MAX_BODY})
    audience = ChoiceRadioField(_l("Gửi đến"), default=EVERY_TEAM)
    expires_on = DayField(_l("Hiện đến hết ngày"), validators=[Optional()])

    def campaign_id(self) -> int | None:
        return None if self.audience.data in (None, EVERY_TEAM) else int(self.audience.data)
