"""Writes about campaigns: create one, set village targets, freeze the results. All audited."""
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit
from ..access import can_run_campaign, can_set_targets
from ..counting import today
from ..extensions import db
from ..integrations.webhooks import emit
from ..leaderboards.queries import board
from ..models import Area, AreaLevel, Campaign, CampaignService, CampaignTarget, Service, User
from ..rules import RuleError
from ..timeutil import utcnow

MAX_POINTS = 100
MAX_DAYS = 366
MAX_TARGET = 1_000_000
SNAPSHOT_MEMBERS = 200


@dataclass
class CampaignData:
    name: str
    starts_on: date | None
    ends_on: date | None
    points: dict[int, int] = field(default_factory=dict)  # service id -> points (0: not counted)


def _validate(data: CampaignData, services: dict[int, Service]) -> None:
    errors = {}
    data.name = (data.name or "").strip()
    if not data.name:
        errors["name"] = _("Vui lòng nhập tên đợt thi đua.")
    elif len(data.name) > 160:
        errors["name"] = _("Tên dài tối đa 160 ký tự.")
    if data.starts_on is None:
        errors["starts_on"] = _("Vui lòng nhập ngày bắt đầu.")
    if data.ends_on is None:
        errors["ends_on"] = _("Vui lòng nhập ngày kết thúc.")
    elif data.starts_on and data.ends_on < data.starts_on:
        errors["ends_on"] = _("Ngày kết thúc phải sau ngày bắt đầu.")
    elif data.starts_on and (data.ends_on - data.starts_on).days >= MAX_DAYS:
        errors["ends_on"] = _("Một đợt thi đua dài tối đa %(n)d ngày.", n=MAX_DAYS)
    for sid, points in data.points.items():
        if sid not in services:
            errors[""] = _("Dịch vụ không có trong danh mục.")
        elif not isinstance(points, int) or not 0 <= points <= MAX_POINTS:
            errors[f"pts_{services[sid].code}"] = _("Điểm là số từ 0 đến %(n)d.", n=MAX_POINTS)
    if not errors and not any(data.points.values()):
        errors[""] = _("Hãy chọn ít nhất một dịch vụ được tính điểm (điểm lớn hơn 0).")
    if errors:
        raise RuleError(errors)


def create_campaign(actor: User, area: Area, data: CampaignData) -> Campaign:
    if not can_run_campaign(actor, area):
        raise RuleError(_("Bạn không thể tạo đợt thi đua cho địa bàn này."))
    services = {s.id: s for s in db.session.scalars(select(Service))}
    _validate(data, services)
    campaign = Campaign(name=data.name, area_id=area.id, starts_on=data.starts_on, ends_on=data.ends_on,
                        created_by_id=actor.id)
    campaign.area = area
    campaign.services = [CampaignService(service_id=sid, points=p) for sid, p in sorted(data.points.items()) if p]
    db.session.add(campaign)
    db.session.flush()
    audit.record(actor, "create", campaign, area_path=area.path, after={
        "name": campaign.name, "starts_on": campaign.starts_on.isoformat(), "ends_on": campaign.ends_on.isoformat(),
        "points": {services[cs.service_id].code: cs.points for cs in campaign.services}})
    return campaign


def set_targets(actor: User, campaign: Campaign, commune: Area, values: dict[tuple[int, int], int | None]) -> int:
    """values: {(village_id, service_id): target or None (back to the eligible residents)}."""
    if not can_set_targets(actor, campaign, commune):
        raise RuleError(_("Bạn không thể đặt chỉ tiêu cho đợt thi đua này."))
    villages = set(db.session.scalars(select(Area.id).where(Area.parent_id == commune.id)))
    counted = {cs.service_id for cs in campaign.services}
    errors = {}
    for (vid, sid), target in values.items():
        if vid not in villages or sid not in counted:
            errors[""] = _("Thôn hoặc dịch vụ không thuộc đợt thi đua này.")
        elif target is not None and (not isinstance(target, int) or not 0 < target <= MAX_TARGET):
            errors[f"t_{vid}_{sid}"] = _("Chỉ tiêu là số nguyên dương (hoặc để trống).")
    if errors:
        raise RuleError(errors)
    existing = {(t.village_id, t.service_id): t for t in db.session.scalars(
        select(CampaignTarget).where(CampaignTarget.campaign_id == campaign.id,
                                     CampaignTarget.village_id.in_(villages)))}
    before = {f"{k[0]}:{k[1]}": t.target for k, t in existing.items()}
    for key, target in values.items():
        row = existing.get(key)
        if target is None and row is not None:
            db.session.delete(row)
        elif target is not None and row is None:
            db.session.add(CampaignTarget(campaign_id=campaign.id, village_id=key[0], service_id=key[1], target=target))
        elif target is not None and row is not None:
            row.target = target
    after = {f"{k[0]}:{k[1]}": v for k, v in values.items() if v is not None}
    after = {**{k: v for k, v in before.items() if tuple(map(int, k.split(":"))) not in values}, **after}
    if after != before:
        audit.record(actor, "set_targets", campaign, area_path=commune.path, before=before, after=after)
    db.session.flush()
    return len(after)


