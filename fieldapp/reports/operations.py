"""Writes about reports: the officer's draft of a document, the commune's own activities, a province's issuing
body. Each checks its rules, writes, and records the audit entry; the route commits."""
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit
from ..counting import today
from ..extensions import db
from ..models import (
    ActivityKind,
    Area,
    AreaLevel,
    CommuneActivity,
    DocumentKind,
    IssuerSetting,
    ReportDraft,
    User,
)
from ..rules import RuleError
from ..timeutil import BadDate, parse_day, utcnow
from .periods import Period

SHORT, LONG = 300, 8000
SIGNER_ROLES = ("head", "deputy")
# What each document's draft holds; the narrative (LONG) fields are offered from the last period's draft.
FIELDS = {
    DocumentKind.REPORT: {"number": 20, "doc_date": 10, "recipients": SHORT * 2, "reference": SHORT * 2,
                          "copies": SHORT * 2, "signer_role": 10, "signer_name": 120, "highlights": LONG,
                          "strengths": LONG, "weaknesses": LONG, "causes": LONG, "proposals": LONG},
    DocumentKind.COMMENDATION: {"number": 20, "doc_date": 10, "recipients": SHORT * 2, "bases": SHORT * 4,
                                "copies": SHORT * 2, "signer_role": 10, "signer_name": 120, "teams_n": 3,
                                "members_n": 3},
}
CARRIED = ("recipients", "copies", "signer_role", "signer_name", "bases", "teams_n", "members_n",
           "highlights", "strengths", "weaknesses", "causes", "proposals")


def find_draft(area: Area, kind: str, period: Period) -> ReportDraft | None:
    return db.session.scalar(select(ReportDraft).where(
        ReportDraft.area_id == area.id, ReportDraft.kind == kind, ReportDraft.starts_on == period.start,
        ReportDraft.ends_on == period.end))


def draft_fields(area: Area, kind: str, period: Period) -> tuple[dict, Period | None]:
    """The draft of this period, or one started from the last period's (its narrative, recipients, signer),
    with the period it came from (None: saved for this period, or nothing to start from)."""
    saved = find_draft(area, kind, period)
    if saved is not None:
        return dict(saved.fields), None
    before: Period | None
    before = period.previous()
    earlier = find_draft(area, kind, before)
    if earlier is None:  # a custom range: the latest draft of the same kind that ended before this one
        earlier = db.session.scalar(select(ReportDraft).where(
            ReportDraft.area_id == area.id, ReportDraft.kind == kind, ReportDraft.ends_on < period.start)
            .order_by(ReportDraft.ends_on.desc()).limit(1))
        before = Period("custom", earlier.starts_on, earlier.ends_on) if earlier else None
    if earlier is None:
        return {}, None
    return {k: v for k, v in earlier.fields.items() if k in CARRIED}, before


def _clean(kind: str, raw: dict) -> dict:
    errors, out = {}, {}
    for name, most in FIELDS[kind].items():
        value = raw.get(name)
        value = "" if value is None else str(value).replace("\r\n", "\n").strip()
        if len(value) > most:
            errors[name] = _("Nội dung dài tối đa %(n)d ký tự.", n=most)
        out[name] = value
    if out.get("doc_date"):
        try:
            parse_day(out["doc_date"])
        except BadDate as err:
            errors["doc_date"] = str(err)
    if out.get("signer_role") and out["signer_role"] not in SIGNER_ROLES:
        errors["signer_role"] = _("Vui lòng chọn người ký.")
    for name in ("teams_n", "members_n"):
        if name in out and out[name]:
            if not out[name].isdigit() or not 1 <= int(out[name]) <= 50:
                errors[name] = _("Nhập một số từ 1 đến 50.")
    if errors:
        raise RuleError(errors)
    return out


def save_draft(actor: User, area: Area, kind: str, period: Period, raw: dict) -> ReportDraft:
    if kind not in DocumentKind.ALL:
        raise RuleError(_("Loại văn bản không hợp lệ."))
    fields = _clean(kind, raw)
    draft = find_draft(area, kind, period)
    before = dict(draft.fields) if draft else None
    if draft is None:
        draft = ReportDraft(area_id=area.id, kind=kind, starts_on=period.start, ends_on=period.end, fields=fields)
        db.session.add(draft)
    else:
        draft.fields = fields
    draft.updated_by_id, draft.updated_at = actor.id, utcnow()
    db.session.flush()
    if fields != before:
        audit.record(actor, "draft_save", draft, entity_type="report_draft", area_path=area.path, before=before,
                     after={"kind": kind, "from": period.start.isoformat(), "to": period.end.isoformat(), **fields})
    return draft


# --- Commune activities --------------------------------------------------------------------------

MAX_QUANTITY = 1_000_000
MAX_ATTENDEES = 100_000


@dataclass
class ActivityData:
    kind: str
    held_on: date | None
    title: str | None
    quantity: int | None
    attendees: int | None = 0


