"""Writes about households. Each checks its rules, writes, and records the audit entry."""
from dataclasses import asdict, dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..counting import achieved_in, household_stats, live, over_eligible
from ..extensions import db
from ..forms import PHONE_RE, normalize_phone
from ..locks import lock_household
from ..models import Area, AuditLog, Household, User, Visit
from ..models.households import new_uuid, search_text
from ..rules import RuleError
from ..services.queries import all_services
from ..tallies import operations as tallies
from ..timeutil import utcnow
from ..visits.rules import MAX_RESIDENTS
from .queries import code_taken

AUDIT_FIELDS = ("village_id", "code", "head_name", "head_phone", "consent_at", "residents_total",
                "residents_14plus", "residents_18plus", "smartphones")


@dataclass
class HouseholdData:
    code: str
    residents_total: int
    residents_14plus: int
    residents_18plus: int
    smartphones: int = 0
    head_name: str | None = None
    head_phone: str | None = None
    consent: bool = False


def _validate(data: HouseholdData, village: Area, exclude_id: str | None = None,
              taken: bool | None = None) -> None:
    """taken: whether another household of the village has the code, when the caller knows (a batch)."""
    errors = {}
    data.code = (data.code or "").strip()
    data.head_name = (data.head_name or "").strip() or None
    data.head_phone = normalize_phone(data.head_phone) or None  # the form does this too; the sync API not
    if not data.code:
        errors["code"] = _("Vui lòng nhập mã hoặc số nhà.")
    elif len(data.code) > 40:
        errors["code"] = _("Mã hộ dài tối đa 40 ký tự.")
    else:
        if taken is None:
            clash = code_taken(village.id, data.code, exclude_id)
        else:  # the caller (a batch) knows whether the code is taken, not by which household
            clash = data.code if taken else None
        if clash is not None:
            errors["code"] = code_clash_message(data.code, clash, village)
    for name in ("residents_total", "residents_14plus", "residents_18plus", "smartphones"):
        value = getattr(data, name)
        if not isinstance(value, int) or value < 0 or value > MAX_RESIDENTS:
            errors[name] = _("Nhập một số từ 0 đến %(max)d.", max=MAX_RESIDENTS)
    if not errors:
        if data.residents_total < 1:
            errors["residents_total"] = _("Hộ phải có ít nhất 1 người.")
        elif data.residents_14plus > data.residents_total:
            errors["residents_14plus"] = _("Số người từ 14 tuổi (%(a)d) không thể lớn hơn tổng số nhân khẩu (%(t)d).",
                                           a=data.residents_14plus, t=data.residents_total)
        elif data.residents_18plus > data.residents_14plus:
            errors["residents_18plus"] = _("Số người từ 18 tuổi (%(a)d) không thể lớn hơn số người từ 14 tuổi (%(b)d).",
                                           a=data.residents_18plus, b=data.residents_14plus)
    if (data.head_name or data.head_phone) and not data.consent:
        errors["consent"] = _("Chỉ lưu tên hoặc số điện thoại chủ hộ khi chủ hộ đồng ý. Hãy đánh dấu ô đồng ý hoặc bỏ trống hai ô này.")
    if data.head_name and len(data.head_name) > 120:
        errors["head_name"] = _("Tên dài tối đa 120 ký tự.")
    if data.head_phone and not PHONE_RE.match(data.head_phone):
        errors["head_phone"] = _("Số điện thoại gồm 10 chữ số và bắt đầu bằng 0, ví dụ 0912345678.")
    if errors:
        raise RuleError(errors)


def code_clash_message(code: str, existing: str, village: Area) -> str:
    if existing.lower() == code.lower():
        return _("Mã hộ %(code)s đã có trong %(village)s.", code=code, village=village.name)
    return _("Mã hộ %(code)s trùng với hộ %(existing)s đã có trong %(village)s (chỉ khác khoảng trắng, chữ hoa, "
             "chữ thường hoặc kiểu chữ số). Hãy đặt mã khác.", code=code, existing=existing, village=village.name)


