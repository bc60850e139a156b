"""Writes about teams and members. Each checks its rules, writes, and records the audit entry.

Rights (who may call what) are checked by the routes with the predicates of queries.py; the rules
here are those of the domain (one commune, active teams, archived villages, phone numbers).
"""
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import audit, history
from ..auth.one_time import retire_sign_in_codes
from ..extensions import db
from ..forms import PHONE_RE, normalize_phone
from ..models import Area, AreaLevel, Role, Team, User
from ..passwords import hash_password, password_problem
from ..rules import RuleError
from ..timeutil import utcnow

REASONS = ("left", "moved", "other")


def _path(user: User) -> str:
    area = user.scope_area
    return area.path if area is not None else ""


def _member_snapshot(user: User) -> dict:
    return {"role": user.role, "team_id": user.team_id, "active": user.active,
            "deactivated_at": user.deactivated_at.isoformat() if user.deactivated_at else None,
            "deactivation_reason": user.deactivation_reason}


def open_team(team: Team) -> None:
    if not team.active:
        raise RuleError(_("%(team)s đã ngừng hoạt động.", team=team.name))
    if team.village.archived_at is not None:
        raise RuleError(_("%(village)s đã lưu trữ; tổ của thôn này không nhận thêm thành viên.",
                          village=team.village.name))


def create_team(actor: User, village: Area, name: str) -> Team:
    name = " ".join((name or "").split())
    if village.level != AreaLevel.VILLAGE:
        raise RuleError({"village_id": _("Vui lòng chọn thôn.")})
    if village.archived_at is not None:
        raise RuleError({"village_id": _("%(village)s đã lưu trữ, không thể lập tổ mới.", village=village.name)})
    if not name:
        raise RuleError({"name": _("Vui lòng nhập tên tổ.")})
    if len(name) > 120:
        raise RuleError({"name": _("Tên tổ dài tối đa 120 ký tự.")})
    taken = db.session.scalar(select(Team.id).where(Team.village_id == village.id, Team.name == name).limit(1))
    if taken is not None:
        raise RuleError({"name": _("%(village)s đã có tổ tên “%(name)s”.", village=village.name, name=name)})
    team = Team(village=village, name=name)
    db.session.add(team)
    db.session.flush()
    history.place_team(team)
    audit.record(actor, "create", team, area_path=village.path, after={"name": name, "village_id": village.id})
    return team


def close_team(actor: User, team: Team) -> Team:
    """A team stops; its visits stay counted. Its active members must be moved or deactivated first."""
    if not team.active:
        raise RuleError(_("%(team)s đã ngừng hoạt động trước đó.", team=team.name))
    active = db.session.scalars(select(User.name).where(User.team_id == team.id, User.active.is_(True))
                                .order_by(User.name)).all()
    if active:
        raise RuleError(_("%(team)s còn %(n)d thành viên đang hoạt động (%(names)s). "
                          "Hãy chuyển họ sang tổ khác hoặc cho nghỉ trước.",
                          team=team.name, n=len(active), names=", ".join(active[:10])))
    team.active = False
    history.close_team_place(team)
    audit.record(actor, "close", team, area_path=team.village.path, before={"active": True}, after={"active": False})
    return team


def appoint_leader(actor: User, team: Team, candidate: User | None) -> User:
    """Make `candidate` the leader of `team`; the previous leader stays in the team as a member."""
    if candidate is None:
        raise RuleError({"user_id": _("Không tìm thấy người được chọn.")})
    open_team(team)
    commune = team.village.parent
    assert commune is not None  # a village always lies in a commune
    if candidate.role not in Role.TEAM_ROLES:
        raise RuleError({"user_id": _("%(name)s không phải thành viên tổ; chỉ bổ nhiệm thành viên tổ làm tổ trưởng.",
                                      name=candidate.name)})
    if candidate.team is None or candidate.team.village.parent_id != commune.id:
        raise RuleError({"user_id": _(
            "Không thể bổ nhiệm %(name)s: người này không thuộc %(commune)s. "
            "Chỉ bổ nhiệm tổ trưởng trong số thành viên các tổ của xã.", name=candidate.name, commune=commune.name)})
    if not candidate.active:
        raise RuleError({"user_id": _("%(name)s đã ngừng hoạt động; hãy kích hoạt lại trước khi bổ nhiệm.",
                                      name=candidate.name)})
    if candidate.role == Role.LEADER and candidate.team_id == team.id:
        raise RuleError({"user_id": _("%(name)s đã là tổ trưởng của tổ này.", name=candidate.name)})
    previous = list(db.session.scalars(select(User).where(
        User.team_id == team.id, User.role == Role.LEADER, User.id != candidate.id)))
    for old in previous:
        before = _member_snapshot(old)
        old.role = Role.MEMBER
        audit.record(actor, "replace_leader", old, entity_type="user", area_path=team.village.path,
                     before=before, after=_member_snapshot(old))
    before = _member_snapshot(candidate)
    candidate.role = Role.LEADER
    candidate.team = team
    candidate.team_id = team.id
    history.join_team(candidate)
    audit.record(actor, "appoint_leader", candidate, entity_type="user", area_path=team.village.path,
                 before=before, after=_member_snapshot(candidate))
    return candidate


