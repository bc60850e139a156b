from flask import Blueprint

bp = Blueprint("audit_log", __name__)
