from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from ..timeutil import utcnow
from .areas import PathString


def commune_of(path: str | None) -> int | None:
    """"/1/5/9/" -> 5: the second id of an area path (the commune under its province), or None."""
    parts = (path or "").strip("/").split("/")
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


def _commune_default(context) -> int | None:
    return commune_of(context.get_current_parameters().get("area_path"))


class AuditLog(Model):
    """Append-only: who did what, when, with the record before and after."""
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_entity", "entity_type", "entity_id"),
        # The admin's view (everything, newest first) and a commune officer's (their commune, newest first):
        # each page is a short walk down one of these, however long the log grows.
        Index("ix_audit_at", "at", "id"),
        Index("ix_audit_commune_at", "commune_id", "at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(40))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(40))
    # The area the record belongs to, so a commune officer reads only their commune.
    area_path: Mapped[str] = mapped_column(PathString, default="")
    # The commune of area_path, set from it on every insert (ORM or Core, one row or many): the officer's
    # filter is then an equality an index serves in order, not a prefix over the whole log.
    commune_id: Mapped[int | None] = mapped_column(default=_commune_default)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
