import math

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from .. import audit, throttle
from ..extensions import db
from ..forms import EmptyForm
from ..models import User
from ..passwords import check_password, hash_password, needs_rehash
from ..qr.queries import pending_request_for_phone
from ..timeutil import to_local, utcnow
from ..web import safe_next
from . import bp
from .forms import LoginForm


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
        flash(_("Biểu mẫu đã hết hạn, vui lòng thử lại."), "error")
        return redirect(url_for("core.index"))
    user = current_user._get_current_object()
    user.session_version += 1  # invalidates remember-me cookies everywhere
    logout_user()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("auth.login"))


def _area_path(user: User) -> str:
    area = user.scope_area
    return area.path if area is not None else ""
