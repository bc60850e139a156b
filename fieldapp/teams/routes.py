from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from ..access import (
    can_assign_households,
    can_change_member,
    can_lead_team,
    can_manage_members,
    can_run_commune,
    can_run_team,
    commune_or_404,
    member_or_404,
    posted_area,
    posted_team,
    posted_user,
    team_or_404,
    visible_team_or_404,
)
from ..forms import EmptyForm
from ..joining.queries import pending_requests
from ..models import Area, Role, Team, User
from ..rules import RuleError
from ..unit_of_work import rule_check
from ..walks import queries as walk_queries  # a module, not a name: walks.queries may be mid-import here
from . import bp, queries
from .forms import REASON_CHOICES, DeactivateForm, LeaderForm, MemberForm, MoveForm, TeamForm
from .operations import (
    appoint_leader,
    close_team,
    create_account,
    create_team,
    deactivate_member,
    move_member,
    reactivate_member,
)

# ---- the commune's teams -------------------------------------------------

def _render_commune(commune: Area, form: TeamForm | None = None, status: int = 200):
    teams = queries.commune_teams(commune)
    ids = [t.id for t in teams]
    can_manage = can_run_commune(current_user, commune)
    if form is None:
        form = TeamForm()
    form.village_id.choices = [SelectChoice(r.id, r.name) for r in queries.open_villages(commune)]
    return render_template("teams/commune.html", commune=commune, teams=teams,
                           counts=queries.member_counts(ids), leaders=queries.leaders_of(ids),
                           can_manage=can_manage, form=form), status


@bp.get("/communes/<int:commune_id>/teams")
@login_required
def commune(commune_id: int):
    return _render_commune(commune_or_404(current_user, commune_id))


@bp.post("/communes/<int:commune_id>/teams")
@login_required
def create(commune_id: int):
    commune = commune_or_404(current_user, commune_id)
    if not can_run_commune(current_user, commune):
        abort(403)
    form = TeamForm()
    form.village_id.choices = []
    if form.validate_on_submit():
        village = posted_area(current_user, form.village_id.data)
        with rule_check(form) as check:
            if village is None:
                raise RuleError({"village_id": _("Không tìm thấy thôn được chọn.")})
            if village.parent_id != commune.id:
                raise RuleError({"village_id": _("Thôn được chọn không thuộc %(commune)s.", commune=commune.name)})
            team = create_team(current_user, village, form.name.data)
        if check.passed:
            flash(_("Đã lập %(team)s.", team=team.name), "success")
            return redirect(url_for("teams.show", team_id=team.id))
    return _render_commune(commune, form, 422)


# ---- one team ------------------------------------------------------------

def _render_team(team: Team, *, leader_form=None, member_form=None, status: int = 200):
    manages = can_run_team(current_user, team)
    leader_form = leader_form or LeaderForm()
    if manages:
        commune = team.village.parent
        assert commune is not None  # a village always lies in a commune
        leader_form.user_id.choices = []
        for u in queries.commune_candidates(commune):
            assert u.team is not None  # joined on its team
            leader_form.user_id.choices.append(SelectChoice(u.id, f"{u.name} – {u.team.name}"))
    return render_template(
        "teams/show.html", team=team, members=queries.team_members(team), manages=manages,
        manages_members=can_manage_members(current_user, team), leader_form=leader_form,
        member_form=member_form or MemberForm(), close_form=EmptyForm()), status


@bp.get("/teams/<int:team_id>")
@login_required
def show(team_id: int):
    return _render_team(visible_team_or_404(current_user, team_id))


@bp.get("/teams/<int:team_id>/members")
@login_required
def members(team_id: int):
    team = team_or_404(current_user, team_id)
    manage = can_lead_team(current_user, team)
    return render_template("teams/members.html", team=team, rows=queries.members_with_badges(team.id),
                           pending=pending_requests(team.id) if manage else [],
                           manage=manage, form=EmptyForm())


@bp.post("/teams/<int:team_id>/leader")
@login_required
def leader(team_id: int):
    team = visible_team_or_404(current_user, team_id)
    if not can_run_team(current_user, team):
        abort(403)
    form = LeaderForm()
    if form.validate_on_submit():
        with rule_check(form) as check:
            new_leader = appoint_leader(current_user, team, posted_user(current_user, form.user_id.data))
        if check.passed:
            flash(_("%(name)s là tổ trưởng của %(team)s.", name=new_leader.name, team=team.name), "success")
            return redirect(url_for("teams.show", team_id=team.id))
    return _render_team(team, leader_form=form, status=422)