def move_member(actor: User, member: User, team: Team | None) -> User:
    """Move a member to another team of the same commune; a leader who moves becomes a member."""
    if team is None:
        raise RuleError({"team_id": _("Không tìm thấy tổ được chọn.")})
    if member.team is None or member.role not in Role.TEAM_ROLES:
        raise RuleError({"team_id": _("Chỉ chuyển được thành viên của một tổ.")})
    if team.id == member.team_id:
        raise RuleError({"team_id": _("%(name)s đã ở %(team)s.", name=member.name, team=team.name)})
    if team.village.parent_id != member.team.village.parent_id:
        raise RuleError({"team_id": _("Không thể chuyển %(name)s sang %(team)s: tổ này thuộc xã khác.",
                                      name=member.name, team=team.name)})
    try:
        open_team(team)
    except RuleError as err:
        raise RuleError({"team_id": err.message}) from None
    before = _member_snapshot(member)
    from_path = member.team.village.path
    member.team = team
    member.team_id = team.id
    member.role = Role.MEMBER
    history.join_team(member)
    audit.record(actor, "move", member, entity_type="user", area_path=from_path,
                 before=before, after=_member_snapshot(member))
    return member


def deactivate_member(actor: User, member: User, reason: str, note: str | None = None) -> User:
    """Cannot sign in any more (sessions die); their visits stay counted."""
    note = " ".join((note or "").split()) or None
    if reason not in REASONS:
        raise RuleError({"reason": _("Vui lòng chọn lý do.")})
    if reason == "other" and not note:
        raise RuleError({"note": _("Vui lòng ghi rõ lý do khác.")})
    if note and len(note) > 200:
        raise RuleError({"note": _("Ghi chú dài tối đa 200 ký tự.")})
    if member.id == actor.id:
        raise RuleError(_("Bạn không thể tự cho mình ngừng hoạt động."))
    if not member.active:
        raise RuleError(_("%(name)s đã ngừng hoạt động trước đó.", name=member.name))
    before = _member_snapshot(member)
    member.active = False
    member.deactivated_at = utcnow()
    member.deactivation_reason = reason
    member.session_version += 1  # every open session and remember-me cookie stops working
    retire_sign_in_codes(member, member.deactivated_at)
    history.leave_team(member, reason)
    after = _member_snapshot(member)
    after["note"] = note
    audit.record(actor, "deactivate", member, entity_type="user", area_path=_path(member), before=before, after=after)
    return member


def reactivate_member(actor: User, member: User) -> User:
    if member.active:
        raise RuleError(_("%(name)s đang hoạt động.", name=member.name))
    if member.team is not None:
        try:
            open_team(member.team)
        except RuleError as err:
            raise RuleError(_("%(msg)s Hãy chuyển %(name)s sang một tổ đang hoạt động trước.",
                              msg=err.message, name=member.name)) from None
    before = _member_snapshot(member)
    member.active = True
    member.deactivated_at = None
    member.deactivation_reason = None
    history.join_team(member)
    audit.record(actor, "reactivate", member, entity_type="user", area_path=_path(member),
                 before=before, after=_member_snapshot(member))
    return member


def create_account(actor: User, *, phone: str, name: str, password: str, role: str,
                   team: Team | None = None, area: Area | None = None) -> User:
    """A new sign-in: a member of a team, or an officer/viewer scoped to an area. Never logs the password."""
    errors = {}
    phone = normalize_phone(phone)
    name = " ".join((name or "").split())
    if not PHONE_RE.match(phone):
        errors["phone"] = _("Số điện thoại gồm 10 chữ số và bắt đầu bằng 0, ví dụ 0912345678.")
    elif db.session.scalar(select(User.id).where(User.phone == phone)) is not None:
        errors["phone"] = _("Số điện thoại %(phone)s đã có tài khoản.", phone=phone)
    if not name:
        errors["name"] = _("Vui lòng nhập họ tên.")
    elif len(name) > 120:
        errors["name"] = _("Họ tên dài tối đa 120 ký tự.")
    problem = password_problem(password or "", phone=phone)
    if problem:
        errors["password"] = problem
    if role in Role.TEAM_ROLES:
        if team is None:
            errors["team_id"] = _("Vui lòng chọn tổ.")
        else:
            try:
                open_team(team)
            except RuleError as err:
                errors[""] = err.message
    elif role == Role.COMMUNE_OFFICER:
        if area is None or area.level != AreaLevel.COMMUNE:
            errors["area_id"] = _("Cán bộ xã phải gắn với một xã, phường hoặc đặc khu.")
    elif role == Role.PROVINCE_VIEWER:
        if area is None or area.level != AreaLevel.PROVINCE:
            errors["area_id"] = _("Cán bộ tỉnh phải gắn với một tỉnh, thành phố.")
    else:
        errors["role"] = _("Vai trò không hợp lệ.")
    if errors:
        raise RuleError(errors)
    if role in Role.TEAM_ROLES:
        assert team is not None  # refused above
        team_id, area_id, path = team.id, None, team.village.path
    else:
        assert area is not None  # refused above
        team_id, area_id, path = None, area.id, area.path
    user = User(phone=phone, name=name, role=role, password_hash=hash_password(password),
                team_id=team_id, area_id=area_id)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:  # two officers adding the same phone at once: the unique key decides
        raise RuleError({"phone": _("Số điện thoại %(phone)s đã có tài khoản.", phone=phone)}) from None
    history.join_team(user)
    audit.record(actor, "create", user, entity_type="user", area_path=path,
                 after={"phone": phone, "name": name, "role": role, "team_id": user.team_id, "area_id": user.area_id})
    return user
