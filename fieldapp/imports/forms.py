from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField


class UploadForm(FlaskForm):
    file = FileField(_l("Tệp CSV hoặc Excel (.xlsx)"),
                     validators=[FileRequired(_l("Vui lòng chọn tệp .csv hoặc .xlsx."))],
                     render_kw={"accept": ".csv,.xlsx"})


class HouseholdUploadForm(UploadForm):
    consent = BooleanField(_l("Tôi xác nhận: các chủ hộ có tên hoặc số điện thoại trong tệp đã đồng ý cho lưu "
                              "tên và số điện thoại của mình."))


class ConfirmForm(FlaskForm):
    token = HiddenField()
