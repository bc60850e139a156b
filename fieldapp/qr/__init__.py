"""QR codes: team join links, one-time sign-in, member badges residents can verify, household stickers."""
from flask import Blueprint

bp = Blueprint("qr", __name__)

from . import routes  # noqa: E402,F401
from .codes import public_url, qr_svg  # noqa: E402

bp.add_app_template_global(qr_svg, "qr_svg")
bp.add_app_template_global(public_url, "public_url")
