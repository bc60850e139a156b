from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from .. import throttle
from ..unit_of_work import rule_check
from . import bp
from .forms import PasswordChangeForm
from .operations import RESET_KEY, change_password


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordChangeForm()
    reset = session.get(RESET_KEY) == current_user.id
    if form.validate_on_submit():
        user = current_user._get_current_object()
        # A stolen session must not become a way to guess the password: same counter as sign-in.
        attempt = throttle.Attempt(user.phone, request.remote_addr, signed_in=True)
        until = throttle.blocked_until(attempt)
        if until is not None:
            form.form_errors.append(_("Đã nhập sai quá nhiều lần. Vui lòng thử lại sau ít phút."))
            return render_template("account/password.html", form=form, reset=reset), 429
        with rule_check(form) as check:
            change_password(user, form.current.data, form.new.data, form.confirm.data, reset=reset)
        if check.error is not None and "current" in check.error.errors:
            throttle.record_failure(attempt)
        if check.passed:
            # Other phones are signed out; this one carries on with a fresh session (and cookie).
            session.pop(RESET_KEY, None)
            remembered = reset or bool(request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")))
            login_user(user, remember=remembered)
            flash(_("Đã đổi mật khẩu. Các máy khác đã được đăng xuất."), "success")
            return redirect(url_for("core.index"))
    status = 422 if form.is_submitted() else 200
    return render_template("account/password.html", form=form, reset=reset), status
