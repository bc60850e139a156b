from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..forms import IdSelectField, RuleForm


class VillageForm(FlaskForm):
    name = StringField(_l("Tên thôn / tổ dân phố"), validators=[
        InputRequired(_l("Vui lòng nhập tên thôn / tổ dân phố.")), Length(max=120, message=_l("Tối đa 120 ký tự."))])


class VillageRenameForm(FlaskForm):
    name = StringField(_l("Tên mới"), validators=[
        InputRequired(_l("Vui lòng nhập tên thôn / tổ dân phố.")), Length(max=120, message=_l("Tối đa 120 ký tự."))])


class VillageMergeForm(RuleForm):
    survivor_id = IdSelectField(_l("Gộp vào thôn"),
                              validators=[InputRequired(_l("Vui lòng chọn thôn được giữ lại."))])
    clash_prefix = StringField(_l("Tiền tố cho mã hộ bị trùng (chỉ khi cần)"), validators=[
        Optional(), Length(max=12, message=_l("Tối đa 12 ký tự."))])
    confirm = BooleanField(_l("Tôi hiểu: các hộ và tổ sẽ chuyển sang thôn được giữ lại, thôn này được lưu trữ."),
                           validators=[InputRequired(_l("Vui lòng xác nhận trước khi gộp."))])


class CommuneSettingsBase(RuleForm):
    office_phone = StringField(_l("Số điện thoại trụ sở UBND (in trên thẻ thành viên)"), validators=[
        Optional(), Length(max=20, message=_l("Tối đa 20 ký tự."))], render_kw={"inputmode": "tel"})

    point_fields: list = []

    def points(self) -> dict[str, int]:
        return {code: getattr(self, name).data for code, name in self.point_fields}


def commune_settings_form_class(services) -> type[CommuneSettingsBase]:
    """One points box per service of the catalogue, named pts_<code>."""
    attrs = {"point_fields": [(s.code, f"pts_{s.code}") for s in services]}
    for service in services:
        attrs[f"pts_{service.code}"] = IntegerField(
            service.short_name, validators=[
                InputRequired(_l("Vui lòng nhập số điểm.")), NumberRange(0, 100, _l("Điểm là số nguyên từ 0 đến 100."))],
            render_kw={"inputmode": "numeric", "min": 0, "max": 100})
    return type("CommuneSettingsForm", (CommuneSettingsBase,), attrs)
