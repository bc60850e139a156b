"""Writes about commune notices: post, archive, restore (audited), and "đã xem" (once per member)."""
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _

from .. import audit
from ..access import can_post_notice, can_read_notice
from ..counting import today
from ..extensions import db
from ..models import Area, Campaign, Notice, NoticeSeen, User
from ..rules import RuleError
from ..timeutil import utcnow
from .queries import campaigns_for

MAX_TITLE = 120
MAX_BODY = 1000
MAX_DAYS = 366
DEFAULT_DAYS = 14
FIELDS = ("commune_id", "campaign_id", "title", "body", "expires_on", "archived_at")


@dataclass
class NoticeData:
    title: str | None
    body: str | None = None
    expires_on: date | None = None  # None: default_expiry()
    campaign_id: int | None = None  # None: every team of the commune


def default_expiry(campaign: Campaign | None = None) -> date:
    """Two weeks; a campaign's notice, until the campaign ends (but not already over)."""
    if campaign is not None and campaign.ends_on >= today():
        return min(campaign.ends_on, today() + timedelta(days=MAX_DAYS))
    return today() + timedelta(days=DEFAULT_DAYS)


def _validate(commune: Area, data: NoticeData) -> Campaign | None:
    errors = {}
    data.title = " ".join((data.title or "").split())
    # Line breaks are kept (a list of steps, a time and a place); blanks at the ends are not.
    data.body = "\n".join(line.rstrip() for line in (data.body or "").strip().splitlines())
    if not data.title:
        errors["title"] = _("Vui lòng nhập tiêu đề thông báo.")
    elif len(data.title) > MAX_TITLE:
        errors["title"] = _("Tiêu đề dài tối đa %(n)d ký tự.", n=MAX_TITLE)
    if len(data.body) > MAX_BODY:
        errors["body"] = _("Nội dung dài tối đa %(n)d ký tự.", n=MAX_BODY)
    campaign = None
    if data.campaign_id is not None:
        campaign = next((c for c in campaigns_for(commune) if c.id == data.campaign_id), None)
        if campaign is None:
            errors["audience"] = _("Đợt thi đua này không có trong xã, hoặc đã kết thúc quá lâu.")
    if data.expires_on is None:
        data.expires_on = default_expiry(campaign)
    elif data.expires_on < today():
        errors["expires_on"] = _("Ngày hết hạn không được ở quá khứ.")
    elif data.expires_on > today() + timedelta(days=MAX_DAYS):
        errors["expires_on"] = _("Thông báo hiện tối đa một năm; hãy chọn ngày gần hơn.")
    if errors:
        raise RuleError(errors)
    return campaign


def _after(notice: Notice) -> dict:
    return audit.snapshot(notice, FIELDS)


def post_notice(actor: User, commune: Area, data: NoticeData) -> Notice:
    if not can_post_notice(actor, commune):
        raise RuleError(_("Chỉ cán bộ xã mới gửi được thông báo cho các tổ trong xã."))
    campaign = _validate(commune, data)
    notice = Notice(commune_id=commune.id, campaign_id=campaign.id if campaign else None, title=data.title,
                    body=data.body, expires_on=data.expires_on, created_by_id=actor.id)
    notice.commune, notice.campaign = commune, campaign
    db.session.add(notice)
    db.session.flush()
    audit.record(actor, "create", notice, area_path=commune.path, entity_type="notice", after=_after(notice))
    return notice


def archive_notice(actor: User, notice: Notice) -> Notice:
    """Off every home screen at once; kept, with its "đã xem" counts, and can be restored."""
    if not can_post_notice(actor, notice.commune):
        raise RuleError(_("Bạn không thể lưu trữ thông báo này."))
    if notice.archived_at is not None:
        raise RuleError(_("Thông báo này đã được lưu trữ."))
    before = _after(notice)
    notice.archived_at, notice.archived_by_id = utcnow(), actor.id
    audit.record(actor, "archive", notice, area_path=notice.commune.path, entity_type="notice",
                 before=before, after=_after(notice))
    return notice


def restore_notice(actor: User, notice: Notice) -> Notice:
    if not can_post_notice(actor, notice.commune):
        raise RuleError(_("Bạn không thể khôi phục thông báo này."))
    if notice.archived_at is None:
        raise RuleError(_("Thông báo này chưa bị lưu trữ."))
    if notice.expires_on < today():
        raise RuleError(_("Thông báo đã hết hạn nên không hiện lại được; hãy gửi thông báo mới."))
    before = _after(notice)
    notice.archived_at, notice.archived_by_id = None, None
    audit.record(actor, "restore", notice, area_path=notice.commune.path, entity_type="notice",
                 before=before, after=_after(notice))
    return notice


def _insert():
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def mark_seen(reader: User, notices: list[Notice]) -> set[int]:
    """Record that the reader has read these notices (those they may read); the ids now counted as read.

    Once per person and notice, whatever the door (the home page, the offline app's queue) and however
    often: the primary key keeps it, and a second tap (or two at once) changes nothing.
    """
    ids = sorted({n.id for n in notices if can_read_notice(reader, n)})
    if ids:
        db.session.execute(_insert()(NoticeSeen).values([{"notice_id": i, "user_id": reader.id, "seen_at": utcnow()}
                                                         for i in ids]).on_conflict_do_nothing())
    return set(ids)

