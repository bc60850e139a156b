"""Member badges: the card a member carries, whose QR any resident scans to check the member is genuine."""
from flask import Blueprint

bp = Blueprint("badges", __name__)
