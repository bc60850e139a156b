"""Form pieces shared by several features."""
import re

from flask import flash
from flask_babel import gettext
from flask_babel import lazy_gettext as _
from flask_wtf import FlaskForm
from wtforms import DateField, DateTimeLocalField, IntegerField, RadioField, SelectField
from wtforms.validators import ValidationError

from .input_guard import bounded_int
from .timeutil import BadDate, check_day, parse_day

PHONE_RE = re.compile(r"^0\d{9}$")


def normalize_phone(value: str | None) -> str:
    """"+84 912 345 678" or "0912.345.678" -> "0912345678"."""
    digits = re.sub(r"[\s.\-()]", "", value or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits


def phone_number(form, field):
    field.data = normalize_phone(field.data)
    if field.data and not PHONE_RE.match(field.data):
        raise ValidationError("Số điện thoại gồm 10 chữ số và bắt đầu bằng 0, ví dụ 0912345678.")


class RuleForm(FlaskForm):
    """A form whose write can be refused by a rule (RuleError): the messages go under their fields."""

    def apply_errors(self, errors: dict[str, str], fallback=None) -> None:
        """Each message under its field; one for the whole form ("") or an unknown field under `fallback`
        (a field), else at the top of the form."""
        for name, message in errors.items():
            field = getattr(self, name, None) if name else None
            if field is None or not hasattr(field, "errors"):
                field = fallback
            if field is not None:
                field.errors = list(field.errors) + [message]
            else:
                self.form_errors.append(message)


class EmptyForm(FlaskForm):
    """For POST-only buttons: carries the CSRF token and nothing else."""


class CountField(IntegerField):
    """An integer box whose parse error speaks Vietnamese (WTForms ships no vi catalogue)."""

    def process_formdata(self, valuelist):
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            self.data = int(str(valuelist[0]).strip())
        except ValueError:
            self.data = None
            raise ValueError(_("Vui lòng nhập một số nguyên, ví dụ 3.")) from None


class IdSelectField(SelectField):
    """A choice of a database row by id (choices set in the view; the operation checks the id).

    Not a number, or a number too large for the database: a Vietnamese error, never a query.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("coerce", int)
        kwargs.setdefault("validate_choice", False)
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = bounded_int(str(valuelist[0]).strip())
        except ValueError:
            self.data = None
            raise ValueError(_("Lựa chọn không hợp lệ; vui lòng chọn lại trong danh sách.")) from None


class LocalDateTimeField(DateTimeLocalField):
    """A Vietnam-time date and time; the day must be one the app uses (timeutil.check_day)."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_("Ngày giờ không hợp lệ, ví dụ 21/11/2026 08:30.")) from None
        if self.data is not None:
            try:
                check_day(self.data)
            except BadDate as err:
                self.data = None
                raise ValueError(str(err)) from None


class DayField(DateField):
    """A local day (YYYY-MM-DD, as a date input sends it), read by timeutil.parse_day: unreadable or
    outside the days the app uses is a Vietnamese message under the field. Empty is no day (None)."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return  # not sent: the default stays
        raw = str(valuelist[0]).strip()
        if not raw:
            self.data = None
            return
        try:
            self.data = parse_day(raw)
        except BadDate as err:
            self.data = None
            raise ValueError(str(err)) from None


class ChoiceRadioField(RadioField):
    def pre_validate(self, form):
        if self.data not in {c.value if hasattr(c, "value") else c[0] for c in self.choices}:
            raise ValidationError(_("Vui lòng chọn một trong các lựa chọn."))


def flash_expired_form() -> None:
    """A button's form came back without a valid CSRF token (an old page): say so, change nothing."""
    flash(gettext("Biểu mẫu đã hết hạn, vui lòng thử lại."), "error")
