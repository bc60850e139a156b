"""Writes about visits: log one, correct one. The eligibility cap is enforced here, for every client."""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from .. import audit
from ..extensions import db
from ..households.queries import achieved_by_service
from ..models import Household, Outcome, Service, User, Visit
from ..models.households import new_uuid
from ..models.visits import Assistance
from ..rules import RuleError
from ..tallies import operations as tallies
from ..timeutil import to_local, utcnow

CLOCK_SKEW = timedelta(minutes=10)
MAX_NOTE = 500


@dataclass
class VisitData:
    outcome: str
    visited_at: datetime  # naive UTC
    note: str | None = None
    counts: dict[str, int] = field(default_factory=dict)  # service code -> people or dossiers


def services_by_code() -> dict[str, Service]:
    return {s.code: s for s in db.session.scalars(select(Service))}


def _lock(household: Household) -> None:
    """Serialise visits to one household (PostgreSQL row lock; SQLite already serialises writers
    and ignores FOR UPDATE, so nothing is sent there).

    The tallies kept on the row are read again under the lock: the copy loaded earlier in the request
    may predate a visit another worker committed meanwhile (its increment would otherwise be lost).
    """
    if db.session.get_bind().dialect.name == "sqlite":
        return
    db.session.refresh(household, attribute_names=["visit_count", "last_visited_at", "last_outcome"],
                       with_for_update=True)


def check(household: Household, data: VisitData, services: dict[str, Service],
          exclude_visit: Visit | None = None, achieved: dict[int, int] | None = None) -> dict[int, int]:
    """Validate a visit against the rules; returns {service_id: count} of the non-zero counts.

    `achieved` ({service_id: people counted so far}) spares the tally query when the caller
    already has it (the sync batch reads it for all its households at once).
    """
    errors: dict[str, str] = {}
    if data.outcome not in Outcome.ALL:
        errors["outcome"] = _("Vui lòng chọn kết quả lượt thăm.")
    now = utcnow()
    if data.visited_at > now + CLOCK_SKEW:
        errors["visited_at"] = _("Ngày giờ thăm không thể ở tương lai.")
    elif to_local(data.visited_at).date() < to_local(household.created_at).date():
        errors["visited_at"] = _("Ngày thăm (%(d)s) trước ngày hộ được thêm vào danh sách (%(c)s).",
                                 d=to_local(data.visited_at).strftime("%d/%m/%Y"),
                                 c=to_local(household.created_at).strftime("%d/%m/%Y"))
    note = (data.note or "").strip()
    if len(note) > MAX_NOTE:
        errors["note"] = _("Ghi chú dài tối đa %(n)d ký tự.", n=MAX_NOTE)
    data.note = note or None

    already_on_visit = {a.service.code for a in exclude_visit.assists} if exclude_visit else set()
    counts: dict[int, int] = {}
    for code, count in data.counts.items():
        service = services.get(code)
        if service is None or (not service.active and code not in already_on_visit):
            errors[f"svc_{code}"] = _("Dịch vụ không có trong danh mục: %(code)s.", code=code)
            continue
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            errors[f"svc_{code}"] = _("%(service)s: số lượng phải là số nguyên không âm.", service=service.short_name)
            continue
        if count:
            counts[service.id] = count
    if counts and data.outcome != Outcome.HELPED and "outcome" not in errors:
        errors["outcome"] = _("Chỉ ghi số người được hỗ trợ khi kết quả là “Đã hỗ trợ”.")
    if not counts and data.outcome == Outcome.HELPED and not errors:
        errors["outcome"] = _("Hãy ghi ít nhất một dịch vụ đã hỗ trợ, hoặc chọn kết quả khác.")
    if errors:
        raise RuleError(errors)

    # Only counts can pass a cap: a visit without any (not home, declined...) needs no tally query.
    if achieved is None:
        achieved = achieved_by_service(household.id, exclude_visit.id if exclude_visit else None) if counts else {}
    by_id = {s.id: s for s in services.values()}
    for service_id, count in counts.items():
        service = by_id[service_id]
        cap = service.cap_for(household)
        done = achieved.get(service_id, 0)
        if cap is None and count > (per_visit := service.per_visit_cap(household)):
            errors[f"svc_{service.code}"] = _(
                "%(service)s: tối đa %(cap)d trong một lượt thăm (hộ có %(cap)d nhân khẩu).",
                service=service.short_name, cap=per_visit)
        elif cap is not None and done + count > cap:
            left = max(cap - done, 0)
            errors[f"svc_{service.code}"] = _(
                "%(service)s: hộ chỉ có %(cap)d người đủ điều kiện, đã ghi nhận %(done)d, "
                "lượt này chỉ ghi được tối đa %(left)d.",
                service=service.short_name, cap=cap, done=done, left=left)
    if errors:
        raise RuleError(errors)
    return counts


def _snapshot(visit: Visit, services_by_id: dict[int, Service]) -> dict:
    return {
        "household_id": visit.household_id,
        "outcome": visit.outcome,
        "visited_at": visit.visited_at.isoformat(),
        "note": visit.note,
        "assists": {services_by_id[a.service_id].code: a.count
                    for a in sorted(visit.assists, key=lambda a: a.service_id)},
    }


