from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..access import can_carry_badge, can_lead_team, is_in_team, team_member_or_404, team_or_404
from ..forms import EmptyForm, flash_expired_form
from ..qrcodes import private_page
from ..teams.queries import commune_of
from ..timeutil import utcnow
from ..unit_of_work import keep_on_refusal, rule_check
from . import bp, queries
from .operations import count_badge_view, issue_badge, issue_missing_badges


def _back_to_members(team_id: int):
    return redirect(url_for("teams.members", team_id=team_id))


# --- Badge verification (public) -------------------------------------------------------------

@bp.get("/v/<path:token>")  # anything under /v/ gets the friendly page
def verify(token: str):
    now = utcnow()
    badge = queries.badge_by_token(token)
    if badge is None:
        return private_page("badges/verify_invalid.html", 404, badge=None, commune=None)
    count_badge_view(badge, now)
    keep_on_refusal()  # a revoked badge's page (410) is a view too
    commune = commune_of(badge.team)
    if badge.revoked_at is not None:
        return private_page("badges/verify_invalid.html", 410, badge=badge, commune=commune)
    member = badge.user
    active = member.active and member.team_id == badge.team_id
    return private_page("badges/verify.html", badge=badge, member=member, team=badge.team, commune=commune,
                        active=active)


def _badge_member(team_id: int, user_id: int):
    """A member sees their own badge; the leader and the commune officer see the team's."""
    if (current_user.id == user_id and current_user.team_id == team_id
            and is_in_team(current_user)):
        return current_user.team, current_user._get_current_object()
    team = team_or_404(current_user, team_id)
    return team, team_member_or_404(team, user_id)


@bp.get("/teams/<int:team_id>/members/<int:user_id>/badge")
@login_required
def show(team_id: int, user_id: int):
    team, member = _badge_member(team_id, user_id)
    return private_page("badges/badge.html", team=team, member=member, commune=commune_of(team),
                        badge=queries.live_badge(member.id) if member.active else None,
                        manage=can_lead_team(current_user, team), form=EmptyForm())


@bp.post("/teams/<int:team_id>/members/<int:user_id>/badge")
@login_required
def reissue(team_id: int, user_id: int):
    team = team_or_404(current_user, team_id, manage=True)
    member = team_member_or_404(team, user_id)
    if not EmptyForm().validate_on_submit():
        flash_expired_form()
        return _back_to_members(team.id)
    with rule_check() as check:
        issue_badge(current_user, member, utcnow())
    if not check.passed:
        return _back_to_members(team.id)
    flash(_("Đã cấp thẻ mới cho %(name)s. Mã QR trên thẻ cũ không còn hợp lệ.", name=member.name), "success")
    return redirect(url_for("badges.show", team_id=team.id, user_id=member.id))


@bp.get("/teams/<int:team_id>/badges")
@login_required
def team(team_id: int):
    team = team_or_404(current_user, team_id)
    manage = can_lead_team(current_user, team)
    return private_page("badges/badges.html", team=team, commune=commune_of(team),
                        badges=queries.active_badges(team.id), manage=manage, form=EmptyForm(),
                        missing=queries.members_without_badge(team.id) if manage else [])


@bp.post("/teams/<int:team_id>/badges")
@login_required
def issue_missing(team_id: int):
    team = team_or_404(current_user, team_id, manage=True)
    if not EmptyForm().validate_on_submit():
        flash_expired_form()
        return redirect(url_for("badges.team", team_id=team.id))
    with rule_check() as check:
        n = issue_missing_badges(current_user, team, utcnow())
    if check.passed:
        flash(_("Đã cấp thẻ cho %(n)d thành viên.", n=n), "success")
    return redirect(url_for("badges.team", team_id=team.id))


@bp.get("/me/badge")
@login_required
def mine():
    if not can_carry_badge(current_user):
        abort(404)
    return redirect(url_for("badges.show", team_id=current_user.team_id, user_id=current_user.id))
