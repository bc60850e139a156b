from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import CountField, DayField, RuleForm
from ..models import SessionKind

KIND_NAMES = {
    SessionKind.MEETING: _l("Buổi tuyên truyền"),
    SessionKind.TRAINING: _l("Tập huấn"),
    SessionKind.HELP_POINT: _l("Điểm hỗ trợ tại nhà văn hóa"),
    SessionKind.BROADCAST: _l("Phát thanh loa"),
}


class ServiceChecks(SelectMultipleField):
    """Services covered, as check boxes; unknown or non-numeric values get a Vietnamese error."""
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("coerce", int)
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        try:
            self.data = [int(v) for v in valuelist]
        except ValueError:
            self.data = []
            raise ValueError(_l("Lựa chọn dịch vụ không hợp lệ; vui lòng chọn lại.")) from None

    def pre_validate(self, form):
        known = {c.value if hasattr(c, "value") else c[0] for c in self.choices}
        if any(v not in known for v in self.data or []):
            raise ValidationError(_l("Lựa chọn dịch vụ không hợp lệ; vui lòng chọn lại."))


class KindField(SelectField):
    def pre_validate(self, form):
        if self.data not in KIND_NAMES:
            raise ValidationError(_l("Vui lòng chọn hình thức."))


class SessionForm(RuleForm):
    held_on = DayField(_l("Ngày tổ chức"), validators=[InputRequired(_l("Vui lòng nhập ngày tổ chức."))])
    kind = KindField(_l("Hình thức"), choices=[SelectChoice(k, v) for k, v in KIND_NAMES.items()], default=SessionKind.MEETING)
    topic = StringField(_l("Chủ đề"), validators=[
        InputRequired(_l("Vui lòng nhập chủ đề.")), Length(max=200, message=_l("Chủ đề dài tối đa 200 ký tự."))])
    services = ServiceChecks(_l("Dịch vụ được tuyên truyền, hướng dẫn"))
    attendees = CountField(_l("Số người tham dự"), validators=[Optional()],
                           render_kw={"inputmode": "numeric", "min": 0, "max": 5000})
    place = StringField(_l("Địa điểm"), validators=[
        Optional(), Length(max=200, message=_l("Địa điểm dài tối đa 200 ký tự."))])
