"""The installable app: service worker, manifest, the offline app shell."""
from flask import Blueprint

from .strings import badge_strings, js_strings

bp = Blueprint("pwa", __name__)


@bp.app_context_processor
def _pwa_globals():
    return {"pwa_strings": js_strings, "pwa_badge_strings": badge_strings}
