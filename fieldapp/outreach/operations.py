"""Writes about outreach sessions: record, edit, delete (soft). All audited, all checked."""
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit
from ..access import can_edit_session, can_record_in_village
from ..counting import today
from ..extensions import db
from ..models import Area, OutreachSession, Service, SessionKind, User
from ..rules import RuleError
from ..timeutil import utcnow

MAX_ATTENDEES = 5000
EARLIEST = date(2020, 1, 1)
FIELDS = ("held_on", "kind", "topic", "place", "attendees", "team_id", "village_id")


@dataclass
class SessionData:
    held_on: date | None
    kind: str
    topic: str | None
    place: str | None = None
    attendees: int | None = None
    service_ids: list[int] = field(default_factory=list)


def _validate(data: SessionData) -> list[Service]:
    errors = {}
    if data.held_on is None:
        errors["held_on"] = _("Vui lòng nhập ngày tổ chức.")
    elif data.held_on > today():
        errors["held_on"] = _("Ngày tổ chức không được ở tương lai.")
    elif data.held_on < EARLIEST:
        errors["held_on"] = _("Ngày tổ chức không hợp lệ (từ năm 2020 trở đi).")
    if data.kind not in SessionKind.ALL:
        errors["kind"] = _("Vui lòng chọn hình thức.")
    data.topic = " ".join((data.topic or "").split())
    data.place = " ".join((data.place or "").split()) or None
    if not data.topic:
        errors["topic"] = _("Vui lòng nhập chủ đề.")
    elif len(data.topic) > 200:
        errors["topic"] = _("Chủ đề dài tối đa 200 ký tự.")
    if data.place and len(data.place) > 200:
        errors["place"] = _("Địa điểm dài tối đa 200 ký tự.")
    if data.attendees is None:
        if data.kind == SessionKind.BROADCAST:
            data.attendees = 0
        else:
            errors["attendees"] = _("Vui lòng nhập số người tham dự (từ 0 đến %(n)d).", n=MAX_ATTENDEES)
    elif not isinstance(data.attendees, int) or not 0 <= data.attendees <= MAX_ATTENDEES:
        errors["attendees"] = _("Số người tham dự là số từ 0 đến %(n)d.", n=MAX_ATTENDEES)
    ids = sorted(set(data.service_ids or []))
    services = list(db.session.scalars(select(Service).where(Service.id.in_(ids)))) if ids else []
    if len(services) != len(ids):
        errors["services"] = _("Dịch vụ không có trong danh mục.")
    if errors:
        raise RuleError(errors)
    return services


def _after(session: OutreachSession) -> dict:
    out = audit.snapshot(session, FIELDS)
    out["services"] = sorted(s.code for s in session.services)
    return out


def create_session(actor: User, village: Area, data: SessionData) -> OutreachSession:
    if not can_record_in_village(actor, village):
        raise RuleError(_("Chỉ thành viên tổ của thôn này mới ghi được buổi tuyên truyền."))
    services = _validate(data)
    session = OutreachSession(team_id=actor.team_id, village_id=village.id, held_on=data.held_on, kind=data.kind,
                              topic=data.topic, place=data.place, attendees=data.attendees,
                              created_by_id=actor.id)
    session.village = village
    session.services = services
    db.session.add(session)
    db.session.flush()
    audit.record(actor, "create", session, area_path=village.path, entity_type="outreach_session",
                 after=_after(session))
    return session


def update_session(actor: User, session: OutreachSession, data: SessionData) -> OutreachSession:
    if not can_edit_session(actor, session) or session.deleted_at is not None:
        raise RuleError(_("Bạn không thể sửa buổi này."))
    services = _validate(data)
    assert data.held_on is not None and data.topic is not None and data.attendees is not None  # refused above
    before = _after(session)
    session.held_on, session.kind, session.topic = data.held_on, data.kind, data.topic
    session.place, session.attendees = data.place, data.attendees
    session.services = services
    session.updated_at = utcnow()
    db.session.flush()
    audit.record(actor, "update", session, area_path=session.village.path, entity_type="outreach_session",
                 before=before, after=_after(session))
    return session


def delete_session(actor: User, session: OutreachSession) -> None:
    if not can_edit_session(actor, session) or session.deleted_at is not None:
        raise RuleError(_("Bạn không thể xóa buổi này."))
    session.deleted_at = utcnow()
    session.deleted_by_id = actor.id
    audit.record(actor, "delete", session, area_path=session.village.path, entity_type="outreach_session",
                 before=_after(session))
