"""The work around the visit (issue 16): who goes where, the walk sheet and its paper entry, a member's
own results and the leader's week."""
from flask import Blueprint

bp = Blueprint("walks", __name__)
