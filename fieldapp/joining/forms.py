from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from ..forms import DayField, RuleForm, phone_number

PASSWORD_RULE = Length(min=8, max=200, message=_l("Mật khẩu cần ít nhất 8 ký tự."))


class JoinForm(RuleForm):
    name = StringField(_l("Họ và tên"), validators=[
        DataRequired(_l("Vui lòng nhập họ và tên.")), Length(max=120, message=_l("Tối đa 120 ký tự."))],
        render_kw={"autocomplete": "name"})
    phone = StringField(_l("Số điện thoại"), validators=[
        DataRequired(_l("Vui lòng nhập số điện thoại.")), phone_number],
        render_kw={"inputmode": "tel", "autocomplete": "tel"})
    password = PasswordField(_l("Mật khẩu (ít nhất 8 ký tự)"), validators=[
        DataRequired(_l("Vui lòng đặt mật khẩu.")), PASSWORD_RULE],
        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Nhập lại mật khẩu"), validators=[
        DataRequired(_l("Vui lòng nhập lại mật khẩu.")),
        EqualTo("password", _l("Hai lần nhập mật khẩu không giống nhau."))],
        render_kw={"autocomplete": "new-password"})


class InviteSettingsForm(RuleForm):
    auto_approve = BooleanField(_l("Tự động duyệt người đăng ký qua mã này"))
    expires_on = DayField(_l("Hết hạn sau ngày (để trống: không hết hạn)"), validators=[Optional()])


