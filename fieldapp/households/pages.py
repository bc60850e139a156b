"""Pages of the households feature that other features' routes show too (a visit's undo lands here)."""
from flask import current_app, render_template
from flask_login import current_user

from ..access import can_edit_visit
from ..forms import EmptyForm
from ..timeutil import utcnow
from . import queries


def render_deleted(village, error: str | None = None, status: int = 200):
    """The village's recently deleted households and visits, with undo buttons."""
    households, visits = queries.deleted_in_village(village.id)
    window = current_app.config["VISIT_EDIT_WINDOW_HOURS"]
    return render_template("households/deleted.html", village=village, households=households, visits=visits,
                           form=EmptyForm(), error=error,
                           can_restore_visit=lambda v: can_edit_visit(current_user, v, utcnow(), window)), status
