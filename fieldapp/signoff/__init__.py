from flask import Blueprint

bp = Blueprint("signoff", __name__)
