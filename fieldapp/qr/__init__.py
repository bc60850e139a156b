"""QR codes: team join links, one-time sign-in, member badges residents can verify, household stickers."""
from flask import Blueprint

bp = Blueprint("qr", __name__)

from . import routes  # noqa: E402,F401
