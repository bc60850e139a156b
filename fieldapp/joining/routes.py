from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from .. import throttle
from ..access import team_or_404
from ..extensions import db
from ..forms import EmptyForm, flash_expired_form
from ..models import JoinRequest, JoinStatus, User
from ..qrcodes import private_page, refused_page
from ..teams.queries import commune_of
from ..timeutil import utcnow
from ..unit_of_work import rule_check
from . import bp, queries
from .forms import InviteSettingsForm, JoinForm
from .operations import (
    approve_join_request,
    expiry_day,
    invite_problem_message,
    join_limit_problem,
    refuse_join_request,
    rotate_invite,
    submit_join_request,
    update_invite,
)


def _back_to_members(team_id: int):
    return redirect(url_for("teams.members", team_id=team_id))


# --- Join link (public) ----------------------------------------------------------------------

@bp.route("/join/<token>", methods=["GET", "POST"])
def join(token: str):
    now = utcnow()
    invite = queries.invite_by_token(token)
    if invite is None:
        return refused_page(404, _("Mã QR không hợp lệ"),
                            _("Đây không phải mã tham gia tổ hợp lệ. Hãy quét lại, hoặc xin tổ trưởng mã QR mới."))
    problem = invite.problem(now)
    if problem is not None:
        return refused_page(410, _("Mã QR không còn dùng được"), invite_problem_message(invite, problem))
    form = JoinForm()
    if form.validate_on_submit():
        client = request.remote_addr
        limited = join_limit_problem(invite, client, now)
        if limited is not None:
            form.form_errors.append(limited[0])
            response = private_page("joining/join.html", 429, form=form, team=invite.team,
                                    commune=commune_of(invite.team))
            response.headers["Retry-After"] = str(limited[1])
            return response
        with rule_check(form) as check:  # None: stored nothing (a known phone)
            join_request = submit_join_request(invite, name=form.name.data, phone=form.phone.data,
                                               password=form.password.data, now=now, client=client)
        if check.passed:
            if join_request is not None and join_request.status == JoinStatus.APPROVED:
                assert join_request.user_id is not None  # approving creates the member
                if current_user.is_authenticated:
                    logout_user()
                login_user(db.session.get(User, join_request.user_id), remember=True)
                flash(_("Chào mừng %(name)s tham gia %(team)s.", name=join_request.name,
                        team=invite.team.name), "success")
                response = redirect(url_for("core.index"))
                throttle.remember_device(response, join_request.user_id)
                return response
            return redirect(url_for("joining.join_sent", token=token))
    status = 422 if form.is_submitted() else 200
    return private_page("joining/join.html", status, form=form, team=invite.team,
                        commune=commune_of(invite.team))


@bp.get("/join/<token>/sent")
def join_sent(token: str):
    invite = queries.invite_by_token(token)
    if invite is None:
        abort(404)
    return private_page("joining/join_sent.html", team=invite.team)


# --- Leader: members, join requests, join link -----------------------------------------------

@bp.post("/teams/<int:team_id>/requests/<int:request_id>/<any(approve, refuse):decision>")
@login_required
def decide(team_id: int, request_id: int, decision: str):
    team = team_or_404(current_user, team_id, manage=True)
    join_request = db.session.get(JoinRequest, request_id)
    if join_request is None or join_request.team_id != team.id:
        abort(404)
    if not EmptyForm().validate_on_submit():
        flash_expired_form()
        return _back_to_members(team.id)
    with rule_check() as check:
        if decision == "approve":
            approve_join_request(current_user, join_request, utcnow())
        else:
            refuse_join_request(current_user, join_request, utcnow())
    if check.passed:
        if decision == "approve":
            flash(_("Đã duyệt %(name)s vào tổ.", name=join_request.name), "success")
        else:
            flash(_("Đã từ chối yêu cầu của %(name)s.", name=join_request.name), "info")
    return _back_to_members(team.id)


@bp.route("/teams/<int:team_id>/invite", methods=["GET", "POST"])
@login_required
def invite(team_id: int):
    team = team_or_404(current_user, team_id, manage=True)
    live = queries.live_invite(team.id)
    data = None
    if live is not None and request.method == "GET":
        data = {"auto_approve": live.auto_approve, "expires_on": expiry_day(live)}
    form = InviteSettingsForm(data=data)
    if form.validate_on_submit():
        if live is None:
            abort(404)
        with rule_check(form) as check:
            update_invite(current_user, live, auto_approve=form.auto_approve.data, expires_on=form.expires_on.data,
                          now=utcnow())
        if check.passed:
            flash(_("Đã lưu cài đặt mã QR tham gia."), "success")
            return redirect(url_for("joining.invite", team_id=team.id))
    status = 422 if form.is_submitted() else 200
    return render_template("joining/invite.html", team=team, invite=live, form=form,
                           rotate_form=EmptyForm(), now=utcnow()), status


@bp.post("/teams/<int:team_id>/invite/rotate")
@login_required
def rotate(team_id: int):
    team = team_or_404(current_user, team_id, manage=True)
    if not EmptyForm().validate_on_submit():
        flash_expired_form()
        return redirect(url_for("joining.invite", team_id=team.id))
    with rule_check() as check:
        had_one = queries.live_invite(team.id) is not None
        rotate_invite(current_user, team, utcnow())
    if check.passed:
        flash(_("Đã tạo mã QR mới. Mã cũ không còn dùng được; hãy in lại áp phích.") if had_one
              else _("Đã tạo mã QR tham gia cho tổ."), "success")
    return redirect(url_for("joining.invite", team_id=team.id))


@bp.get("/teams/<int:team_id>/poster")
@login_required
def poster(team_id: int):
    team = team_or_404(current_user, team_id)
    size = "a5" if request.args.get("size") == "a5" else "a4"
    live = queries.live_invite(team.id)
    return private_page("joining/poster.html", team=team, invite=live, expiry=expiry_day(live) if live else None,
                        commune=commune_of(team), size=size, now=utcnow())
