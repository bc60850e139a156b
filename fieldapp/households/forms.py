from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..forms import CountField, RuleForm, phone_number
from ..visits.rules import MAX_RESIDENTS

NUM = {"inputmode": "numeric", "min": 0, "max": MAX_RESIDENTS}
UP_TO = _l("Nhập một số từ 0 đến %(max)d.", max=MAX_RESIDENTS)


class HouseholdForm(RuleForm):
    code = StringField(_l("Mã hộ / số nhà"), validators=[
        InputRequired(_l("Vui lòng nhập mã hoặc số nhà.")), Length(max=40, message=_l("Tối đa 40 ký tự."))])
    residents_total = CountField(_l("Tổng số nhân khẩu"), validators=[
        InputRequired(_l("Vui lòng nhập số nhân khẩu.")),
        NumberRange(1, MAX_RESIDENTS, _l("Nhập một số từ 1 đến %(max)d.", max=MAX_RESIDENTS))], render_kw=NUM)
    residents_14plus = CountField(_l("Từ 14 tuổi trở lên"), validators=[
        InputRequired(_l("Vui lòng nhập số người từ 14 tuổi.")),
        NumberRange(0, MAX_RESIDENTS, UP_TO)], render_kw=NUM)
    residents_18plus = CountField(_l("Từ 18 tuổi trở lên"), validators=[
        InputRequired(_l("Vui lòng nhập số người từ 18 tuổi.")),
        NumberRange(0, MAX_RESIDENTS, UP_TO)], render_kw=NUM)
    smartphones = CountField(_l("Số điện thoại thông minh trong hộ"), default=0, validators=[
        Optional(), NumberRange(0, MAX_RESIDENTS, UP_TO)], render_kw=NUM)
    head_name = StringField(_l("Tên chủ hộ (không bắt buộc)"), validators=[
        Optional(), Length(max=120, message=_l("Tối đa 120 ký tự."))])
    head_phone = StringField(_l("Số điện thoại chủ hộ (không bắt buộc)"), validators=[
        Optional(), phone_number], render_kw={"inputmode": "tel"})
    consent = BooleanField(_l("Chủ hộ đồng ý cho lưu tên và số điện thoại"))
