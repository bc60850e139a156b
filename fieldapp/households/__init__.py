from flask import Blueprint

bp = Blueprint("households", __name__)

from . import routes  # noqa: E402,F401
