from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import login_required

from ..nav import to_own_area
from . import bp
from .queries import PERIODS, board_area_or_404, period_boards, period_for, scope_or_404


@bp.get("/leaderboard")
@login_required
def my_leaderboard():
    return to_own_area("leaderboards.leaderboard")


@bp.get("/leaderboard/<int:area_id>")
@login_required
def leaderboard(area_id: int):
    area = board_area_or_404(area_id)
    key = request.args.get("period", "week")
    if key not in PERIODS:
        abort(400, description=_("Kỳ xếp hạng không hợp lệ."))
    period = period_for(key)
    return render_template("leaderboards/leaderboard.html", area=area, period=period,
                           boards=period_boards(area, period), PERIODS=PERIODS, scope=scope_or_404())
