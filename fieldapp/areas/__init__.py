from flask import Blueprint

bp = Blueprint("areas", __name__)

from . import routes  # noqa: E402,F401
