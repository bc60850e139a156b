from flask import Blueprint

bp = Blueprint("teams", __name__)
