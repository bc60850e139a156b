from flask import Blueprint

bp = Blueprint("signoff", __name__)

from . import routes  # noqa: E402,F401
