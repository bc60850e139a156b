"""Reads of the audit trail: a user's part of it, newest first, one page at a time.

A page is a walk down an index (`ix_audit_at` for an admin, `ix_audit_commune_at` for a commune
officer) from a cursor, the entry the previous page ended on: no count of the whole log and no OFFSET,
so the hundredth page costs what the first does, however long the log grows.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, tuple_

from ..extensions import db
from ..models import AuditLog, Role, User

EVERYTHING = 0  # audit_scope of an admin


@dataclass
class AuditPage:
    items: list[tuple[AuditLog, str | None]]  # entry, actor name; newest first
    newer: int | None   # id of the entry the "newer" link starts after (None: this is the newest page)
    older: int | None   # id of the entry the "older" link starts before (None: nothing older)


def audit_scope(user: User) -> int | None:
    """What part of the log a user may read: EVERYTHING (an admin), a commune's id (its officer), or
    None (nobody else)."""
    if user.role == Role.ADMIN:
        return EVERYTHING
    if user.role == Role.COMMUNE_OFFICER and user.area is not None and user.area.level == "commune":
        return user.area.id
    return None


def audit_page(scope: int, *, entity_type: str | None = None, since: datetime | None = None,
               until: datetime | None = None, before: int | None = None, after: int | None = None,
               per_page: int = 50) -> AuditPage:
    """The entries of `scope` (filtered), newest first: the first page, or the page older than the entry
    `before`, or the page newer than the entry `after` (ids from a previous page's links)."""
    stmt = select(AuditLog, User.name).outerjoin(User, User.id == AuditLog.actor_id)
    if scope != EVERYTHING:
        stmt = stmt.where(AuditLog.commune_id == scope)
    if entity_type:
        stmt = stmt.where(AuditLog.entity_type == entity_type)
    if since is not None:
        stmt = stmt.where(AuditLog.at >= since)
    if until is not None:
        stmt = stmt.where(AuditLog.at < until)
    key = tuple_(AuditLog.at, AuditLog.id)
    cursor = db.session.get(AuditLog, after if after is not None else before) if (after or before) else None
    if cursor is not None and after is not None:  # newer than the cursor: walk up, then show newest first
        rows = db.session.execute(stmt.where(key > tuple_(cursor.at, cursor.id))
                                  .order_by(AuditLog.at, AuditLog.id).limit(per_page + 1)).all()
        more_newer = len(rows) > per_page
        rows = list(reversed(rows[:per_page]))
        return AuditPage(items=[(e, n) for e, n in rows], newer=rows[0][0].id if rows and more_newer else None,
                         older=rows[-1][0].id if rows else None)
    if cursor is not None:
        stmt = stmt.where(key < tuple_(cursor.at, cursor.id))
    rows = db.session.execute(stmt.order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(per_page + 1)).all()
    more_older = len(rows) > per_page
    rows = rows[:per_page]
    return AuditPage(items=[(e, n) for e, n in rows], newer=rows[0][0].id if rows and cursor is not None else None,
                     older=rows[-1][0].id if rows and more_older else None)


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
