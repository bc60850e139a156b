"""Joining a team: the team's join link and poster (a QR), the public sign-up page, and the join requests its
leader approves or refuses."""
from flask import Blueprint

bp = Blueprint("joining", __name__)

from . import routes  # noqa: E402,F401
