from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..forms import ChoiceRadioField, CountField, LocalDateTimeField, RuleForm
from ..models import Service

OUTCOME_CHOICES = [
    SelectChoice("helped", _l("Đã hỗ trợ")),
    SelectChoice("not_home", _l("Không có nhà")),
    SelectChoice("declined", _l("Từ chối")),
    SelectChoice("revisit", _l("Hẹn quay lại")),
]


class VisitFormBase(RuleForm):
    outcome = ChoiceRadioField(_l("Kết quả"), choices=OUTCOME_CHOICES, default="helped",
                         validators=[InputRequired(_l("Vui lòng chọn kết quả lượt thăm."))])
    visited_at = LocalDateTimeField(_l("Ngày giờ thăm"), format="%Y-%m-%dT%H:%M",
                                    validators=[InputRequired(_l("Vui lòng nhập ngày giờ thăm hợp lệ."))])
    note = TextAreaField(_l("Ghi chú (không bắt buộc)"), validators=[
        Optional(), Length(max=500, message=_l("Tối đa 500 ký tự."))], render_kw={"rows": 2})

    # Made when the form is shown: a double tap or a resent POST saves the visit once.
    client_id = HiddenField()

    service_fields: list[tuple[Service, str]] = []

    def counts(self) -> dict[str, int]:
        return {s.code: getattr(self, name).data or 0 for s, name in self.service_fields}


def visit_form_class(services: list[Service]) -> type[VisitFormBase]:
    """One stepper per service in the catalogue, named svc_<code>."""
    attrs = {"service_fields": [(s, f"svc_{s.code}") for s in services]}
    for service in services:
        attrs[f"svc_{service.code}"] = CountField(
            service.short_name, default=0,
            validators=[Optional(), NumberRange(0, 60, _l("Nhập một số từ 0 đến 60."))],
            render_kw={"inputmode": "numeric", "min": 0, "max": 60})
    return type("VisitForm", (VisitFormBase,), attrs)
