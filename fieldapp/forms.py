"""Form pieces shared by several features."""
import re

from flask_wtf import FlaskForm
from wtforms.validators import ValidationError

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


class EmptyForm(FlaskForm):
    """For POST-only buttons: carries the CSRF token and nothing else."""