@bp.post("/teams/<int:team_id>/members")
@login_required
def add_member(team_id: int):
    team = visible_team_or_404(current_user, team_id)
    if not can_manage_members(current_user, team):
        abort(403)
    form = MemberForm()
    if form.validate_on_submit():
        with rule_check(form) as check:
            member = create_account(current_user, phone=form.phone.data, name=form.name.data,
                                    password=form.password.data, role=Role.MEMBER, team=team)
        if check.passed:
            flash(_("Đã thêm %(name)s vào %(team)s. Họ đăng nhập bằng số %(phone)s.",
                    name=member.name, team=team.name, phone=member.phone), "success")
            return redirect(url_for("teams.show", team_id=team.id))
    return _render_team(team, member_form=form, status=422)


@bp.post("/teams/<int:team_id>/close")
@login_required
def close(team_id: int):
    team = visible_team_or_404(current_user, team_id)
    if not can_run_team(current_user, team):
        abort(403)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with rule_check() as check:
        close_team(current_user, team)
    if not check.passed:
        return _render_team(team, status=422)
    flash(_("%(team)s đã ngừng hoạt động; các lượt thăm của tổ vẫn được tính.", team=team.name), "success")
    return redirect(url_for("teams.commune", commune_id=team.village.parent_id))


# ---- one member ----------------------------------------------------------

def _render_member(member: User, *, move_form=None, deactivate_form=None, status: int = 200):
    assert member.team is not None  # member_or_404
    manages = can_run_team(current_user, member.team)
    move_form = move_form or MoveForm()
    if manages:
        commune = member.team.village.parent
        assert commune is not None  # a village always lies in a commune
        move_form.team_id.choices = [
            SelectChoice(t.id, f"{t.name} ({t.village.name})")
            for t in queries.commune_teams(commune, active_only=True) if t.id != member.team_id]
    return render_template(
        "teams/member.html", member=member, manages=manages,
        may_change=can_change_member(current_user, member), visits=queries.visit_count(member),
        reasons={c.value: c.label for c in REASON_CHOICES}, move_form=move_form, deactivate_form=deactivate_form or DeactivateForm(),
        reactivate_form=EmptyForm()), status


@bp.get("/members/<int:user_id>")
@login_required
def member(user_id: int):
    return _render_member(member_or_404(current_user, user_id))


@bp.post("/members/<int:user_id>/move")
@login_required
def move(user_id: int):
    member = member_or_404(current_user, user_id)
    assert member.team is not None  # member_or_404
    if not can_run_team(current_user, member.team):
        abort(403)
    form = MoveForm()
    if form.validate_on_submit():
        with rule_check(form) as check:
            move_member(current_user, member, posted_team(current_user, form.team_id.data))
        if check.passed:
            assert member.team is not None  # moved to a team
            flash(_("Đã chuyển %(name)s sang %(team)s.", name=member.name, team=member.team.name), "success")
            return redirect(url_for("teams.member", user_id=member.id))
    return _render_member(member, move_form=form, status=422)


@bp.post("/members/<int:user_id>/deactivate")
@login_required
def deactivate(user_id: int):
    member = member_or_404(current_user, user_id)
    if not can_change_member(current_user, member):
        abort(403)
    form = DeactivateForm()
    if form.validate_on_submit():
        with rule_check(form) as check:
            deactivate_member(current_user, member, form.reason.data, form.note.data)
        if check.passed:
            flash(_("%(name)s đã ngừng hoạt động và không đăng nhập được nữa; các lượt thăm vẫn được tính.",
                    name=member.name), "success")
            assert member.team is not None  # member_or_404
            village = member.team.village
            left = walk_queries.assigned_count(member)
            if left and can_assign_households(current_user, village):
                flash(_("%(name)s còn %(n)d hộ được giao. Hãy giao các hộ này cho người khác.",
                        name=member.name, n=left), "info")
                args: dict[str, Any] = {"village_id": village.id, "from": member.id}  # "from" is a Python keyword
                return redirect(url_for("walks.assign", **args) + "#assign")
            return redirect(url_for("teams.show", team_id=member.team_id))
    return _render_member(member, deactivate_form=form, status=422)


@bp.post("/members/<int:user_id>/reactivate")
@login_required
def reactivate(user_id: int):
    member = member_or_404(current_user, user_id)
    if not can_change_member(current_user, member):
        abort(403)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with rule_check() as check:
        reactivate_member(current_user, member)
    if not check.passed:
        return _render_member(member, status=422)
    flash(_("%(name)s đã hoạt động trở lại.", name=member.name), "success")
    return redirect(url_for("teams.member", user_id=member.id))
