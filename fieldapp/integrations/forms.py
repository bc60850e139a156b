from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import IdSelectField


class TokenForm(FlaskForm):
    name = StringField(_l("Tên (hệ thống nào dùng mã)"), validators=[
        InputRequired(_l("Vui lòng nhập tên.")), Length(max=120, message=_l("Tối đa 120 ký tự."))],
        render_kw={"placeholder": "Hệ thống báo cáo của Sở"})
    area_id = IdSelectField(_l("Địa bàn được đọc"), validators=[InputRequired(_l("Vui lòng chọn địa bàn."))])


class WebhookForm(FlaskForm):
    url = StringField(_l("Địa chỉ nhận (URL)"), validators=[
        InputRequired(_l("Vui lòng nhập địa chỉ nhận.")), Length(max=500, message=_l("Tối đa 500 ký tự."))],
        render_kw={"placeholder": "https://so-tt.example.vn/fieldapp", "inputmode": "url"})
    area_id = IdSelectField(_l("Sự kiện của địa bàn"), validators=[InputRequired(_l("Vui lòng chọn địa bàn."))])
    events = SelectMultipleField(_l("Sự kiện"), widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
                                 validators=[InputRequired(_l("Hãy chọn ít nhất một sự kiện."))])