def snapshot_of(campaign: Campaign) -> dict:
    """The campaign's results as they stand: every team, the top members, and communes for a province."""
    area = campaign.area
    start, end = campaign.starts_on, campaign.ends_on
    snap: dict[str, Any] = {"teams": [r.as_dict() for r in board("teams", area, start, end, campaign)],
            "members": [r.as_dict() for r in board("members", area, start, end, campaign, limit=SNAPSHOT_MEMBERS)],
            "communes": [], "services": {}}
    if area.level == AreaLevel.PROVINCE:
        snap["communes"] = [r.as_dict() for r in board("communes", area, start, end, campaign)]
    services = {s.id: s for s in db.session.scalars(select(Service))}
    snap["services"] = {services[cs.service_id].code: {"name": services[cs.service_id].short_name, "points": cs.points}
                        for cs in campaign.services}
    return snap


def freeze_campaign(actor: User | None, campaign: Campaign) -> Campaign:
    """Freeze the results of an ended campaign; later edits of visits no longer change them."""
    if actor is not None and not can_run_campaign(actor, campaign.area):
        raise RuleError(_("Chỉ đơn vị tổ chức đợt thi đua mới chốt được kết quả."))
    if campaign.frozen_at is not None:
        raise RuleError(_("Kết quả đợt thi đua này đã được chốt."))
    if campaign.ends_on >= today():
        raise RuleError(_("Đợt thi đua chưa kết thúc (kết thúc ngày %(d)s).", d=campaign.ends_on.strftime("%d/%m/%Y")))
    campaign.snapshot = snapshot_of(campaign)
    campaign.frozen_at = utcnow()
    audit.record(actor, "freeze", campaign, area_path=campaign.area.path,
                 after={"teams": len(campaign.snapshot["teams"]), "members": len(campaign.snapshot["members"])})
    emit("campaign.frozen", campaign.area, {"campaign": {
        "id": campaign.id, "name": campaign.name, "starts_on": campaign.starts_on.isoformat(),
        "ends_on": campaign.ends_on.isoformat(), "frozen_at": campaign.frozen_at.isoformat() + "Z"},
        "leaderboard": f"/api/v1/leaderboard?area_id={campaign.area_id}&campaign_id={campaign.id}"})
    return campaign


def reopen_campaign(actor: User, campaign: Campaign) -> Campaign:
    """Undo a freeze: the boards are live again (late paper visits count) until it is frozen again."""
    if not can_run_campaign(actor, campaign.area):
        raise RuleError(_("Chỉ đơn vị tổ chức đợt thi đua mới mở lại được kết quả."))
    if campaign.frozen_at is None:
        raise RuleError(_("Kết quả đợt thi đua này chưa được chốt."))
    before = {"frozen_at": campaign.frozen_at.isoformat(), "teams": len((campaign.snapshot or {}).get("teams", []))}
    campaign.frozen_at = None
    campaign.snapshot = None
    campaign.reopened_at = utcnow()
    audit.record(actor, "reopen", campaign, area_path=campaign.area.path, before=before)
    return campaign


def freeze_ended(now_day: date | None = None) -> int:
    """For the CLI: freeze every ended campaign not yet frozen (a reopened one waits for its organiser)."""
    d = now_day or today()
    n = 0
    for c in db.session.scalars(select(Campaign).where(Campaign.frozen_at.is_(None), Campaign.reopened_at.is_(None),
                                                       Campaign.ends_on < d)):
        freeze_campaign(None, c)
        n += 1
    return n


__all__ = ["CampaignData", "create_campaign", "set_targets",
           "freeze_campaign", "reopen_campaign", "freeze_ended", "snapshot_of"]
