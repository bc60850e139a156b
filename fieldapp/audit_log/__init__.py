from flask import Blueprint

bp = Blueprint("audit_log", __name__)

from . import routes  # noqa: E402,F401
