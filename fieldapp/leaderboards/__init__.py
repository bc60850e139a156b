"""Leaderboards (thi đua): members, teams and communes ranked for a week, month, quarter or campaign."""
from flask import Blueprint

bp = Blueprint("leaderboards", __name__)
