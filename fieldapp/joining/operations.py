"""Writes for joining a team: the join link, a sign-up through it, the leader's decision. Each checks its rules,
writes, and records the audit entry."""
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from .. import audit, throttle
from ..badges.operations import issue_badge
from ..counting import day_bounds
from ..extensions import db
from ..forms import PHONE_RE, normalize_phone
from ..history import join_team
from ..models import JoinRequest, JoinStatus, Role, Team, TeamInvite, User
from ..passwords import hash_password, password_problem
from ..qrcodes import new_token
from ..rules import RuleError
from ..timeutil import to_local
from .queries import live_invite, pending_count, pending_request_for_phone, phone_taken


def _team_path(team: Team) -> str:
    return team.village.path


# --- Team join link -------------------------------------------------------------------------

def end_of_local_day(day: date) -> datetime:
    """A link "valid until 30/11" works the whole of 30/11, Vietnam time."""
    return day_bounds(day, day)[1]


def expiry_day(invite: TeamInvite) -> date | None:
    """The last local day the link works, as the leader typed it."""
    if invite.expires_at is None:
        return None
    return (to_local(invite.expires_at) - timedelta(seconds=1)).date()


def rotate_invite(actor: User, team: Team, now: datetime, *, auto_approve: bool | None = None,
                  expires_at: datetime | None = None) -> TeamInvite:
    """A new join link; the old one (if any) stops working at once. Settings carry over unless given."""
    old = live_invite(team.id)
    if old is not None:
        old.revoked_at = now
        db.session.flush()  # the one-live-link index must see the old link revoked first
    if expires_at is None and old is not None and old.expires_at is not None and old.expires_at > now:
        expires_at = old.expires_at  # a date already passed is not carried over: the new link must work
    if auto_approve is None:
        auto_approve = bool(old and old.auto_approve)
    invite = TeamInvite(team_id=team.id, token=new_token(), created_by_id=actor.id, created_at=now,
                        auto_approve=auto_approve, expires_at=expires_at)
    invite.team = team
    db.session.add(invite)
    try:
        db.session.flush()
    except IntegrityError:
        raise RuleError(_("Mã QR vừa được tạo ở một máy khác. Hãy tải lại trang.")) from None
    audit.record(actor, "invite_rotate" if old else "invite_create", invite, area_path=_team_path(team),
                 before={"invite_id": old.id} if old else None,
                 after=audit.snapshot(invite, ("team_id", "auto_approve", "expires_at")))
    return invite


def update_invite(actor: User, invite: TeamInvite, *, auto_approve: bool, expires_on: date | None,
                  now: datetime) -> TeamInvite:
    if invite.revoked_at is not None:
        raise RuleError(_("Mã QR này đã được thay. Hãy tải lại trang."))
    expires_at = end_of_local_day(expires_on) if expires_on else None
    if expires_at is not None and expires_at <= now:
        raise RuleError({"expires_on": _("Ngày hết hạn phải từ hôm nay trở đi.")})
    fields = ("auto_approve", "expires_at")
    before = audit.snapshot(invite, fields)
    invite.auto_approve, invite.expires_at = auto_approve, expires_at
    after = audit.snapshot(invite, fields)
    if after != before:
        audit.record(actor, "invite_update", invite, area_path=_team_path(invite.team),
                     before=before, after=after)
    return invite


def _check_new_member(name: str, phone: str, password: str) -> tuple[str, str]:
    """The form's rules only. Whether the phone has an account is not said here (issue 17.7): the
    public form would tell anyone which numbers are registered."""
    errors = {}
    name = " ".join((name or "").split())
    phone = normalize_phone(phone)
    if len(name) < 2:
        errors["name"] = _("Vui lòng nhập họ và tên.")
    elif len(name) > 120:
        errors["name"] = _("Tên dài tối đa 120 ký tự.")
    if not PHONE_RE.match(phone):
        errors["phone"] = _("Số điện thoại gồm 10 chữ số và bắt đầu bằng 0, ví dụ 0912345678.")
    problem = password_problem(password or "", phone=phone)
    if problem:
        errors["password"] = problem
    if errors:
        raise RuleError(errors)
    return name, phone


def _join_keys(invite: TeamInvite, client: str | None) -> list[tuple[str, str]]:
    keys = [("link", throttle.event_key("join-link", invite.id))]
    if client:
        keys.append(("client", throttle.event_key("join-ip", client)))
    return keys