def _check_activity(data: ActivityData) -> None:
    errors = {}
    if data.kind not in ActivityKind.ALL:
        errors["kind"] = _("Vui lòng chọn loại hoạt động.")
    if data.held_on is None:
        errors["held_on"] = _("Vui lòng nhập ngày.")
    elif data.held_on > today():
        errors["held_on"] = _("Ngày không được ở tương lai.")
    elif data.held_on < date(2020, 1, 1):
        errors["held_on"] = _("Ngày không hợp lệ (từ năm 2020 trở đi).")
    data.title = " ".join((data.title or "").split())
    if not data.title:
        errors["title"] = _("Vui lòng nhập nội dung.")
    elif len(data.title) > 200:
        errors["title"] = _("Nội dung dài tối đa 200 ký tự.")
    if not isinstance(data.quantity, int) or not 1 <= data.quantity <= MAX_QUANTITY:
        errors["quantity"] = _("Số lượng là số từ 1 đến %(n)s.", n=f"{MAX_QUANTITY:,}".replace(",", "."))
    if data.attendees is None:
        data.attendees = 0
    if not isinstance(data.attendees, int) or not 0 <= data.attendees <= MAX_ATTENDEES:
        errors["attendees"] = _("Số người tham dự là số từ 0 đến %(n)s.", n=f"{MAX_ATTENDEES:,}".replace(",", "."))
    if data.kind == ActivityKind.MEMBER_TRAINING and not errors.get("attendees") and not data.attendees:
        errors["attendees"] = _("Một lớp tập huấn cần số thành viên tham dự.")
    if errors:
        raise RuleError(errors)


def _activity_view(a: CommuneActivity) -> dict:
    return {"kind": a.kind, "held_on": a.held_on.isoformat(), "title": a.title, "quantity": a.quantity,
            "attendees": a.attendees}


def create_activity(actor: User, commune: Area, data: ActivityData) -> CommuneActivity:
    _check_activity(data)
    activity = CommuneActivity(commune_id=commune.id, kind=data.kind, held_on=data.held_on, title=data.title,
                               quantity=data.quantity, attendees=data.attendees, created_by_id=actor.id)
    db.session.add(activity)
    db.session.flush()
    audit.record(actor, "create", activity, entity_type="commune_activity", area_path=commune.path,
                 after=_activity_view(activity))
    return activity


def update_activity(actor: User, activity: CommuneActivity, data: ActivityData) -> CommuneActivity:
    _check_activity(data)
    assert data.held_on is not None and data.title is not None and data.quantity is not None  # refused above
    assert data.attendees is not None
    before = _activity_view(activity)
    activity.kind, activity.held_on, activity.title = data.kind, data.held_on, data.title
    activity.quantity, activity.attendees = data.quantity, data.attendees
    after = _activity_view(activity)
    if after != before:
        activity.updated_at = utcnow()
        audit.record(actor, "update", activity, entity_type="commune_activity", area_path=activity.commune.path,
                     before=before, after=after)
    return activity


def delete_activity(actor: User, activity: CommuneActivity) -> CommuneActivity:
    if activity.deleted_at is not None:
        raise RuleError(_("Hoạt động này đã bị xóa."))
    activity.deleted_at, activity.deleted_by_id = utcnow(), actor.id
    audit.record(actor, "delete", activity, entity_type="commune_activity", area_path=activity.commune.path,
                 before=_activity_view(activity))
    return activity


# --- A province's issuing body -------------------------------------------------------------------

def save_issuer(actor: User, province: Area, body: str, abbreviation: str, head_title: str,
                parent: str | None = None) -> IssuerSetting:
    if province.level != AreaLevel.PROVINCE:
        raise RuleError(_("Chỉ tỉnh, thành phố có cài đặt cơ quan ban hành."))
    body, abbreviation = " ".join((body or "").split()), "".join((abbreviation or "").split()).upper()
    head_title, parent = " ".join((head_title or "").split()).upper(), " ".join((parent or "").split()).upper() or None
    errors = {}
    if not body or len(body) > 160:
        errors["body"] = _("Nhập tên cơ quan ban hành (tối đa 160 ký tự), ví dụ Sở Khoa học và Công nghệ.")
    if not abbreviation or len(abbreviation) > 20 or not abbreviation.replace("-", "").isalnum():
        errors["abbreviation"] = _("Nhập chữ viết tắt (tối đa 20 chữ, số), ví dụ SKHCN.")
    if not head_title or len(head_title) > 60:
        errors["head_title"] = _("Nhập chức danh người đứng đầu, ví dụ GIÁM ĐỐC.")
    if parent and len(parent) > 160:
        errors["parent"] = _("Cơ quan chủ quản dài tối đa 160 ký tự.")
    if errors:
        raise RuleError(errors)
    setting = db.session.get(IssuerSetting, province.id)
    before = None if setting is None else {"body": setting.body, "abbreviation": setting.abbreviation,
                                           "head_title": setting.head_title, "parent": setting.parent}
    if setting is None:
        setting = IssuerSetting(area_id=province.id)
        db.session.add(setting)
    setting.body, setting.abbreviation, setting.head_title, setting.parent = body, abbreviation, head_title, parent
    setting.updated_by_id, setting.updated_at = actor.id, utcnow()
    audit.record(actor, "settings", province, entity_type="issuer_setting", area_path=province.path, before=before,
                 after={"body": body, "abbreviation": abbreviation, "head_title": head_title, "parent": parent})
    return setting
