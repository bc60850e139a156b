from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, StopValidation, ValidationError

from ..counting import today
from ..forms import ChoiceRadioField, DayField, IdSelectField
from .queries import MAX_DAYS


class RequiredDate:
    """Missing (after the default) is an error; an unreadable date keeps its own message."""

    def __init__(self, message):
        self.message = message

    def __call__(self, form, field):
        if field.process_errors:
            raise StopValidation()
        if field.data is None:
            raise StopValidation(self.message)


class ExportForm(FlaskForm):
    """Read from the query string (a GET that downloads a file): no CSRF token, nothing is changed."""

    class Meta:
        csrf = False

    area = IdSelectField(_l("Địa bàn"), validators=[DataRequired(_l("Vui lòng chọn địa bàn."))])
    start = DayField(_l("Từ ngày"), name="from", default=lambda: today() - timedelta(days=29),
                        validators=[RequiredDate(_l("Vui lòng chọn ngày bắt đầu."))])
    end = DayField(_l("Đến ngày"), name="to", default=today,
                      validators=[RequiredDate(_l("Vui lòng chọn ngày kết thúc."))])
    fmt = ChoiceRadioField(_l("Định dạng"), name="format", default="xlsx",
                           choices=[SelectChoice("xlsx", _l("Excel (.xlsx), hai trang tính")),
                                    SelectChoice("csv", _l("CSV (UTF-8)"))])
    table = ChoiceRadioField(_l("Bảng (với CSV)"), default="visits",
                             choices=[SelectChoice("visits", _l("Lượt thăm")),
                                      SelectChoice("assistance", _l("Hỗ trợ theo dịch vụ"))])
    personal = BooleanField(_l("Kèm dữ liệu cá nhân (tên, số điện thoại chủ hộ, ghi chú lượt thăm)"))

    def validate_end(self, field):
        if self.start.data is None or field.data is None:
            return
        if self.start.data > field.data:
            raise ValidationError(_("Ngày bắt đầu phải trước hoặc bằng ngày kết thúc."))
        if (field.data - self.start.data).days >= MAX_DAYS:
            raise ValidationError(_("Mỗi lần chỉ xuất tối đa %(n)d ngày; hãy chọn khoảng ngắn hơn.", n=MAX_DAYS))
