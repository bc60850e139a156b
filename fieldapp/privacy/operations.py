"""Data subjects' rights (Law 91/2025/QH15): export a household's data, erase its personal fields,
and the retention purge. Erasure keeps the anonymous counts and the visits."""
from datetime import datetime

from sqlalchemy import func, or_, select

from .. import audit
from ..extensions import db
from ..models import AuditLog, Household, Service, User, Visit
from ..timeutil import utcnow

PERSONAL_FIELDS = ("head_name", "head_phone", "consent_at", "consent_by_id")
# Values earlier audit entries may hold about the resident; an erasure blanks them too.
AUDIT_PERSONAL_KEYS = {"household": ("head_name", "head_phone"), "visit": ("note",)}
REDACTED = "[đã xóa]"


def export_household(household: Household) -> dict:
    """This household's record and visits (deleted ones too: they are still stored), nothing of any other household."""
    village = household.village
    commune = village.parent
    codes = {s.id: s.code for s in db.session.scalars(select(Service))}
    visits = db.session.scalars(
        select(Visit).where(Visit.household_id == household.id).order_by(Visit.visited_at)).all()
    consent_by = db.session.get(User, household.consent_by_id) if household.consent_by_id else None
    return {
        "household": {
            "id": household.id, "code": household.code, "village": village.name,
            "commune": commune.name if commune else None,
            "head_name": household.head_name, "head_phone": household.head_phone,
            "consent_at": household.consent_at.isoformat() if household.consent_at else None,
            "consent_recorded_by": consent_by.name if consent_by else None,
            "residents_total": household.residents_total, "residents_14plus": household.residents_14plus,
            "residents_18plus": household.residents_18plus, "smartphones": household.smartphones,
            "created_at": household.created_at.isoformat(),
        },
        "visits": [{
            "visited_at": v.visited_at.isoformat(), "outcome": v.outcome, "note": v.note,
            "team": v.team.name, "assistance": {codes[a.service_id]: a.count for a in v.assists},
            "deleted": v.deleted_at is not None,
        } for v in visits],
        "controller": {"name": commune.name if commune else None,
                       "phone": commune.office_phone if commune else None},
        "exported_at": utcnow().isoformat(),
    }


def record_export(actor: User, household: Household, fmt: str) -> None:
    audit.record(actor, "export", household, area_path=household.village.path, after={"format": fmt})


def erase_personal_data(actor: User | None, household: Household, reason: str = "request") -> list[str]:
    """Blank the head of household's name, phone and consent, and the visit notes; counts and visits stay.

    The audit entry says which fields were erased, never their values; earlier audit entries about this
    household are blanked too (the one exception to the append-only trail: erasure must reach every copy).
    """
    erased = [name for name in PERSONAL_FIELDS if getattr(household, name) is not None]
    for name in PERSONAL_FIELDS:
        setattr(household, name, None)
    household.refresh_search_text()
    visits = db.session.scalars(select(Visit).where(Visit.household_id == household.id)).all()
    if any(v.note for v in visits):
        erased.append("visit_notes")
    for visit in visits:
        visit.note = None
    redacted = _redact_audit(household.id, [v.id for v in visits])
    audit.record(actor, "erase", household, area_path=household.village.path,
                 after={"erased": erased, "reason": reason, "audit_entries_redacted": redacted})
    return erased


def _redact_audit(household_id: str, visit_ids: list[str]) -> int:
    conditions = [(AuditLog.entity_type == "household") & (AuditLog.entity_id == household_id)]
    if visit_ids:
        conditions.append((AuditLog.entity_type == "visit") & (AuditLog.entity_id.in_(visit_ids)))
    count = 0
    for entry in db.session.scalars(select(AuditLog).where(or_(*conditions))):
        keys = AUDIT_PERSONAL_KEYS.get(entry.entity_type, ())
        changed = False
        for attr in ("before", "after"):
            data = getattr(entry, attr)
            if not data:
                continue
            new = {k: (REDACTED if k in keys and v is not None else v) for k, v in data.items()}
            if new != data:
                setattr(entry, attr, new)  # reassigned: JSON columns do not track in-place changes
                changed = True
        count += changed
    return count


def months_before(moment: datetime, months: int) -> datetime:
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28,
                           31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month])
    return moment.replace(year=year, month=month + 1, day=day)


def purge_personal_data(months: int, now: datetime | None = None) -> int:
    """Erase the personal fields of households not visited (nor added) for `months`; returns how many."""
    cutoff = months_before(now or utcnow(), months)
    households = db.session.scalars(
        select(Household).where(
            func.coalesce(Household.last_visited_at, Household.created_at) < cutoff,
            or_(Household.head_name.is_not(None), Household.head_phone.is_not(None),
                Household.consent_at.is_not(None)))).all()
    for household in households:
        erase_personal_data(None, household, reason=f"retention {months} months")
    return len(households)
