from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, PasswordField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..forms import IdSelectField, RuleForm, phone_number

ELIGIBILITY_CHOICES = [
    SelectChoice("age14", _l("Người từ 14 tuổi")),
    SelectChoice("age18", _l("Người từ 18 tuổi")),
    SelectChoice("all", _l("Mọi nhân khẩu")),
    SelectChoice("household", _l("Cả hộ (một lần)")),
    SelectChoice("dossier", _l("Hồ sơ (không giới hạn tổng)")),
    SelectChoice("smartphone", _l("Người có điện thoại thông minh (theo số máy của hộ)")),
]


class ImportAreasForm(FlaskForm):
    province = StringField(_l("Tỉnh, thành phố (bỏ trống để nhập cả 34)"), validators=[
        Optional(), Length(max=80, message=_l("Tối đa 80 ký tự."))], render_kw={"placeholder": "Gia Lai"})


class AccountForm(RuleForm):
    role = RadioField(_l("Vai trò"), choices=[SelectChoice("commune_officer", _l("Cán bộ xã")),
                                              SelectChoice("province_viewer", _l("Cán bộ tỉnh (chỉ xem)"))],
                      default="commune_officer", validators=[InputRequired(_l("Vui lòng chọn vai trò."))])
    area_id = IdSelectField(_l("Địa bàn"),
                          validators=[InputRequired(_l("Vui lòng chọn địa bàn."))])
    name = StringField(_l("Họ tên"), validators=[
        InputRequired(_l("Vui lòng nhập họ tên.")), Length(max=120, message=_l("Tối đa 120 ký tự."))])
    phone = StringField(_l("Số điện thoại (dùng để đăng nhập)"), validators=[
        DataRequired(_l("Vui lòng nhập số điện thoại.")), phone_number], render_kw={"inputmode": "tel"})
    password = PasswordField(_l("Mật khẩu ban đầu"), validators=[
        InputRequired(_l("Vui lòng nhập mật khẩu.")),
        Length(min=8, max=200, message=_l("Mật khẩu cần ít nhất 8 ký tự."))],
        render_kw={"autocomplete": "new-password"})


class ServiceForm(RuleForm):
    code = StringField(_l("Mã (không đổi được sau khi tạo)"), validators=[
        Optional(), Length(max=30, message=_l("Tối đa 30 ký tự."))], render_kw={"placeholder": "hue_s"})
    name = StringField(_l("Tên dịch vụ"), validators=[
        InputRequired(_l("Vui lòng nhập tên dịch vụ.")), Length(max=160, message=_l("Tối đa 160 ký tự."))])
    short_name = StringField(_l("Tên ngắn (hiện trên phiếu thăm)"), validators=[
        InputRequired(_l("Vui lòng nhập tên ngắn.")), Length(max=40, message=_l("Tối đa 40 ký tự."))])
    eligibility = SelectField(_l("Đối tượng được tính"), choices=ELIGIBILITY_CHOICES,
                              validators=[InputRequired(_l("Vui lòng chọn đối tượng được tính."))])
    points = IntegerField(_l("Điểm thi đua"), default=1, validators=[
        InputRequired(_l("Vui lòng nhập số điểm.")), NumberRange(0, 100, _l("Điểm là số nguyên từ 0 đến 100."))],
        render_kw={"inputmode": "numeric", "min": 0, "max": 100})
