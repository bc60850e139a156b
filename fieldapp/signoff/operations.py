"""The sign-off of a village's month or quarter: its team leader confirms the figures, the commune officer
approves them or returns them with a reason. An approved period is kept as approved, with the figures it
was approved on (the snapshot): a later correction of one of its visits never undoes it; it is marked late
(visit_late, after the approval) and shown to the approver, and it is counted in the report's late line.
Every step is audited; an approval is sent to the province's systems ("period.approved" webhook)."""
from flask_babel import gettext as _

from .. import audit
from ..access import can_approve_figures, can_confirm_figures
from ..extensions import db
from ..integrations.webhooks import emit
from ..models import Area, SignOff, SignOffStatus, User
from ..reports.periods import Period
from ..reports.queries import build_report
from ..rules import RuleError
from ..timeutil import utcnow
from .queries import commune_overview, find

MAX_REASON = 500


def figures(village: Area, period: Period) -> dict:
    report = build_report(village, period)
    return report.total.as_dict(report.services)


def _view(s: SignOff) -> dict:
    return {"village_id": s.village_id, "period": s.period, "from": s.starts_on.isoformat(),
            "to": s.ends_on.isoformat(), "status": s.status, "reason": s.reason}


def confirm(actor: User, village: Area, period: Period) -> SignOff:
    if not can_confirm_figures(actor, village):
        raise RuleError(_("Chỉ tổ trưởng của tổ thôn này xác nhận số liệu của thôn."))
    if period.signoff_key is None:
        raise RuleError(_("Chỉ xác nhận số liệu theo tháng hoặc quý."))
    if not period.closed:
        raise RuleError(_("Kỳ %(p)s chưa kết thúc: xác nhận sau ngày %(d)s.", p=period.name(),
                          d=period.end.strftime("%d/%m/%Y")))
    signoff = find(village, period)
    before = _view(signoff) if signoff else None
    if signoff is not None and signoff.status == SignOffStatus.APPROVED:
        raise RuleError(_("Số liệu %(p)s của %(v)s đã được duyệt; không cần xác nhận lại.", p=period.name(),
                          v=village.name))
    if signoff is not None and signoff.status == SignOffStatus.CONFIRMED:
        raise RuleError(_("Số liệu %(p)s đã được xác nhận, đang chờ xã duyệt.", p=period.name()))
    now = utcnow()
    if signoff is None:
        signoff = SignOff(village_id=village.id, commune_id=village.parent_id, period=period.signoff_key,
                          starts_on=period.start, ends_on=period.end)
        db.session.add(signoff)
    signoff.status, signoff.confirmed_by_id, signoff.confirmed_at = SignOffStatus.CONFIRMED, actor.id, now
    signoff.snapshot = figures(village, period)
    db.session.flush()
    audit.record(actor, "signoff_confirm", signoff, entity_type="sign_off", area_path=village.path, before=before,
                 after=_view(signoff))
    return signoff


def _pending(actor: User, signoff: SignOff) -> None:
    if not can_approve_figures(actor, signoff.village):
        raise RuleError(_("Chỉ cán bộ xã duyệt hoặc trả lại số liệu của thôn."))
    if signoff.status == SignOffStatus.APPROVED:
        raise RuleError(_("Số liệu này đã được duyệt và được giữ như lúc duyệt."))
    if signoff.status != SignOffStatus.CONFIRMED:
        raise RuleError(_("Tổ trưởng chưa xác nhận lại số liệu sau khi bị trả lại."))


def approve(actor: User, signoff: SignOff) -> SignOff:
    _pending(actor, signoff)
    village = signoff.village
    period = Period("month" if signoff.period == "m" else "quarter", signoff.starts_on, signoff.ends_on)
    before = _view(signoff)
    signoff.status, signoff.decided_by_id, signoff.decided_at = SignOffStatus.APPROVED, actor.id, utcnow()
    signoff.reason = None
    signoff.snapshot = figures(village, period)
    db.session.flush()
    assert village.parent is not None  # a village always lies in a commune
    audit.record(actor, "signoff_approve", signoff, entity_type="sign_off", area_path=village.path, before=before,
                 after=_view(signoff))
    payload = {"scope": "village", "period": signoff.period, "from": signoff.starts_on.isoformat(),
               "to": signoff.ends_on.isoformat(), "approved_at": signoff.decided_at.isoformat() + "Z",
               "village": {"id": village.id, "name": village.name},
               "commune": {"id": village.parent_id, "name": village.parent.name}, "figures": signoff.snapshot}
    emit("period.approved", village, payload)
    commune = village.parent
    states = commune_overview(commune, period)
    if states and all(s.status == SignOffStatus.APPROVED for s in states):
        report = build_report(commune, period)
        emit("period.approved", commune, {**payload, "scope": "commune", "village": None,
                                          "figures": report.total.as_dict(report.services)})
    return signoff


def return_for_correction(actor: User, signoff: SignOff, reason: str) -> SignOff:
    _pending(actor, signoff)
    reason = " ".join((reason or "").split())
    if not reason:
        raise RuleError({"reason": _("Hãy ghi lý do trả lại để tổ trưởng biết cần sửa gì.")})
    if len(reason) > MAX_REASON:
        raise RuleError({"reason": _("Lý do dài tối đa %(n)d ký tự.", n=MAX_REASON)})
    before = _view(signoff)
    signoff.status, signoff.decided_by_id, signoff.decided_at = SignOffStatus.RETURNED, actor.id, utcnow()
    signoff.reason = reason
    audit.record(actor, "signoff_return", signoff, entity_type="sign_off", area_path=signoff.village.path,
                 before=before, after=_view(signoff))
    return signoff
