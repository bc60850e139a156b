from flask import Blueprint

bp = Blueprint("tallies", __name__)

from . import routes  # noqa: E402,F401
