"""Writes of the administrator: the service catalogue. Codes are stable; history is never deleted."""
import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from .. import audit
from ..counting import eligible_sql, live_visits
from ..extensions import db
from ..models import Assistance, Eligibility, Household, Service, User, Visit
from ..rules import RuleError

CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,29}$")
FIELDS = ("code", "name", "short_name", "unit", "eligibility", "points", "active", "sort_order")
UNITS = {Eligibility.HOUSEHOLD: "households", Eligibility.DOSSIER: "dossiers"}  # the rest count people


@dataclass
class ServiceData:
    name: str
    short_name: str
    eligibility: str
    points: int
    code: str | None = None  # only when creating


def _validate(data: ServiceData) -> None:
    errors = {}
    data.name = " ".join((data.name or "").split())
    data.short_name = " ".join((data.short_name or "").split())
    if not data.name:
        errors["name"] = _("Vui lòng nhập tên dịch vụ.")
    elif len(data.name) > 160:
        errors["name"] = _("Tên dài tối đa 160 ký tự.")
    if not data.short_name:
        errors["short_name"] = _("Vui lòng nhập tên ngắn.")
    elif len(data.short_name) > 40:
        errors["short_name"] = _("Tên ngắn dài tối đa 40 ký tự.")
    if data.eligibility not in Eligibility.ALL_CHOICES:
        errors["eligibility"] = _("Vui lòng chọn đối tượng được tính.")
    if not isinstance(data.points, int) or isinstance(data.points, bool) or not 0 <= data.points <= 100:
        errors["points"] = _("Điểm là số nguyên từ 0 đến 100.")
    if errors:
        raise RuleError(errors)


def is_used(service: Service) -> bool:
    return db.session.scalar(select(Assistance.id).where(Assistance.service_id == service.id).limit(1)) is not None


def households_over_cap(service: Service, eligibility: str) -> int:
    """Households that already counted more for this service than `eligibility` would allow."""
    cap = eligible_sql(eligibility)
    if cap is None:
        return 0
    over = (live_visits(Household.id).join(Assistance, Assistance.visit_id == Visit.id)
            .where(Assistance.service_id == service.id)
            .group_by(Household.id).having(func.sum(Assistance.count) > cap))
    return db.session.scalar(select(func.count()).select_from(over.subquery())) or 0


def create_service(actor: User, data: ServiceData) -> Service:
    errors = {}
    data.code = (data.code or "").strip().lower()
    if not CODE_RE.match(data.code):
        errors["code"] = _("Mã gồm 2–30 chữ thường không dấu, số hoặc dấu gạch dưới, bắt đầu bằng chữ, ví dụ hue_s.")
    elif db.session.scalar(select(Service.id).where(Service.code == data.code)) is not None:
        errors["code"] = _("Mã %(code)s đã có trong danh mục.", code=data.code)
    try:
        _validate(data)
    except RuleError as err:
        errors.update(err.errors)
    if errors:
        raise RuleError(errors)
    last = db.session.scalar(select(func.max(Service.sort_order))) or 0
    service = Service(code=data.code, name=data.name, short_name=data.short_name,
                      unit=UNITS.get(data.eligibility, "people"), eligibility=data.eligibility,
                      points=data.points, active=True, sort_order=last + 10)
    db.session.add(service)
    db.session.flush()
    audit.record(actor, "create", service, after=audit.snapshot(service, FIELDS))
    return service


def update_service(actor: User, service: Service, data: ServiceData) -> Service:
    _validate(data)
    if data.eligibility != service.eligibility:
        over = households_over_cap(service, data.eligibility)
        if over:
            raise RuleError({"eligibility": _(
                "Không thể đổi đối tượng: %(n)d hộ đã ghi nhận %(service)s nhiều hơn số người đủ điều kiện mới.",
                n=over, service=service.short_name)})
    before = audit.snapshot(service, FIELDS)
    service.name, service.short_name = data.name, data.short_name
    service.eligibility, service.unit = data.eligibility, UNITS.get(data.eligibility, "people")
    service.points = data.points
    after = audit.snapshot(service, FIELDS)
    if after != before:
        audit.record(actor, "update", service, before=before, after=after)
    return service


def move_service(actor: User, service: Service, direction: int) -> None:
    """Swap with the neighbour above (-1) or below (+1) in the visit form."""
    ordered = list(db.session.scalars(select(Service).order_by(Service.sort_order, Service.id)))
    i = ordered.index(service)
    j = i + (1 if direction > 0 else -1)
    if not 0 <= j < len(ordered):
        return
    before = [s.code for s in ordered]
    ordered[i], ordered[j] = ordered[j], ordered[i]
    for n, s in enumerate(ordered):
        s.sort_order = (n + 1) * 10
    audit.record(actor, "reorder", service, before={"order": before}, after={"order": [s.code for s in ordered]})


def remove_service(actor: User, service: Service) -> str:
    """A service some visit counted is archived (history and reports keep it); an unused one is deleted."""
    before = audit.snapshot(service, FIELDS)
    if is_used(service):
        if not service.active:
            raise RuleError(_("%(service)s đã được lưu trữ trước đó.", service=service.short_name))
        service.active = False
        audit.record(actor, "archive", service, before=before, after=audit.snapshot(service, FIELDS))
        return "archived"
    audit.record(actor, "delete", service, before=before)
    db.session.delete(service)
    return "deleted"


def restore_service(actor: User, service: Service) -> Service:
    if service.active:
        raise RuleError(_("%(service)s đang được dùng.", service=service.short_name))
    service.active = True
    audit.record(actor, "restore", service, before={"active": False}, after={"active": True})
    return service
