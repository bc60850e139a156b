"""Hostile input stopped at the door, with a Vietnamese 4xx instead of a database error (a 500).

- Integers: PostgreSQL `integer` columns hold up to 2^31 - 1. A larger id in a URL (`/teams/99999999999`)
  or in a query argument is simply "not found" / ignored, never sent to the database.
- Text: NUL and the other C0 control characters (except tab and line breaks) cannot be stored by
  PostgreSQL (NUL) or have no business in a name or a note; lone UTF-16 surrogates cannot be encoded at
  all. Forms and query arguments carrying them are refused with a 400; the sync API refuses the one record.
- JSON bodies (/api/): at most API_MAX_BYTES, refused with a 413 before they are read; nesting too deep
  for the parser is a 400, not a RecursionError (a 500).
"""
import json
import re

from flask import Flask, abort, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

INT_MAX = 2**31 - 1
# The largest sync batch (200 visits with 500-character notes, 200 households) is under 1 MB even
# with every character \u-escaped; twice that leaves room and stops a 60 MB body at the door.
API_MAX_BYTES = 2 * 1024 * 1024
BAD_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def bad_text(value: str) -> bool:
    """True when the text holds a control character or a lone surrogate."""
    return bool(BAD_TEXT.search(value))


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


def limit_api_body(_endpoint, _values) -> None:
    """A blueprint's url_value_preprocessor: runs before anything reads the body."""
    request.max_content_length = API_MAX_BYTES


def api_too_large_message() -> str:
    return _("Dữ liệu gửi lên quá lớn (tối đa %(n)d MB một lần). Hãy gửi ít bản ghi hơn mỗi lần.",
             n=API_MAX_BYTES // (1024 * 1024))


def json_body():
    """The request's JSON (any JSON value), or a Vietnamese 400; past API_MAX_BYTES a 413 (unread)."""
    if not request.is_json:
        abort(400, _("Dữ liệu gửi lên không phải JSON hợp lệ."))
    data = request.get_data(cache=True)  # RequestEntityTooLarge past request.max_content_length
    try:
        return json.loads(data)
    except RecursionError:
        abort(400, _("Dữ liệu JSON lồng nhau quá sâu; hãy gửi đúng cấu trúc của API."))
    except ValueError:  # also UnicodeDecodeError
        abort(400, _("Dữ liệu gửi lên không phải JSON hợp lệ."))


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
