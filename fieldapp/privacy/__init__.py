from flask import Blueprint

from ..access import can_manage_personal_data, can_see_personal_data

bp = Blueprint("privacy", __name__)
bp.add_app_template_global(can_manage_personal_data)
bp.add_app_template_global(can_see_personal_data)
