"""Times are stored as naive UTC; people see Vietnam time (UTC+7, no daylight saving)."""
from datetime import UTC, datetime, timedelta, timezone

UTC_OFFSET = timedelta(hours=7)  # the one place Vietnam's offset is written (no daylight saving)
VN = timezone(UTC_OFFSET, "ICT")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def to_local(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC).astimezone(VN).replace(tzinfo=None)


def from_local(dt: datetime) -> datetime:
    """A naive Vietnam-time datetime (as typed in a form) to naive UTC."""
    return dt.replace(tzinfo=VN).astimezone(UTC).replace(tzinfo=None)


def parse_iso(value: str) -> datetime:
    """ISO 8601 from a client; with no offset it is taken as Vietnam time."""
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        return from_local(dt)
    return dt.astimezone(UTC).replace(tzinfo=None)
