import hashlib
from pathlib import Path

from flask import current_app, jsonify, make_response, render_template, url_for
from flask_babel import gettext as _

from . import bp

# The shell: everything the phone needs to open the app with no network. No page here holds a
# user's data or a CSRF token; those come from the API into IndexedDB.
SHELL_ASSETS = ("css/app.css", "js/app.js", "js/outbox.js", "js/pwa.js", "js/notices.js", "js/shell.js",
                "js/textsize.js", "icons/icon-192.png", "icons/icon-512.png")


def _version(static_folder: str) -> str:
    """Changes whenever a shell file or the worker changes, so old caches are dropped."""
    digest = hashlib.sha256()
    for name in SHELL_ASSETS + ("sw.js",):
        digest.update((Path(static_folder) / name).read_bytes())
    assert current_app.template_folder is not None
    for template in (("pwa", "shell.html"), ("_partials", "textsize.html")):
        digest.update(Path(current_app.template_folder, *template).read_bytes())
    return digest.hexdigest()[:12]


def _no_cache(response):
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/sw.js")
def service_worker():
    static = current_app.static_folder
    source = (Path(static) / "sw.js").read_text(encoding="utf-8")
    version = _version(static)
    shell = ["/app", "/offline", url_for("pwa.manifest")] + [
        url_for("static", filename=name) for name in SHELL_ASSETS]
    body = (source.replace("__VERSION__", version)
            .replace('"__SHELL__"', ", ".join(f'"{u}"' for u in shell)))
    response = make_response(body)
    response.mimetype = "application/javascript"
    response.headers["Service-Worker-Allowed"] = "/"
    return _no_cache(response)


@bp.get("/manifest.webmanifest")
def manifest():
    response = jsonify({
        "name": _("Tổ công nghệ số cộng đồng"),
        "short_name": _("Tổ công nghệ số"),
        "description": _("Ghi lượt thăm hộ dân, kể cả khi không có mạng."),
        "lang": "vi",
        "start_url": "/app",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b5394",
        "icons": [
            {"src": url_for("static", filename="icons/icon-192.png"), "sizes": "192x192",
             "type": "image/png", "purpose": "any maskable"},
            {"src": url_for("static", filename="icons/icon-512.png"), "sizes": "512x512",
             "type": "image/png", "purpose": "any maskable"},
        ],
    })
    response.mimetype = "application/manifest+json"
    return _no_cache(response)


@bp.get("/app")
def shell():
    """The offline app: the same HTML for everyone; the signed-in user comes from the API."""
    return _no_cache(make_response(render_template("pwa/shell.html")))


@bp.get("/offline")
def offline():
    return _no_cache(make_response(render_template("pwa/offline.html")))
