"""The JSON sync API (/api/v1) used by the offline outbox and any other client."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import routes  # noqa: E402,F401
