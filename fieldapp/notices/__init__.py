"""Commune notices: the officer's short notices to the teams, on members' home screens and offline."""
from flask import Blueprint

bp = Blueprint("notices", __name__)