def create_household(actor: User, village: Area, data: HouseholdData,
                     household_id: str | None = None) -> Household:
    """One new household: a batch of one through create_households."""
    if village.archived_at is not None:
        raise RuleError(_("%(village)s đã lưu trữ, không thể thêm hộ mới.", village=village.name))
    _validate(data, village)
    hid, = create_households(actor, village, [data], [household_id] if household_id else None)
    return db.session.get_one(Household, hid)


def create_households(actor: User, village: Area, rows: list[HouseholdData],
                      ids: list[str] | None = None) -> list[str]:
    """The one writer of new households (the form, a phone's sync, an import of thousands): rows already
    checked (`check_household`) go in with one statement per table, the households, their audit entries
    and the denominators of the village, commune and province, in the caller's transaction. A code taken
    meanwhile (the unique key, not the earlier read) refuses the whole batch. Returns the new ids."""
    if village.archived_at is not None:
        raise RuleError(_("%(village)s đã lưu trữ, không thể thêm hộ mới.", village=village.name))
    if not rows:
        return []
    now = utcnow()
    ids = list(ids) if ids else [new_uuid() for _row in rows]
    values: list[dict[str, Any]] = []
    for hid, data in zip(ids, rows, strict=True):
        personal = data.consent and bool(data.head_name or data.head_phone)
        values.append({
            "id": hid, "village_id": village.id, "code": data.code, "head_name": data.head_name,
            "head_phone": data.head_phone, "consent_at": now if personal else None,
            "consent_by_id": actor.id if personal else None, "residents_total": data.residents_total,
            "residents_14plus": data.residents_14plus, "residents_18plus": data.residents_18plus,
            "smartphones": data.smartphones, "search_text": search_text(data.code, data.head_name),
            "created_by_id": actor.id, "created_at": now, "updated_at": now, "visit_count": 0})
    conn = db.session.connection()
    try:
        with db.session.begin_nested():
            conn.execute(insert(Household.__table__), values)
    except IntegrityError:
        taken = rows[0].code if len(rows) == 1 else None
        raise RuleError({"code": _("Mã hộ %(code)s đã có trong %(village)s.", code=taken, village=village.name)
                         if taken else _("Một số mã hộ vừa được thêm vào %(village)s ở nơi khác; chưa có gì được "
                                         "ghi.", village=village.name)}) from None
    tallies.apply_households_added(village, rows)
    conn.execute(insert(AuditLog.__table__), [
        {"at": now, "actor_id": actor.id, "action": "create", "entity_type": "household", "entity_id": v["id"],
         "area_path": village.path, "before": None,
         "after": {k: (v[k].isoformat() if hasattr(v[k], "isoformat") else v[k]) for k in AUDIT_FIELDS}}
        for v in values])
    return ids


def check_household(data: HouseholdData, village: Area, household: Household | None = None, *,
                    taken: bool | None = None, achieved: dict[int, int] | None = None,
                    services: list | None = None) -> None:
    """Every rule of a create (household None) or an update, without writing: for import previews.

    A batch may pass what it already read for the whole village: whether the code is taken by another
    household, the people achieved per service in this household, the service catalogue.
    """
    if household is None:
        if village.archived_at is not None:
            raise RuleError(_("%(village)s đã lưu trữ, không thể thêm hộ mới.", village=village.name))
        _validate(data, village, taken=taken)
    else:
        _validate(data, village, exclude_id=household.id, taken=taken)
        _check_achieved(household, data, achieved, services)


def _check_achieved(household: Household, data: HouseholdData, achieved: dict[int, int] | None = None,
                    services: list | None = None) -> None:
    """Fewer eligible residents than people already counted for a service is refused."""
    if achieved is None:
        achieved = achieved_in(household.id)
    stats = household_stats(Household(residents_total=data.residents_total, residents_14plus=data.residents_14plus,
                                       residents_18plus=data.residents_18plus))
    for service in services if services is not None else all_services():
        done = achieved.get(service.id, 0)
        if over_eligible(service, stats, done):
            raise RuleError({"residents_total": _(
                "%(service)s đã ghi nhận %(done)d người ở hộ này; số nhân khẩu đủ điều kiện không thể ít hơn %(done)d.",
                service=service.short_name, done=done)})


