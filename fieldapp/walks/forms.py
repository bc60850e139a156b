from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import IdSelectField, RuleForm
from ..visits.forms import VisitFormBase

HOW_CHOICES = [
    SelectChoice("range", _l("Theo khoảng mã hộ")),
    SelectChoice("filter", _l("Theo bộ lọc")),
    SelectChoice("pick", _l("Chọn từng hộ")),
    SelectChoice("from", _l("Toàn bộ hộ của một người (giao lại)")),
]
FILTER_CHOICES = [
    SelectChoice("unassigned", _l("Hộ chưa giao cho ai")),
    SelectChoice("remaining", _l("Hộ chưa xong (chưa thăm hoặc cần quay lại)")),
    SelectChoice("unvisited", _l("Hộ chưa thăm")),
    SelectChoice("revisit", _l("Hộ cần quay lại")),
    SelectChoice("all", _l("Tất cả hộ")),
]


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        pass  # the operation keeps only the village's live households


class AssignForm(RuleForm):
    member_id = IdSelectField(_l("Giao cho"), validators=[InputRequired(_l("Vui lòng chọn người được giao."))])
    how = RadioField(_l("Chọn hộ"), choices=HOW_CHOICES, default="range",
                     validators=[InputRequired(_l("Vui lòng chọn cách chọn hộ."))])
    code_from = StringField(_l("Từ mã hộ"), validators=[Optional(), Length(max=40)])
    code_to = StringField(_l("Đến mã hộ"), validators=[Optional(), Length(max=40)])
    filter = SelectField(_l("Bộ lọc"), choices=FILTER_CHOICES, default="unassigned")
    q = StringField(_l("Và khớp từ khóa (không bắt buộc)"), validators=[Optional(), Length(max=100)])
    from_member = IdSelectField(_l("Các hộ đang giao cho"), validators=[Optional()])
    households = CheckboxesField(_l("Các hộ"), choices=[])


class PaperVisitForm(VisitFormBase):
    member_id = IdSelectField(_l("Thành viên đã đi thăm"),
                              validators=[InputRequired(_l("Vui lòng chọn thành viên đã đi thăm."))])
