"""Joining a team: the team's join link and poster (a QR), the public sign-up page, and the join requests its
leader approves or refuses."""
from flask import Blueprint

bp = Blueprint("joining", __name__)
