"""Writes about one's own account: changing the password ends every other session."""
from flask_babel import gettext as _

from .. import audit
from ..models import User
from ..passwords import check_password, hash_password, password_problem
from ..rules import RuleError

# The session key set by a one-time sign-in QR (fieldapp/qr): the member chooses a new password without the old one.
RESET_KEY = "set_password_for"


def end_all_sessions(user: User) -> None:
    """Every session cookie and remember-me cookie of this user stops working (see web._load_user)."""
    user.session_version = (user.session_version or 0) + 1


def change_password(user: User, current: str | None, new: str, confirm: str, *, reset: bool = False) -> None:
    """reset: signed in by a one-time QR from the leader, so the forgotten password is not asked."""
    if not reset and not check_password(user.password_hash, current or ""):
        raise RuleError({"current": _("Mật khẩu hiện tại không đúng.")})
    problem = password_problem(new, phone=user.phone)
    if problem:
        raise RuleError({"new": problem})
    if new != confirm:
        raise RuleError({"confirm": _("Hai lần nhập mật khẩu mới không giống nhau.")})
    if not reset and check_password(user.password_hash, new):
        raise RuleError({"new": _("Mật khẩu mới phải khác mật khẩu hiện tại.")})
    user.password_hash = hash_password(new)
    end_all_sessions(user)
    area = user.scope_area
    # Never the hashes: only that it happened.
    audit.record(user, "password_set" if reset else "password_change", user,
                 area_path=area.path if area is not None else "")
