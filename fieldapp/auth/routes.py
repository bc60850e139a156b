import math

from flask import flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from .. import audit, throttle
from ..access import team_member_or_404, team_or_404
from ..account.operations import RESET_KEY
from ..extensions import db
from ..forms import EmptyForm, flash_expired_form
from ..joining.queries import pending_request_for_phone
from ..models import User
from ..passwords import check_password, hash_password, needs_rehash
from ..qrcodes import private_page, public_url, refused_page
from ..timeutil import to_local, utcnow
from ..unit_of_work import rule_check
from ..web import safe_next
from . import bp
from .forms import LoginForm
from .one_time import (
    SIGN_IN_MINUTES,
    bind_one_time_login,
    create_one_time_login,
    one_time_login_by_token,
    sign_in_problem,
    use_one_time_login,
)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    form = LoginForm()
    if form.validate_on_submit():
        phone = form.phone.data
        user = db.session.scalar(select(User).where(User.phone == phone))
        attempt = throttle.Attempt(phone, request.remote_addr, throttle.trusted_device(user.id if user else None))
        until = throttle.blocked_until(attempt)
        if until is not None:
            return _throttled(form, until)
        # One argon2 verification whichever branch: an unknown number costs what a known one does.
        pending = pending_request_for_phone(phone) if user is None else None
        hashed = user.password_hash if user is not None else pending.password_hash if pending is not None else None
        password_ok = check_password(hashed, form.password.data)
        if user is None and pending is not None and password_ok:
            # Told only to whoever knows the password they chose on the poster.
            form.phone.errors.append(_("Yêu cầu tham gia tổ của bạn đang chờ tổ trưởng duyệt."))
        elif user is None or not password_ok:
            throttle.record_failure(attempt)
            form.password.errors.append(_("Số điện thoại hoặc mật khẩu không đúng."))
        elif not user.active:
            form.phone.errors.append(_("Tài khoản này đã ngừng hoạt động. Hãy liên hệ tổ trưởng hoặc cán bộ xã."))
        else:
            throttle.record_success(attempt)
            if needs_rehash(user.password_hash):  # the configured cost went up since this hash was made
                user.password_hash = hash_password(form.password.data)
            login_user(user, remember=form.remember.data)
            audit.record(user, "sign_in", user, area_path=_area_path(user))
            response = redirect(safe_next(request.args.get("next"), default=url_for("core.index")))
            throttle.remember_device(response, user.id)
            return response
        return render_template("auth/login.html", form=form), 422
    return render_template("auth/login.html", form=form)


def _throttled(form: LoginForm, until):
    """429 with the time to come back, in Vietnam time; the password is not even checked."""
    now = utcnow()
    wait = max(1, math.ceil((until - now).total_seconds()))
    form.form_errors.append(_(
        "Đã nhập sai quá nhiều lần. Vui lòng thử lại sau %(time)s (khoảng %(minutes)d phút nữa).",
        time=to_local(until).strftime("%H:%M"), minutes=max(1, math.ceil(wait / 60))))
    response = make_response(render_template("auth/login.html", form=form), 429)
    response.headers["Retry-After"] = str(wait)
    return response


@bp.post("/logout")
@login_required
def logout():
    form = EmptyForm()
    if not form.validate_on_submit():
        flash_expired_form()
        return redirect(url_for("core.index"))
    user = current_user._get_current_object()
    user.session_version += 1  # invalidates remember-me cookies everywhere
    logout_user()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("auth.login"))


def _area_path(user: User) -> str:
    area = user.scope_area
    return area.path if area is not None else ""


# --- One-time sign-in by QR (the code is public; a team's leader makes it) -----------------------

SIGN_IN_HOLDER_COOKIE = "signin_holder"


@bp.route("/s/<token>", methods=["GET", "POST"])
def sign_in_qr(token: str):
    now = utcnow()
    otl = one_time_login_by_token(token)
    if otl is None:
        return refused_page(404, _("Mã đăng nhập không hợp lệ"),
                            _("Đây không phải mã đăng nhập hợp lệ. Hãy nhờ tổ trưởng tạo mã mới."))
    problem = sign_in_problem(otl, now)
    if problem is not None:
        messages = {
            "used": _("Mã đăng nhập này đã được dùng. Mỗi mã chỉ dùng được một lần; hãy nhờ tổ trưởng tạo mã mới."),
            "expired": _("Mã đăng nhập này đã hết hạn (mã chỉ dùng được trong 15 phút). Hãy nhờ tổ trưởng tạo mã mới."),
            "inactive": _("Tài khoản này đã ngừng hoạt động."),
        }
        return refused_page(410, _("Mã đăng nhập không còn dùng được"), messages[problem])
    with rule_check(quiet=True) as check:
        new_holder = bind_one_time_login(otl, request.cookies.get(SIGN_IN_HOLDER_COOKIE))
    if check.error is not None:
        return refused_page(410, _("Mã đăng nhập không còn dùng được"), check.error.message)
    form = EmptyForm()
    if new_holder is None and form.validate_on_submit():
        with rule_check(quiet=True) as check:
            member = use_one_time_login(otl, now)
        if check.error is not None:
            return refused_page(410, _("Mã đăng nhập không còn dùng được"), check.error.message)
        if current_user.is_authenticated:
            logout_user()
        login_user(member, remember=True)
        session[RESET_KEY] = member.id
        flash(_("Đã đăng nhập. Hãy đặt mật khẩu mới để lần sau tự đăng nhập."), "success")
        response = redirect(url_for("account.password"))
        throttle.remember_device(response, member.id)  # this phone is the member's own from now on
        return response
    response = private_page("auth/sign_in_code.html", member=otl.user, form=form)
    if new_holder is not None:
        response.set_cookie(SIGN_IN_HOLDER_COOKIE, new_holder, max_age=SIGN_IN_MINUTES * 60, path=request.path,
                            httponly=True, samesite="Strict", secure=request.is_secure)
    return response


@bp.post("/teams/<int:team_id>/members/<int:user_id>/sign-in-qr")
@login_required
def make_sign_in_qr(team_id: int, user_id: int):
    team = team_or_404(current_user, team_id, manage=True)
    member = team_member_or_404(team, user_id)
    if not EmptyForm().validate_on_submit():
        flash_expired_form()
        return redirect(url_for("teams.members", team_id=team.id))
    with rule_check() as check:
        otl, token = create_one_time_login(current_user, member, utcnow())
    if not check.passed:
        return redirect(url_for("teams.members", team_id=team.id))
    # The raw token exists only in this response: it is never stored.
    return private_page("auth/sign_in_qr.html", team=team, member=member, otl=otl,
                        url=public_url("auth.sign_in_qr", token=token))
