"""Applying a batch from a phone: exactly once per client UUID.

Households first (each in a SAVEPOINT: a refused one leaves the others), then the visits, which go
to the one writer of visits (visits.operations.save_visits, the same as the form's): every record is
decided first, then the accepted ones are written with one statement per table; the caller commits
once. The client UUID is the primary key, so a resend is recognised and compared: same content ->
"duplicate", else "rejected".
"""
import re
import uuid
from datetime import date, datetime
from typing import Any, Literal, overload

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from ..access import can_record_in_village, can_view_area, can_view_household
from ..counting import day_bounds, earliest_visit_day
from ..extensions import db
from ..households.operations import HouseholdData, create_household
from ..input_guard import bad_text, control_character_message, in_int_range
from ..locks import begin_write, end_early, lock_early
from ..models import Area, AreaLevel, Household, Outcome, Service, User
from ..rules import RuleError
from ..text import code_key
from ..timeutil import BadDate, parse_day, parse_iso, utcnow
from ..visits.operations import (
    CLOCK_SKEW,
    CREATED,
    DUPLICATE,
    REJECTED,
    Result,
    VisitData,
    VisitRecord,
    save_visits,
    services_by_code,
)
from ..visits.rules import MAX_NOTE

MAX_VISITS = 200
MAX_HOUSEHOLDS = 200