def update_household(actor: User, household: Household, data: HouseholdData) -> Household:
    """The caps are checked under the household's lock, the one visits take: a visit saved at the same
    instant is either counted here or sees the new residents."""
    lock_household(household)
    village = household.village
    _validate(data, village, exclude_id=household.id)
    _check_achieved(household, data)
    before = audit.snapshot(household, AUDIT_FIELDS)
    counted_before = household_stats(household)
    household.code = data.code
    household.residents_total = data.residents_total
    household.residents_14plus = data.residents_14plus
    household.residents_18plus = data.residents_18plus
    household.smartphones = data.smartphones
    if data.consent and (data.head_name or data.head_phone):
        if household.consent_at is None or (data.head_name, data.head_phone) != (household.head_name, household.head_phone):
            household.consent_at, household.consent_by_id = utcnow(), actor.id
        household.head_name, household.head_phone = data.head_name, data.head_phone
    else:  # no consent (or consent withdrawn): no personal data kept
        household.head_name = household.head_phone = None
        household.consent_at = household.consent_by_id = None
    household.refresh_search_text()
    _flush_or_refuse(data, village)
    tallies.apply_household_delta(counted_before, household)
    after = audit.snapshot(household, AUDIT_FIELDS)
    if after != before:
        audit.record(actor, "update", household, area_path=village.path, before=before, after=after)
    return household


def _flush_or_refuse(data: HouseholdData, village: Area) -> None:
    """The unique key, not the earlier read, is what stops two phones adding the same code.

    After a refusal the caller rolls back (a form) or runs this inside a savepoint (a batch).
    """
    try:
        db.session.flush()
    except IntegrityError:
        raise RuleError({"code": _("Mã hộ %(code)s đã có trong %(village)s.",
                                   code=data.code, village=village.name)}) from None


def household_data_from(household: Household) -> dict:
    data = HouseholdData(code=household.code, residents_total=household.residents_total,
                         residents_14plus=household.residents_14plus,
                         residents_18plus=household.residents_18plus,
                         smartphones=household.smartphones, head_name=household.head_name,
                         head_phone=household.head_phone, consent=household.consent_at is not None)
    return asdict(data)


# --- Soft delete and undo (issue 7). A deleted household leaves every list and count until restored. ---

def delete_household(actor: User, household: Household) -> Household:
    lock_household(household)
    if household.deleted_at is not None:
        raise RuleError(_("Hộ này đã bị xóa."))
    counted = household_stats(household)
    household.deleted_at, household.deleted_by_id = utcnow(), actor.id
    db.session.flush()
    _move_visit_tallies(household, removing=True)
    tallies.apply_household_delta(counted, household)
    audit.record(actor, "delete", household, area_path=household.village.path,
                 before=audit.snapshot(household, AUDIT_FIELDS))
    return household


def restore_household(actor: User, household: Household) -> Household:
    lock_household(household)
    if household.deleted_at is None:
        raise RuleError(_("Hộ này chưa bị xóa."))
    counted = household_stats(household)
    household.deleted_at = household.deleted_by_id = None
    db.session.flush()
    _move_visit_tallies(household, removing=False)
    tallies.apply_household_delta(counted, household)
    audit.record(actor, "restore", household, area_path=household.village.path,
                 after=audit.snapshot(household, AUDIT_FIELDS))
    return household


def _move_visit_tallies(household: Household, *, removing: bool) -> None:
    """A deleted household's visits leave the counters with it, and come back on undo."""
    visits = db.session.scalars(select(Visit).where(Visit.household_id == household.id, live(Visit)))
    for visit in visits:
        f = tallies.facts(visit, household)
        tallies.apply_visit_delta(f, None) if removing else tallies.apply_visit_delta(None, f)
