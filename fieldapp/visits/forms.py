from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..forms import ChoiceRadioField, CountField, DayField, LocalDateTimeField, RuleForm
from ..models import Outcome, Service
from ..timeutil import BadDate, from_local, parse_day
from .operations import VisitData
from .rules import MAX_NOTE, MAX_RESIDENTS, OUTCOME_NAMES

OUTCOME_CHOICES = [SelectChoice(code, name) for code, name in OUTCOME_NAMES.items()]
PICK = "pick"  # "Chọn ngày": the day is in return_day


def quick_return_days(day: date) -> list[tuple[str, date]]:
    """The quick picks of "when do you come back", from a day: tonight, tomorrow, the weekend (the coming
    Saturday; on a Saturday, the Sunday). static/js/shell.js offers the same offline."""
    weekend = day + timedelta(days=(5 - day.weekday()) % 7 or 1)
    return [("tonight", day), ("tomorrow", day + timedelta(days=1)), ("weekend", weekend)]


RETURN_LABELS = {"tonight": _l("Tối nay"), "tomorrow": _l("Mai"), "weekend": _l("Cuối tuần")}


class VisitFormBase(RuleForm):
    outcome = ChoiceRadioField(_l("Kết quả"), choices=OUTCOME_CHOICES, default="helped",
                         validators=[InputRequired(_l("Vui lòng chọn kết quả lượt thăm."))])
    # "Không có nhà" / "Hẹn quay lại" ask when: a quick pick (its value is the day itself) or a chosen day.
    return_on = RadioField(_l("Khi nào quay lại?"), choices=[], validate_choice=False, default="")
    return_day = DayField(_l("Ngày quay lại"), validators=[Optional()])
    visited_at = LocalDateTimeField(_l("Ngày giờ thăm"), format="%Y-%m-%dT%H:%M",
                                    validators=[InputRequired(_l("Vui lòng nhập ngày giờ thăm hợp lệ."))])
    note = TextAreaField(_l("Ghi chú (không bắt buộc)"), validators=[
        Optional(), Length(max=MAX_NOTE, message=_l("Tối đa %(n)d ký tự.", n=MAX_NOTE))], render_kw={"rows": 2})

    # Made when the form is shown: a double tap or a resent POST saves the visit once.
    client_id = HiddenField()

    service_fields: list[tuple[Service, str]] = []

    def counts(self) -> dict[str, int]:
        return {s.code: getattr(self, name).data or 0 for s, name in self.service_fields}

    def offer_return_days(self, today: date, current: date | None = None) -> None:
        """The quick picks from today; a stored day that is none of them shows as the chosen day."""
        picks = quick_return_days(today)
        self.return_on.choices = [SelectChoice("", _l("Chưa hẹn"))] + [
            SelectChoice(day.isoformat(), f"{RETURN_LABELS[key]} · {day:%d/%m}") for key, day in picks] + [
            SelectChoice(PICK, _l("Chọn ngày"))]
        if current is not None and not self.is_submitted():
            days = {day for _key, day in picks}
            self.return_on.data = current.isoformat() if current in days else PICK
            if current not in days:
                self.return_day.data = current

    def return_date(self) -> date | None:
        """The promised day, for the outcomes that ask when (else none: the pick was left from another choice).
        A day that cannot be read is a form error."""
        if self.outcome.data not in Outcome.COME_BACK:
            return None
        value = (self.return_on.data or "").strip()
        if value == PICK:
            if self.return_day.data is None:
                raise ValueError(_l("Hãy chọn ngày quay lại."))
            return self.return_day.data
        if not value:
            return None
        try:
            return parse_day(value)
        except BadDate as err:
            raise ValueError(str(err)) from None

    def visit_data(self) -> VisitData | None:
        """The visit the form holds; None (with the message under its field) when the return day cannot be read."""
        try:
            back = self.return_date()
        except ValueError as err:
            self.return_on.errors = list(self.return_on.errors) + [str(err)]
            return None
        return VisitData(outcome=self.outcome.data, visited_at=from_local(self.visited_at.data),
                         note=self.note.data, counts=self.counts(), return_on=back)


def visit_form_class(services: list[Service], base: type = VisitFormBase) -> type[VisitFormBase]:
    """One stepper per service in the catalogue, named svc_<code>."""
    attrs = {"service_fields": [(s, f"svc_{s.code}") for s in services]}
    for service in services:
        attrs[f"svc_{service.code}"] = CountField(
            service.short_name, default=0,
            validators=[Optional(),
                        NumberRange(0, MAX_RESIDENTS, _l("Nhập một số từ 0 đến %(max)d.", max=MAX_RESIDENTS))],
            render_kw={"inputmode": "numeric", "min": 0, "max": MAX_RESIDENTS})
    return type("VisitForm", (base,), attrs)
