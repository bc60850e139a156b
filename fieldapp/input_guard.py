"""Hostile input stopped at the door, with a Vietnamese 4xx instead of a database error (a 500).

- Integers: PostgreSQL `integer` columns hold up to 2^31 - 1. A larger id in a URL (`/teams/99999999999`)
  or in a query argument is simply "not found" / ignored, never sent to the database.
- Text: NUL and the other C0 control characters (except tab and line breaks) cannot be stored by
  PostgreSQL (NUL) or have no business in a name or a note; lone UTF-16 surrogates cannot be encoded at
  all. Forms and query arguments carrying them are refused with a 400; the sync API refuses the one record.
"""
import re

from flask import Flask, abort, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

INT_MAX = 2**31 - 1
_BAD_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def bad_text(value: str) -> bool:
    """True when the text holds a control character or a lone surrogate."""
    return bool(_BAD_TEXT.search(value))


def bounded_int(value: str) -> int:
    """For request.args.get(..., type=bounded_int): an out-of-range number counts as missing."""
    number = int(value)
    if not -INT_MAX <= number <= INT_MAX:
        raise ValueError(value)
    return number


def in_int_range(number: int) -> bool:
    return -INT_MAX <= number <= INT_MAX


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` in URLs: a number too large for the database does not match (404)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", INT_MAX)
        super().__init__(map, *args, **kwargs)


def control_character_message() -> str:
    return _("Dữ liệu gửi lên có ký tự điều khiển không hợp lệ (ví dụ ký tự NUL). Vui lòng xoá ký tự đó và gửi lại.")


def init_input_guard(app: Flask) -> None:
    """Call before the blueprints are registered (the URL converter applies to rules added later)."""
    app.url_map.converters["int"] = BoundedIntConverter

    @app.before_request
    def _refuse_control_characters():
        values = list(request.args.values())
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            values += request.form.values()
        if any(bad_text(v) for v in values):
            abort(400, control_character_message())
