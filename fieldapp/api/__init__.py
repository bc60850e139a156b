"""The JSON sync API (/api/v1) used by the offline outbox and any other client."""
from flask import Blueprint

from ..input_guard import limit_api_body

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.url_value_preprocessor(limit_api_body)
