"""Times are stored as naive UTC; people see Vietnam time (UTC+7, no daylight saving).

Every date or time that comes from outside (a query argument, a form, a phone's record) is read here,
and must fall between FIRST_DAY and LAST_DAY: nothing the app counts happened before 2000, and a
date past 2099 is a typing slip. Inside that range the arithmetic of the app (a day after, a period
before, the shift to and from UTC) can never overflow, so a year-1 or year-9999 date is a clear
Vietnamese refusal (BadDate) and never a 500.
"""
from datetime import UTC, date, datetime, timedelta, timezone
from typing import overload

from flask_babel import gettext as _

UTC_OFFSET = timedelta(hours=7)  # the one place Vietnam's offset is written (no daylight saving)
VN = timezone(UTC_OFFSET, "ICT")
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)


class BadDate(ValueError):
    """A date or time that cannot be used; str(err) is the message for the user, in Vietnamese."""


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@overload
def to_local(dt: datetime) -> datetime: ...
@overload
def to_local(dt: None) -> None: ...
def to_local(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    # The offset added (what astimezone(VN) computes, without building two aware times: a sync batch asks
    # for hundreds); an aware time is read as UTC, as before.
    return (dt if dt.tzinfo is None else dt.replace(tzinfo=None)) + UTC_OFFSET


def from_local(dt: datetime) -> datetime:
    """A naive Vietnam-time datetime (as typed in a form) to naive UTC."""
    return dt.replace(tzinfo=VN).astimezone(UTC).replace(tzinfo=None)


def out_of_range_message(day: date) -> str:
    return _("Ngày không hợp lệ: %(day)s nằm ngoài khoảng ứng dụng dùng được (từ %(first)s đến %(last)s).",
             day=f"{day.day:02d}/{day.month:02d}/{day.year:04d}", first=FIRST_DAY.strftime("%d/%m/%Y"),
             last=LAST_DAY.strftime("%d/%m/%Y"))


def check_day(day: date) -> date:
    """The day itself if the app can use it, else BadDate (works for a datetime too)."""
    plain = day.date() if isinstance(day, datetime) else day
    if not FIRST_DAY <= plain <= LAST_DAY:
        raise BadDate(out_of_range_message(plain))
    return day


def parse_day(text: str) -> date:
    """YYYY-MM-DD (a Vietnamese local day), as a date input sends it."""
    raw = (text or "").strip()
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise BadDate(_("Ngày không hợp lệ: “%(v)s”. Dùng dạng năm-tháng-ngày, ví dụ 2026-11-21.",
                        v=raw[:20])) from None
    return check_day(day)


def parse_iso(value: str) -> datetime:
    """ISO 8601 from a client, to naive UTC; with no offset it is taken as Vietnam time.

    Not a string or not ISO 8601: ValueError (TypeError for a non-string); outside the range: BadDate.
    """
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    check_day(dt)  # in its own zone: then the shift to UTC cannot overflow
    if dt.tzinfo is None:
        return from_local(dt)
    return dt.astimezone(UTC).replace(tzinfo=None)
