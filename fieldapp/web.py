"""Cross-cutting web wiring: sign-in loading, template helpers, errors, headers, SQLite pragmas, redirects."""
import unicodedata
from urllib.parse import urlsplit

from flask import Flask, jsonify, render_template, request
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy import bindparam, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import joinedload

from .counting import local_day, share, today
from .extensions import db, login_manager
from .input_guard import api_too_large_message, init_input_guard
from .models import Role, Team, User
from .nav import tabs as nav_tabs
from .text import format_percent, number
from .timeutil import to_local
from .visits.rules import MAX_NOTE, MAX_RESIDENTS, OUTCOME_NAMES, OUTCOMES

ROLE_NAMES = {
    Role.MEMBER: _l("Thành viên"),
    Role.LEADER: _l("Tổ trưởng"),
    Role.COMMUNE_OFFICER: _l("Cán bộ xã"),
    Role.PROVINCE_VIEWER: _l("Cán bộ tỉnh"),
    Role.ADMIN: _l("Quản trị"),
}



@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """Foreign keys on, WAL for concurrent readers, FULL sync so an acknowledged visit is on disk. Temporary
    files in memory: the visit writer's SAVEPOINT keeps the old copy of every page the batch changes in a
    statement journal, by default a temporary file (15% of a batch's time in its statements; docs/performance.md,
    eleventh round)."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA temp_store=MEMORY")
        cur.close()


# The user with their team and its village in one statement. Built once: an ORM get() with these options built
# its statement and the options' cache key again at every request (~0.4 ms of CPU). An officer's area is read
# when first used (one statement by primary key, none when the session holds it already): joined here it added
# 12 columns of NULLs to every member's request, whose sync is the hot path (3% of a one-visit save's
# instructions, bench/instructions.py).
_SIGNED_IN = select(User).options(joinedload(User.team).joinedload(Team.village)) \
    .where(User.id == bindparam("user_id"))


@login_manager.user_loader
def _load_user(user_key: str):
    user_id, _sep, version = user_key.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    # Every page checks the scope: the user's team and its village, or the officer's area, in the same statement.
    user = db.session.execute(_SIGNED_IN, {"user_id": int(user_id)}).unique().scalar_one_or_none()
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def safe_next(target: str | None, default: str = "/") -> str:
    """Where to go after an action (a `next=` argument): a path of this site, else `default`.

    Browsers drop tabs and line breaks inside a URL and read a backslash as a slash, so "/\t/evil",
    "/\\evil" and "//evil" all lead to another site; a line break in a header is a 500. Such targets,
    and anything with a scheme or a host, fall back to the default. Every `next` goes through here.
    """
    if not isinstance(target, str) or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(c == "\\" or unicodedata.category(c)[0] in "CZ" for c in target):  # controls, format chars, spaces
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _configure_https(app: Flask) -> None:
    """FIELDAPP_HTTPS=1: cookies only over HTTPS, and HSTS. FIELDAPP_PROXY_FIX=1: trust one proxy's X-Forwarded-*."""
    hops = int(app.config.get("PROXY_FIX") or 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    else:
        warned: list[bool] = []

        @app.before_request
        def _warn_unconfigured_proxy():
            """Behind a proxy the app was not told about, every client has the proxy's address: the
            sign-in limits per client then apply to everyone at once. Said once per worker, at the first
            such request (the configuration cannot know it before)."""
            if not warned and request.headers.get("X-Forwarded-For"):
                warned.append(True)
                app.logger.warning(
                    "Requests carry X-Forwarded-For but FIELDAPP_PROXY_FIX=0: every client is seen with the "
                    "proxy's address %s, so sign-in limits per client slow all of them together. Behind one "
                    "reverse proxy (nginx) set FIELDAPP_PROXY_FIX=1 (see docs/deploy.md).", request.remote_addr)
    if app.config.get("HTTPS"):
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
        app.config["PREFERRED_URL_SCHEME"] = "https"


def days_since(dt) -> int | None:
    """Whole local days from a stored time to today (0: today), for lists."""
    return None if dt is None else (today() - local_day(dt)).days


def percent(part, whole) -> str:
    """A figure against its goal, for templates: counting.share, formatted ("68,84%", "121,7%", "–")."""
    return format_percent(share(part, whole))


def init_web(app: Flask) -> None:
    _configure_https(app)
    init_input_guard(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Vui lòng đăng nhập để tiếp tục.")
    login_manager.login_message_category = "info"

    @login_manager.unauthorized_handler
    def _unauthorized():
        from flask import flash, redirect, url_for
        if _wants_json():
            return jsonify(error=_("Vui lòng đăng nhập.")), 401
        flash(_("Vui lòng đăng nhập để tiếp tục."), "info")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    app.jinja_env.filters["num"] = number
    app.jinja_env.filters["local"] = to_local
    app.jinja_env.globals.update(
        percent=percent, ROLE_NAMES=ROLE_NAMES, current_locale=lambda: str(get_locale() or 'vi'), OUTCOME_NAMES=OUTCOME_NAMES,
        OUTCOMES=OUTCOMES, MAX_NOTE=MAX_NOTE, MAX_RESIDENTS=MAX_RESIDENTS,
        format_date=format_date, format_datetime=format_datetime, nav_tabs=nav_tabs, days_since=days_since)
    # Used after |local (already Vietnam time): rebase=False, or Babel would add 7 hours a second time.
    app.jinja_env.filters["localdt"] = lambda dt: format_datetime(dt, "HH:mm dd/MM/yyyy", rebase=False) if dt else ""
    app.jinja_env.filters["localdate"] = lambda dt: format_date(dt, "dd/MM/yyyy", rebase=False) if dt else ""

    def _error(code: int, title: str, message: str):
        if _wants_json():
            return jsonify(error=message), code
        return render_template("error.html", code=code, title=title, message=message), code

    @app.errorhandler(400)
    def _bad_request(e):
        return _error(400, _("Yêu cầu không hợp lệ"), getattr(e, "description", "") or "")

    @app.errorhandler(CSRFError)
    def _csrf_error(e):
        return _error(400, _("Phiên làm việc đã hết hạn"),
                      _("Biểu mẫu đã hết hạn hoặc thiếu mã bảo vệ. Vui lòng tải lại trang và gửi lại."))

    @app.errorhandler(403)
    def _forbidden(e):
        return _error(403, _("Không có quyền"), _("Tài khoản của bạn không có quyền làm việc này."))

    @app.errorhandler(404)
    def _not_found(e):
        return _error(404, _("Không tìm thấy"),
                      _("Trang hoặc dữ liệu này không tồn tại, hoặc nằm ngoài địa bàn của bạn."))

    @app.errorhandler(405)
    def _method(e):
        return _error(405, _("Không hỗ trợ"), _("Thao tác này không được hỗ trợ."))

    @app.errorhandler(413)
    def _too_large(e):
        if _wants_json():
            return jsonify(error=api_too_large_message()), 413
        return _error(413, _("Tệp quá lớn"), _("Tệp hoặc dữ liệu gửi lên quá lớn."))

    @app.errorhandler(500)
    def _server_error(e):
        db.session.rollback()
        return _error(500, _("Lỗi máy chủ"), _("Đã có lỗi xảy ra. Dữ liệu chưa được lưu; vui lòng thử lại."))

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.is_secure or app.config.get("HTTPS"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
