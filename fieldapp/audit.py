"""The audit trail: one helper every operation calls in the same transaction as its write."""
from .extensions import db
from .models import AuditLog


def record(actor, action: str, entity, *, area_path: str = "", before=None, after=None,
           entity_type: str | None = None) -> AuditLog:
    entry = AuditLog(
        actor_id=getattr(actor, "id", None),
        action=action,
        entity_type=entity_type or type(entity).__name__.lower(),
        entity_id=str(getattr(entity, "id", "") or ""),
        area_path=area_path,
        before=before,
        after=after,
    )
    db.session.add(entry)
    return entry


def snapshot(obj, fields) -> dict:
    """A JSON-safe copy of some fields of a model, for before/after."""
    out = {}
    for name in fields:
        value = getattr(obj, name)
        out[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return out
