"""Leaderboards (thi đua): members, teams and communes ranked for a week, month, quarter or campaign."""
from flask import Blueprint

bp = Blueprint("leaderboards", __name__)

from . import routes  # noqa: E402,F401
