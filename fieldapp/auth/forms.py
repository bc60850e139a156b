from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..forms import phone_number


class LoginForm(FlaskForm):
    phone = StringField(_l("Số điện thoại"), validators=[
        DataRequired(_l("Vui lòng nhập số điện thoại.")), phone_number],
        render_kw={"inputmode": "tel", "autocomplete": "username"})
    password = PasswordField(_l("Mật khẩu"), validators=[
        DataRequired(_l("Vui lòng nhập mật khẩu.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Ghi nhớ đăng nhập trên máy này"), default=True)
