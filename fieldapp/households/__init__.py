from flask import Blueprint

bp = Blueprint("households", __name__)

from . import routes, stickers  # noqa: E402,F401
