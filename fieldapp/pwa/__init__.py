"""The installable app: service worker, manifest, the offline app shell."""
from flask import Blueprint

bp = Blueprint("pwa", __name__)

from . import routes  # noqa: E402,F401


@bp.app_context_processor
def _pwa_globals():
    from .strings import badge_strings, js_strings
    return {"pwa_strings": js_strings, "pwa_badge_strings": badge_strings}
