from flask_babel import lazy_gettext as _l
from wtforms import RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional

from ..forms import CountField, DayField, RuleForm
from ..models import ActivityKind
from .tables import ACTIVITY_NAMES

SIGNER_CHOICES = [SelectChoice("deputy", _l("Phó Chủ tịch ký thay (KT. CHỦ TỊCH)")),
                  SelectChoice("head", _l("Chủ tịch ký"))]


class _DocumentForm(RuleForm):
    number = StringField(_l("Số văn bản (để trống nếu chưa có số)"), render_kw={"inputmode": "numeric"})
    doc_date = DayField(_l("Ngày văn bản"), validators=[Optional()])
    recipients = TextAreaField(_l("Kính gửi (mỗi nơi một dòng)"), render_kw={"rows": 2})
    copies = TextAreaField(_l("Nơi nhận khác (mỗi nơi một dòng; “Như trên” và “Lưu: VT” đã có sẵn)"),
                           render_kw={"rows": 2})
    signer_role = RadioField(_l("Người ký"), choices=SIGNER_CHOICES, default="deputy")
    signer_name = StringField(_l("Họ tên người ký"))


class ReportDraftForm(_DocumentForm):
    reference = TextAreaField(_l("Căn cứ yêu cầu (“Thực hiện …”), ví dụ: Công văn số 389/UBND-VHTT ngày 26/6/2023 "
                                 "của UBND thành phố về việc báo cáo…"), render_kw={"rows": 2})
    highlights = TextAreaField(_l("Kết quả nổi bật, cách làm hay"), render_kw={"rows": 4})
    strengths = TextAreaField(_l("Ưu điểm"), render_kw={"rows": 4})
    weaknesses = TextAreaField(_l("Tồn tại, hạn chế"), render_kw={"rows": 4})
    causes = TextAreaField(_l("Nguyên nhân"), render_kw={"rows": 3})
    proposals = TextAreaField(_l("Đề xuất, kiến nghị"), render_kw={"rows": 4})


class CommendationDraftForm(_DocumentForm):
    bases = TextAreaField(_l("Căn cứ (mỗi căn cứ một dòng, ví dụ: Căn cứ Kế hoạch số 77/KH-UBND …)"),
                          render_kw={"rows": 3})
    teams_n = CountField(_l("Số tập thể đề nghị (nhiều nhất)"), validators=[Optional()],
                         render_kw={"inputmode": "numeric", "min": 1, "max": 50})
    members_n = CountField(_l("Số cá nhân đề nghị (nhiều nhất)"), validators=[Optional()],
                           render_kw={"inputmode": "numeric", "min": 1, "max": 50})


class ActivityForm(RuleForm):
    kind = RadioField(_l("Loại hoạt động"), choices=[SelectChoice(k, ACTIVITY_NAMES[k]) for k in ActivityKind.ALL],
                      validators=[InputRequired(_l("Vui lòng chọn loại hoạt động."))])
    held_on = DayField(_l("Ngày"), validators=[InputRequired(_l("Vui lòng nhập ngày."))])
    title = StringField(_l("Nội dung"), validators=[InputRequired(_l("Vui lòng nhập nội dung."))])
    quantity = CountField(_l("Số lượng (lớp, tờ, tin bài, chương trình)"), validators=[Optional()],
                          render_kw={"inputmode": "numeric", "min": 1})
    attendees = CountField(_l("Số người tham dự (tập huấn)"), validators=[Optional()],
                           render_kw={"inputmode": "numeric", "min": 0})


class IssuerForm(RuleForm):
    body = StringField(_l("Cơ quan ban hành báo cáo của tỉnh"), default="Sở Khoa học và Công nghệ")
    parent = StringField(_l("Cơ quan chủ quản (dòng trên, để trống: UBND tỉnh)"))
    abbreviation = StringField(_l("Chữ viết tắt trong số văn bản"), default="SKHCN")
    head_title = StringField(_l("Chức danh người đứng đầu"), default="GIÁM ĐỐC")
