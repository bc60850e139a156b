from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField
from wtforms.validators import InputRequired, Length


class VillageForm(FlaskForm):
    name = StringField(_l("Tên thôn / tổ dân phố"), validators=[
        InputRequired(_l("Vui lòng nhập tên thôn / tổ dân phố.")), Length(max=120, message=_l("Tối đa 120 ký tự."))])


class VillageImportForm(FlaskForm):
    file = FileField(_l("Tệp CSV danh sách thôn"), validators=[FileRequired(_l("Vui lòng chọn tệp CSV."))])
