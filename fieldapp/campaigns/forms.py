from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..forms import DayField, RuleForm
from ..models import Service


class CampaignFormBase(RuleForm):
    name = StringField(_l("Tên đợt thi đua"), validators=[
        InputRequired(_l("Vui lòng nhập tên đợt thi đua.")), Length(max=160, message=_l("Tên dài tối đa 160 ký tự."))])
    starts_on = DayField(_l("Ngày bắt đầu"), validators=[InputRequired(_l("Vui lòng nhập ngày bắt đầu hợp lệ."))])
    ends_on = DayField(_l("Ngày kết thúc"), validators=[InputRequired(_l("Vui lòng nhập ngày kết thúc hợp lệ."))])

    service_fields: list[tuple[Service, str]] = []

    def points(self) -> dict[int, int]:
        return {s.id: getattr(self, name).data or 0 for s, name in self.service_fields}


def campaign_form_class(services: list[Service]) -> type[CampaignFormBase]:
    """One points box per service, named pts_<code>; 0 means the service is not counted."""
    attrs = {"service_fields": [(s, f"pts_{s.code}") for s in services]}
    for s in services:
        attrs[f"pts_{s.code}"] = IntegerField(
            s.short_name, default=s.points,
            validators=[Optional(), NumberRange(0, 100, _l("Điểm là số từ 0 đến 100."))],
            render_kw={"inputmode": "numeric", "min": 0, "max": 100})
    return type("CampaignForm", (CampaignFormBase,), attrs)
