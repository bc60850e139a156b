from flask_babel import lazy_gettext as _l
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length, Optional

from ..forms import RuleForm


class PasswordChangeForm(RuleForm):
    current = PasswordField(_l("Mật khẩu hiện tại"), validators=[Optional(), Length(max=200)],
        render_kw={"autocomplete": "current-password"})
    new = PasswordField(_l("Mật khẩu mới"), validators=[
        DataRequired(_l("Vui lòng nhập mật khẩu mới.")), Length(max=200, message=_l("Tối đa 200 ký tự."))],
        render_kw={"autocomplete": "new-password", "minlength": 8})
    confirm = PasswordField(_l("Nhập lại mật khẩu mới"), validators=[
        DataRequired(_l("Vui lòng nhập lại mật khẩu mới.")), Length(max=200)],
        render_kw={"autocomplete": "new-password"})