def _refresh_household(household: Household) -> None:
    """Keep the list filters' columns equal to the latest visit."""
    latest = db.session.execute(
        select(Visit.visited_at, Visit.outcome).where(Visit.household_id == household.id, Visit.deleted_at.is_(None))
        .order_by(Visit.visited_at.desc(), Visit.received_at.desc()).limit(1)).first()
    household.last_visited_at = latest.visited_at if latest else None
    household.last_outcome = latest.outcome if latest else None
    household.visit_count = db.session.scalar(
        select(func.count()).select_from(Visit).where(Visit.household_id == household.id,
                                                      Visit.deleted_at.is_(None)))


def check_can_log(actor: User, household: Household) -> None:
    """Who may log a visit to this household, whatever the visit holds."""
    if actor.team is None or actor.team.village_id != household.village_id:
        raise RuleError(_("Bạn chỉ ghi được lượt thăm cho các hộ thuộc thôn của tổ mình."))
    if household.village.archived_at is not None:
        raise RuleError(_("%(village)s đã lưu trữ, không ghi thêm lượt thăm.", village=household.village.name))
    if household.deleted_at is not None:
        raise RuleError(_("Hộ %(code)s đã bị xóa khỏi danh sách; không ghi thêm lượt thăm.", code=household.code))


def log_visit(actor: User, household: Household, data: VisitData, visit_id: str | None = None,
              services: dict[str, Service] | None = None) -> Visit:
    check_can_log(actor, household)
    services = services or services_by_code()
    _lock(household)
    counts = check(household, data, services)
    visit = Visit(id=visit_id or new_uuid(), household_id=household.id, member_id=actor.id, team_id=actor.team_id,
                  visited_at=data.visited_at, received_at=utcnow(), outcome=data.outcome, note=data.note)
    visit.assists = [Assistance(service_id=sid, count=n) for sid, n in counts.items()]
    db.session.add(visit)
    if household.last_visited_at is None or data.visited_at >= household.last_visited_at:
        household.last_visited_at, household.last_outcome = data.visited_at, data.outcome
    household.visit_count = (household.visit_count or 0) + 1
    by_id = {s.id: s for s in services.values()}
    audit.record(actor, "create", visit, area_path=household.village.path, after=_snapshot(visit, by_id))
    # The counters flush first: the visit, its assists, the household's columns and the audit entry
    # go to the database in one flush (one unit of work, not three).
    tallies.apply_visit_delta(None, tallies.facts(visit, household))
    return visit


def update_visit(actor: User, visit: Visit, data: VisitData) -> Visit:
    household = visit.household
    services = services_by_code()
    _lock(household)
    counts = check(household, data, services, exclude_visit=visit)
    by_id = {s.id: s for s in services.values()}
    before = _snapshot(visit, by_id)
    counted_before = tallies.facts(visit, household)
    visit.outcome, visit.visited_at, visit.note = data.outcome, data.visited_at, data.note
    existing = {a.service_id: a for a in visit.assists}
    for sid, assist in existing.items():
        if sid not in counts:
            visit.assists.remove(assist)
        else:
            assist.count = counts[sid]
    for sid, n in counts.items():
        if sid not in existing:
            visit.assists.append(Assistance(service_id=sid, count=n))
    db.session.flush()
    after = _snapshot(visit, by_id)
    if after != before:
        visit.updated_at = utcnow()
        audit.record(actor, "update", visit, area_path=household.village.path, before=before, after=after)
    _refresh_household(household)
    tallies.apply_visit_delta(counted_before, tallies.facts(visit, household))
    return visit


# --- Soft delete and undo (issue 7). Deleted visits count nowhere: caps, lists, household filters. ---

def delete_visit(actor: User, visit: Visit) -> Visit:
    if visit.deleted_at is not None:
        raise RuleError(_("Lượt thăm này đã bị xóa."))
    household = visit.household
    _lock(household)
    by_id = {s.id: s for s in db.session.scalars(select(Service))}
    counted = tallies.facts(visit, household)
    visit.deleted_at, visit.deleted_by_id = utcnow(), actor.id
    db.session.flush()
    if household.deleted_at is None:
        tallies.apply_visit_delta(counted, None)
    audit.record(actor, "delete", visit, area_path=household.village.path, before=_snapshot(visit, by_id))
    _refresh_household(household)
    return visit


def restore_visit(actor: User, visit: Visit) -> Visit:
    """Undo a delete, unless later visits have since used up what this one counted."""
    if visit.deleted_at is None:
        raise RuleError(_("Lượt thăm này chưa bị xóa."))
    household = visit.household
    services = services_by_code()
    _lock(household)
    data = VisitData(outcome=visit.outcome, visited_at=visit.visited_at, note=visit.note,
                     counts={a.service.code: a.count for a in visit.assists})
    try:
        check(household, data, services, exclude_visit=visit)
    except RuleError as err:
        raise RuleError(_("Không thể khôi phục lượt thăm: %(why)s", why=err.message)) from None
    visit.deleted_at = visit.deleted_by_id = None
    db.session.flush()
    if household.deleted_at is None:
        tallies.apply_visit_delta(None, tallies.facts(visit, household))
    by_id = {s.id: s for s in services.values()}
    audit.record(actor, "restore", visit, area_path=household.village.path, after=_snapshot(visit, by_id))
    _refresh_household(household)
    return visit
