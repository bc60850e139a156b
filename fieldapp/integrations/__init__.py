"""Machine access for a province's own systems: read-only API tokens scoped to an area, signed webhooks."""
from flask import Blueprint

bp = Blueprint("integrations", __name__, url_prefix="/admin/integrations")