class BatchError(Exception):
    """The whole request is unusable (not one record of it): answered with a 4xx."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


def apply_batch(actor: User, body) -> list[Result]:
    if not isinstance(body, dict):
        raise BatchError(_("Dữ liệu gửi lên không phải JSON hợp lệ."))
    owner = body.get("user_id")
    if owner is not None and owner != actor.id:
        # Records written on this phone by another member are never sent under this session.
        raise BatchError(_("Các bản ghi này thuộc tài khoản khác; hãy đăng nhập đúng tài khoản để gửi."), 409)
    households = body.get("households", [])
    visits = body.get("visits", [])
    if not isinstance(households, list) or not isinstance(visits, list):
        raise BatchError(_("“households” và “visits” phải là danh sách."))
    if len(visits) > MAX_VISITS or len(households) > MAX_HOUSEHOLDS:
        raise BatchError(_("Mỗi lần gửi tối đa %(n)d lượt thăm và %(n)d hộ.", n=MAX_VISITS), 413)
    begin_write()
    # The catalogue is read only when a record names a service: a visit without any (not home, declined,
    # come back) is checked without it.
    services = services_by_code() if any(isinstance(rec, dict) and rec.get("assists") for rec in visits) else {}
    results = [_apply_household(actor, rec) for rec in households]
    # PostgreSQL: the server locks the households named while the records are read (the writer's lock then
    # takes its answer); a name that is not a UUID is refused below, when its record is read.
    lock_early(_named_households(visits))
    try:
        results += save_visits(actor, [_visit_record(rec, services) for rec in visits], services)
    finally:
        end_early()
    return results


def _named_households(visits: list) -> set[str]:
    named = set()
    for rec in visits:
        try:
            named.add(_uuid(rec.get("household_id")))
        except (TypeError, ValueError, AttributeError):  # not a dict, or not a UUID
            pass
    return named


_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _uuid(value) -> str:
    """The UUID in its canonical form (lower case, hyphens), as str(uuid.UUID(value)) gives it; the phone
    sends that form, which a match checks in a fraction of the parse (two ids a visit, 200 a batch).
    TypeError, ValueError or AttributeError for anything that is not a UUID, as uuid.UUID raises."""
    if isinstance(value, str) and _CANONICAL_UUID.fullmatch(value):
        return value
    return str(uuid.UUID(value))


def _record_id(rec, kind: str) -> tuple[str, Result | None]:
    raw = rec.get("id") if isinstance(rec, dict) else None
    shown = raw if isinstance(raw, str) else ""
    if not isinstance(rec, dict):
        return shown, Result(shown, kind, REJECTED, _("Bản ghi phải là một đối tượng JSON."))
    try:
        return _uuid(raw), None
    except (TypeError, ValueError, AttributeError):
        return shown, Result(shown, kind, REJECTED, _("Mã bản ghi (id) phải là một UUID."), {"id": _("Mã bản ghi (id) phải là một UUID.")})


def _int(rec: dict, name: str, default=None):
    value = rec.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise RuleError({name: _("“%(field)s” phải là số nguyên.", field=name)})
    if not in_int_range(value):
        raise RuleError({name: _("“%(field)s” quá lớn.", field=name)})
    return value


@overload
def _str(rec: dict, name: str, required: Literal[True]) -> str: ...
@overload
def _str(rec: dict, name: str, required: bool = False) -> str | None: ...
def _str(rec: dict, name: str, required: bool = False) -> str | None:
    value = rec.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise RuleError({name: _("“%(field)s” phải là chuỗi ký tự.", field=name)})
    if bad_text(value):
        raise RuleError({name: control_character_message()})
    return value


@overload
def _when(rec: dict, name: str, required: Literal[True]) -> datetime: ...
@overload
def _when(rec: dict, name: str, required: bool) -> datetime | None: ...
def _when(rec: dict, name: str, required: bool) -> datetime | None:
    value: Any = rec.get(name)  # any JSON value: parse_iso refuses what is not an ISO string
    if value is None and not required:
        return None
    try:
        return parse_iso(value)
    except BadDate as err:  # a year-1 or year-9999 date: this record is refused, the batch goes on
        raise RuleError({name: _("“%(field)s”: %(problem)s", field=name, problem=str(err))}) from None
    except (TypeError, ValueError, AttributeError):
        raise RuleError({name: _("“%(field)s” phải là ngày giờ ISO 8601, ví dụ 2025-07-01T09:30:00+07:00.",
                                 field=name)}) from None


# Households -----------------------------------------------------------------------------------

def _household_data(rec: dict) -> HouseholdData:
    consent = rec.get("consent", False)
    if not isinstance(consent, bool):
        raise RuleError({"consent": _("“consent” phải là true hoặc false.")})
    return HouseholdData(
        code=_str(rec, "code", required=True), residents_total=_int(rec, "residents_total"),
        residents_14plus=_int(rec, "residents_14plus"), residents_18plus=_int(rec, "residents_18plus"),
        smartphones=_int(rec, "smartphones", 0), head_name=_str(rec, "head_name"),
        head_phone=_str(rec, "head_phone"), consent=consent)


def _same_household(h: Household, rec: dict, data: HouseholdData) -> bool:
    return (h.village_id == rec.get("village_id") and h.code_key == code_key(data.code)
            and (h.residents_total, h.residents_14plus, h.residents_18plus)
            == (data.residents_total, data.residents_14plus, data.residents_18plus))


def _apply_household(actor: User, rec) -> Result:
    hid, bad = _record_id(rec, "household")
    if bad:
        return bad
    try:
        data = _household_data(rec)
        created_at = _when(rec, "created_at", required=False)
        village_id = _int(rec, "village_id")
    except RuleError as err:
        return Result(hid, "household", REJECTED, err.message, err.errors)
    existing = db.session.get(Household, hid)
    if existing is not None:
        return _compare_household(actor, existing, rec, data)
    village = db.session.get(Area, village_id)
    if village is None or village.level != AreaLevel.VILLAGE or not can_view_area(actor, village):
        msg = _("Không tìm thấy thôn này hoặc thôn nằm ngoài địa bàn của bạn.")
        return Result(hid, "household", REJECTED, msg, {"village_id": msg})
    if not can_record_in_village(actor, village):
        return Result(hid, "household", REJECTED, _("Bạn chỉ thêm được hộ ở thôn của tổ mình."))
    now = utcnow()
    if created_at is not None and created_at > now + CLOCK_SKEW:
        msg = _("Ngày thêm hộ không thể ở tương lai.")
        return Result(hid, "household", REJECTED, msg, {"created_at": msg})
    if created_at is not None:
        # Added offline, dated when the phone wrote it; never before the back-entry window (the one rule
        # of counting.earliest_visit_day): a batch cannot put a household into a year long closed.
        created_at = max(created_at, day_bounds(earliest_visit_day(), None)[0])
    try:
        with db.session.begin_nested():
            household = create_household(actor, village, data, household_id=hid)
            if created_at is not None and created_at < household.created_at:
                household.created_at = created_at
    except RuleError as err:
        # The unique key refused it: maybe this very record, sent concurrently by a retry.
        existing = db.session.get(Household, hid, populate_existing=True)
        if existing is not None:
            return _compare_household(actor, existing, rec, data)
        return Result(hid, "household", REJECTED, err.message, err.errors)
    except IntegrityError:  # the same id inserted by a concurrent request
        existing = db.session.get(Household, hid, populate_existing=True)
        if existing is None:
            raise
        return _compare_household(actor, existing, rec, data)
    return Result(hid, "household", CREATED)


def _compare_household(actor: User, h: Household, rec: dict, data: HouseholdData) -> Result:
    if can_view_household(actor, h) and _same_household(h, rec, data):
        return Result(h.id, "household", DUPLICATE)
    return Result(h.id, "household", REJECTED,
                  _("Mã bản ghi này đã được dùng cho một hộ khác; hệ thống giữ bản ghi đầu tiên."))


# Visits ---------------------------------------------------------------------------------------

def _visit_data(rec: dict, services: dict[str, Service]) -> tuple[str, VisitData]:
    try:
        household_id = _uuid(rec.get("household_id"))
    except (TypeError, ValueError, AttributeError):
        raise RuleError({"household_id": _("“household_id” phải là một UUID.")}) from None
    outcome = rec.get("outcome")
    if outcome not in Outcome.ALL:
        raise RuleError({"outcome": _("Kết quả phải là một trong: %(values)s.", values=", ".join(Outcome.ALL))})
    note = _str(rec, "note")
    if note is not None and len(note.strip()) > MAX_NOTE:
        raise RuleError({"note": _("Ghi chú dài tối đa %(n)d ký tự.", n=MAX_NOTE)})
    assists = rec.get("assists", [])
    if not isinstance(assists, list):
        raise RuleError({"assists": _("“assists” phải là danh sách.")})
    counts: dict[str, int] = {}
    for item in assists:
        if not isinstance(item, dict) or not isinstance(item.get("service"), str):
            raise RuleError({"assists": _("Mỗi mục “assists” cần “service” và “count”.")})
        code, count = item["service"], item.get("count")
        if code not in services:
            raise RuleError({f"svc_{code}": _("Dịch vụ không có trong danh mục: %(code)s.", code=code)})
        if isinstance(count, bool) or not isinstance(count, int) or count < 0 or not in_int_range(count):
            raise RuleError({f"svc_{code}": _("%(service)s: số lượng phải là số nguyên không âm.",
                                              service=services[code].short_name)})
        if code in counts:
            raise RuleError({f"svc_{code}": _("%(service)s xuất hiện hai lần trong một lượt thăm.",
                                              service=services[code].short_name)})
        counts[code] = count
    visited_at = _when(rec, "visited_at", required=True)
    return household_id, VisitData(outcome=outcome, visited_at=visited_at, note=note, counts=counts,
                                   return_on=_day(rec, "return_on"))


def _day(rec: dict, name: str) -> date | None:
    """A local calendar day, YYYY-MM-DD (or absent / null)."""
    value = rec.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) != 10:
        raise RuleError({name: _("“%(field)s” phải là một ngày dạng năm-tháng-ngày, ví dụ 2025-07-01.", field=name)})
    try:
        return parse_day(value)
    except BadDate as err:
        raise RuleError({name: str(err)}) from None


def _visit_record(rec, services: dict[str, Service]) -> VisitRecord | Result:
    """A record of the batch as the writer takes it, or its refusal when it cannot be read."""
    vid, bad = _record_id(rec, "visit")
    if bad:
        return bad
    try:
        household_id, data = _visit_data(rec, services)
    except RuleError as err:
        return Result(vid, "visit", REJECTED, err.message, err.errors)
    return VisitRecord(vid, household_id, data)


__all__ = ["apply_batch", "BatchError", "Result", "MAX_VISITS"]
