"""The one write of an export: the audit entry of an export with personal data (who, where, when; never the data)."""
from datetime import date

from .. import audit
from ..models import Area, User


def record_personal_export(actor: User, area: Area, start: date, end: date, fmt: str, tables: list[str],
                           rows: int) -> None:
    audit.record(actor, "export", area, entity_type="export", area_path=area.path,
                 after={"personal": True, "area": area.name, "from": start.isoformat(), "to": end.isoformat(),
                        "format": fmt, "tables": tables, "rows": rows})
