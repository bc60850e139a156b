"""Reads of the audit trail, limited to an area path prefix."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from ..extensions import db
from ..models import AuditLog, Role, User


@dataclass
class AuditPage:
    items: list[tuple[AuditLog, str | None]]  # entry, actor name
    total: int
    page: int
    pages: int


def audit_prefix(user: User) -> str | None:
    """The area_path prefix a user may read: admins everything (""), commune officers their commune."""
    if user.role == Role.ADMIN:
        return ""
    if user.role == Role.COMMUNE_OFFICER and user.area is not None:
        return user.area.path
    return None


def audit_page(prefix: str, *, entity_type: str | None = None, since: datetime | None = None,
               until: datetime | None = None, page: int = 1, per_page: int = 50) -> AuditPage:
    stmt = select(AuditLog)
    if prefix:
        stmt = stmt.where(AuditLog.area_path.startswith(prefix, autoescape=True))
    if entity_type:
        stmt = stmt.where(AuditLog.entity_type == entity_type)
    if since is not None:
        stmt = stmt.where(AuditLog.at >= since)
    if until is not None:
        stmt = stmt.where(AuditLog.at < until)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    rows = db.session.execute(
        stmt.add_columns(User.name).outerjoin(User, User.id == AuditLog.actor_id)
        .order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(per_page).offset((page - 1) * per_page)).all()
    return AuditPage(items=[(entry, name) for entry, name in rows], total=total, page=page, pages=pages)


# What an entry about a household or a visit may hold of a resident (access.can_see_personal_data).
PERSONAL_FIELDS = {"household": ("head_name", "head_phone"), "visit": ("note",)}
HIDDEN = "•••"


def changes(entry: AuditLog, personal: bool = True) -> list[tuple[str, object, object]]:
    """(field, before, after) for the fields that differ, for display; personal=False hides what a
    household or visit entry holds of a resident (a viewer outside the minimum-access rule)."""
    before, after = entry.before or {}, entry.after or {}
    keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
    hidden = () if personal else PERSONAL_FIELDS.get(entry.entity_type, ())
    rows = []
    for k in keys:
        old, new = before.get(k), after.get(k)
        if old == new:
            continue
        if k in hidden:
            old, new = (None if old is None else HIDDEN), (None if new is None else HIDDEN)
        rows.append((k, old, new))
    return rows
