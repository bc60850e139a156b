from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import DataRequired


class EraseForm(FlaskForm):
    confirm = BooleanField(_l("Chủ hộ đã yêu cầu xóa; tôi hiểu việc này không hoàn tác được."),
                           validators=[DataRequired(_l("Hãy đánh dấu ô xác nhận để xóa."))])
