from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..forms import IdSelectField, RuleForm, phone_number

REASON_CHOICES = [
    SelectChoice("left", _l("Đã nghỉ, không tham gia tổ nữa")),
    SelectChoice("moved", _l("Chuyển đi nơi khác")),
    SelectChoice("other", _l("Lý do khác")),
]


class TeamForm(RuleForm):
    village_id = IdSelectField(_l("Thôn / tổ dân phố"),
                             validators=[InputRequired(_l("Vui lòng chọn thôn."))])
    name = StringField(_l("Tên tổ"), validators=[
        InputRequired(_l("Vui lòng nhập tên tổ.")), Length(max=120, message=_l("Tối đa 120 ký tự."))],
        render_kw={"placeholder": _l("Ví dụ: Tổ CNSCĐ và Đề án 06 thôn Vinh Thạnh")})


class LeaderForm(RuleForm):
    user_id = IdSelectField(_l("Tổ trưởng mới"),
                          validators=[InputRequired(_l("Vui lòng chọn người được bổ nhiệm."))])


class MoveForm(RuleForm):
    team_id = IdSelectField(_l("Chuyển sang tổ"),
                          validators=[InputRequired(_l("Vui lòng chọn tổ."))])


class DeactivateForm(RuleForm):
    reason = RadioField(_l("Lý do"), choices=REASON_CHOICES,
                        validators=[InputRequired(_l("Vui lòng chọn lý do."))])
    note = StringField(_l("Ghi chú (bắt buộc khi chọn lý do khác)"), validators=[
        Optional(), Length(max=200, message=_l("Tối đa 200 ký tự."))])


class MemberForm(RuleForm):
    name = StringField(_l("Họ tên"), validators=[
        InputRequired(_l("Vui lòng nhập họ tên.")), Length(max=120, message=_l("Tối đa 120 ký tự."))])
    phone = StringField(_l("Số điện thoại (dùng để đăng nhập)"), validators=[
        DataRequired(_l("Vui lòng nhập số điện thoại.")), phone_number], render_kw={"inputmode": "tel"})
    password = PasswordField(_l("Mật khẩu ban đầu"), validators=[
        InputRequired(_l("Vui lòng nhập mật khẩu.")),
        Length(min=8, max=200, message=_l("Mật khẩu cần ít nhất 8 ký tự."))],
        render_kw={"autocomplete": "new-password"})