def join_limit_problem(invite: TeamInvite, client: str | None, now: datetime) -> tuple[str, int] | None:
    """(message, seconds to wait) when this sign-up must wait (issue 17.8), else None: per client and
    per join link in the window, and a cap on the team's pending requests (the leader decides first)."""
    cfg = current_app.config
    window = timedelta(minutes=cfg["JOIN_WINDOW_MINUTES"])
    limits = {"link": cfg["JOIN_MAX_PER_LINK"], "client": cfg["JOIN_MAX_PER_CLIENT"]}
    for kind, key in _join_keys(invite, client):
        if throttle.count_events(key, now - window) >= limits[kind]:
            minutes = cfg["JOIN_WINDOW_MINUTES"]
            if kind == "client":
                return _("Đã có quá nhiều đăng ký từ máy hoặc mạng này. Vui lòng thử lại sau khoảng %(n)d phút, "
                         "hoặc nhờ tổ trưởng thêm bạn vào tổ.", n=minutes), minutes * 60
            return _("Mã QR này vừa nhận quá nhiều đăng ký. Vui lòng thử lại sau khoảng %(n)d phút, hoặc nhờ "
                     "tổ trưởng thêm bạn vào tổ.", n=minutes), minutes * 60
    if not invite.auto_approve and pending_count(invite.team_id) >= cfg["JOIN_MAX_PENDING_PER_TEAM"]:
        return _("%(team)s đang có nhiều yêu cầu chờ duyệt. Hãy nhờ tổ trưởng duyệt các yêu cầu đó rồi đăng ký "
                 "lại.", team=invite.team.name), 3600
    return None


def submit_join_request(invite: TeamInvite, *, name: str, phone: str, password: str,
                        now: datetime, client: str | None = None) -> JoinRequest | None:
    """A sign-up from the poster: pending, or approved at once when the link says so.

    A phone that already has an account or a pending request stores nothing (None) and is answered
    exactly as a new one, at the same cost (the password is hashed either way): the public form does
    not confirm which numbers are registered. Counted for the limits (join_limit_problem) either way.
    """
    problem = invite.problem(now)
    if problem is not None:
        raise RuleError(invite_problem_message(invite, problem))
    name, phone = _check_new_member(name, phone, password)
    password_hash = hash_password(password)
    for _kind, key in _join_keys(invite, client):
        throttle.record_event(key, now)
    if phone_taken(phone) or pending_request_for_phone(phone) is not None:
        return None
    join = JoinRequest(invite_id=invite.id, team_id=invite.team_id, name=name, phone=phone,
                       password_hash=password_hash, created_at=now)
    join.team = invite.team
    db.session.add(join)
    db.session.flush()
    audit.record(None, "join_request", join, area_path=_team_path(invite.team),
                 after={"team_id": invite.team_id, "name": name, "phone": phone})
    if invite.auto_approve:
        _approve(None, join, now)
    return join


def approve_join_request(actor: User, join: JoinRequest, now: datetime) -> User:
    if join.status != JoinStatus.PENDING:
        raise RuleError(_("Yêu cầu này đã được xử lý."))
    return _approve(actor, join, now)


def _approve(actor: User | None, join: JoinRequest, now: datetime) -> User:
    member = User(phone=join.phone, name=join.name, password_hash=join.password_hash,
                  role=Role.MEMBER, team_id=join.team_id, active=True, created_at=now)
    db.session.add(member)
    try:  # the unique phone, not the earlier read, stops a duplicate; the caller rolls back
        db.session.flush()
    except IntegrityError:
        raise RuleError(_("Số điện thoại %(phone)s đã có tài khoản.", phone=join.phone)) from None
    join.status, join.decided_at = JoinStatus.APPROVED, now
    join.decided_by_id = actor.id if actor else None
    join.user_id = member.id
    join.password_hash = ""  # now kept on the user only
    join_team(member)
    audit.record(actor, "join_approve" if actor else "join_auto_approve", join,
                 area_path=_team_path(join.team), after={"user_id": member.id})
    issue_badge(actor, member, now)
    return member


def refuse_join_request(actor: User, join: JoinRequest, now: datetime) -> JoinRequest:
    if join.status != JoinStatus.PENDING:
        raise RuleError(_("Yêu cầu này đã được xử lý."))
    join.status, join.decided_at, join.decided_by_id = JoinStatus.REFUSED, now, actor.id
    join.password_hash = ""  # nothing of a refused person's secret is kept
    audit.record(actor, "join_refuse", join, area_path=_team_path(join.team),
                 after={"status": join.status})
    return join


def invite_problem_message(invite: TeamInvite, problem: str) -> str:
    if problem == "revoked":
        return _("Mã QR này đã được tổ trưởng thay bằng mã mới và không còn dùng được. Hãy xin tổ trưởng mã QR mới.")
    if problem == "expired":
        day = expiry_day(invite)
        assert day is not None  # only a link with an end expires
        return _("Mã QR này đã hết hạn từ ngày %(day)s. Hãy xin tổ trưởng mã QR mới.",
                 day=day.strftime("%d/%m/%Y"))
    return _("Tổ này hiện không nhận thành viên mới.")


# --- Badges and members ----------------------------------------------------------------------
