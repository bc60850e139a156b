"""Writes of the walk: who goes where (the leader assigns households), what a phone says about its outbox.

Visits entered from a paper walk sheet are not written here: they go to the one writer of visits
(visits.operations.save_visits) as VisitRecords with the member who made them and paper=True.
"""
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Area, AuditLog, Household, Role, SyncReport, User
from ..rules import RuleError
from ..timeutil import utcnow

MAX_REPORTED = 100_000  # a phone's outbox never holds more; a bigger number is not a count


def check_assignee(actor: User, member: User | None) -> None:
    """A household goes to an active member (or the leader) of the actor's own team; None: to nobody."""
    if member is None:
        return
    if member.team_id != actor.team_id or member.role not in Role.TEAM_ROLES:
        raise RuleError({"member_id": _("Chỉ giao hộ cho thành viên của tổ mình.")})
    if not member.active:
        raise RuleError({"member_id": _("%(name)s đã ngừng hoạt động; hãy giao cho thành viên khác.", name=member.name)})


def assign_households(actor: User, village: Area, households: list[Household], member: User | None) -> int:
    """Give these households of the village to a member (None: to nobody); those already theirs are left.
    One UPDATE and one audit entry per household changed, in the caller's transaction. Answers how many
    changed."""
    check_assignee(actor, member)
    new_id = member.id if member else None
    changed = [h for h in households if h.village_id == village.id and h.deleted_at is None and h.assignee_id != new_id]
    if not changed:
        return 0
    now = utcnow()
    db.session.execute(update(Household).where(Household.id.in_([h.id for h in changed]))
                       .values(assignee_id=new_id, updated_at=now)  # phones pick the change up (since=)
                       .execution_options(synchronize_session=False))
    db.session.execute(insert(AuditLog), [
        {"at": now, "actor_id": actor.id, "action": "assign", "entity_type": "household", "entity_id": h.id,
         "area_path": village.path, "before": {"assignee_id": h.assignee_id}, "after": {"assignee_id": new_id}}
        for h in changed])
    for h in changed:
        db.session.expire(h)
    return len(changed)


def record_sync_report(user: User, pending: int, rejected: int, oldest_at: datetime | None) -> SyncReport:
    """What the member's phone says it still holds, after a sync (the latest report wins)."""
    for name, value in (("pending", pending), ("rejected", rejected)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_REPORTED:
            raise RuleError({name: _("“%(field)s” phải là số nguyên từ 0 đến %(n)d.", field=name, n=MAX_REPORTED)})
    now = utcnow()
    if oldest_at is not None and oldest_at > now:
        oldest_at = now  # a phone's clock ahead of ours
    report = db.session.get(SyncReport, user.id)
    if report is None:
        try:
            with db.session.begin_nested():  # two syncs of one member at once: the unique key decides
                report = SyncReport(user_id=user.id)
                db.session.add(report)
                db.session.flush()
        except IntegrityError:
            report = db.session.get(SyncReport, user.id, populate_existing=True)
    assert report is not None
    report.reported_at, report.pending, report.rejected, report.oldest_at = now, pending, rejected, oldest_at
    return report
