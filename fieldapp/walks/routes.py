"""The walk: who goes where, the walk sheet (A4), the paper sheet typed back in, "Kết quả của tôi"."""
import uuid
from datetime import date, datetime, time

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from ..access import (
    area_or_404,
    can_assign_households,
    can_enter_paper_visits,
    can_record_in_village,
    household_or_404,
    is_in_team,
    is_leader,
)
from ..counting import earliest_visit_day, live_households, today
from ..extensions import db
from ..households.queries import filtered, remaining_per_service
from ..input_guard import bounded_int
from ..models import AreaLevel, Household, User
from ..services.queries import active_services
from ..timeutil import BadDate, parse_day, to_local
from ..unit_of_work import rule_check
from ..visits.forms import visit_form_class
from ..visits.operations import CREATED, DUPLICATE, REJECTED, VisitRecord, save_visits
from ..write_turns import take_write_turn
from . import bp, queries
from .forms import AssignForm, PaperVisitForm
from .operations import assign_households


def _village_or_404(village_id: int):
    village = area_or_404(current_user, village_id)
    if village.level != AreaLevel.VILLAGE:
        abort(404)
    return village


def _leader_village(village_id: int):
    village = _village_or_404(village_id)
    if not can_assign_households(current_user, village):
        abort(403)
    return village


# --- Who goes where ------------------------------------------------------------------------------

def _render_assign(village, form: AssignForm, status: int = 200):
    team = current_user.team
    on = today()
    members = queries.team_members(team)
    covers = queries.coverage(village.id, on)
    names = queries.assignee_names(village.id)
    stranded = queries.stranded(village.id, team)
    form.member_id.choices = [SelectChoice(0, _("— Không giao ai (bỏ giao) —"))] + [
        SelectChoice(m.id, m.name) for m in members]
    form.from_member.choices = [SelectChoice(uid, names[uid].name) for uid in sorted(names, key=lambda i: names[i].name)]
    q = (request.args.get("q") or "")[:100]
    listed = list(db.session.scalars(filtered(live_households().where(Household.village_id == village.id), "all",
                                              on=on, q=q).order_by(Household.code, Household.id)))
    form.households.choices = [(h.id, h.code) for h in listed]
    return render_template("walks/assign.html", village=village, form=form, members=members, covers=covers,
                           names=names, stranded=stranded, listed=listed, q=q, today=on), status


@bp.route("/villages/<int:village_id>/assign", methods=["GET", "POST"])
@login_required
def assign(village_id: int):
    village = _leader_village(village_id)
    form = AssignForm()
    if request.method == "GET":
        came_from = request.args.get("from", type=bounded_int)
        if came_from:
            form.how.data, form.from_member.data = "from", came_from
        elif request.args.get("q"):
            form.how.data = "pick"  # the search narrows the list to pick from
        return _render_assign(village, form)
    if not form.validate_on_submit():
        return _render_assign(village, form, 422)
    member = db.session.get(User, form.member_id.data) if form.member_id.data else None
    if form.member_id.data and member is None:
        form.member_id.errors.append(_("Không tìm thấy người được chọn."))
        return _render_assign(village, form, 422)
    picked = _picked(village, form)
    if picked is None:
        return _render_assign(village, form, 422)
    with rule_check(form) as check:
        n = assign_households(current_user, village, picked, member)
    if not check.passed:
        return _render_assign(village, form, 422)
    if member is None:
        flash(_("Đã bỏ giao %(n)d hộ.", n=n), "success")
    elif n:
        flash(_("Đã giao %(n)d hộ cho %(name)s.", n=n, name=member.name), "success")
    else:
        flash(_("Các hộ đã chọn đều đã giao cho %(name)s.", name=member.name), "info")
    return redirect(url_for("walks.assign", village_id=village.id))


def _picked(village, form: AssignForm) -> list[Household] | None:
    """The households the form chose; None (with the message under its field) when it chose nothing."""
    how = form.how.data
    if how == "range":
        lo, hi = (form.code_from.data or "").strip(), (form.code_to.data or "").strip()
        if not lo or not hi:
            form.code_from.errors.append(_("Nhập cả mã hộ đầu và mã hộ cuối của khoảng."))
            return None
        found = queries.pick_households(village.id, codes=(lo, hi))
        where = form.code_from
    elif how == "filter":
        key = form.filter.data
        base = live_households().where(Household.village_id == village.id)
        if key == "unassigned":
            base = base.where(Household.assignee_id.is_(None))
        found = queries.pick_households(village.id, stmt=filtered(base, None if key == "unassigned" else key,
                                                                  on=today(), q=form.q.data))
        where = form.filter
    elif how == "from":
        found = queries.pick_households(village.id, stmt=live_households().where(
            Household.village_id == village.id, Household.assignee_id == form.from_member.data))
        where = form.from_member
    else:
        found = queries.pick_households(village.id, ids=[i for i in form.households.data or [] if len(i) <= 36])
        where = form.households
    if not found:
        where.errors = list(where.errors) + [_("Không có hộ nào khớp lựa chọn này.")]
        return None
    return found


# --- The walk sheet (A4) ---------------------------------------------------------------------------

@bp.get("/villages/<int:village_id>/walk-sheet")
@login_required
def sheet(village_id: int):
    village = _village_or_404(village_id)
    if not can_record_in_village(current_user, village):
        abort(403)
    leads = is_leader(current_user)
    has_own = queries.assigned_count(current_user) > 0
    raw = request.args.get("member", str(current_user.id) if has_own and not leads else "all")
    member = None
    if raw != "all":
        member = db.session.get(User, bounded_int(raw)) if raw.isdigit() and len(raw) < 12 else None
        if member is None or member.team_id != current_user.team_id:
            abort(404)
    if not leads and (member.id != current_user.id if member else has_own):
        abort(403)  # a member prints their own sheet (the village's when none is assigned to them)
    return render_template("walks/sheet.html", village=village, member=member,
                           households=queries.sheet_households(village.id, member.id if member else None),
                           services=active_services(), members=queries.team_members(current_user.team) if leads else [],
                           today=today(), leads=leads)


# --- Typing a paper sheet back in ------------------------------------------------------------------

def _day_arg(default: date) -> date:
    raw = (request.args.get("day") or "").strip()
    if not raw:
        return default
    try:
        day = parse_day(raw)
    except BadDate as err:
        abort(400, description=str(err))
    earliest, last = earliest_visit_day(), today()
    if not earliest <= day <= last:  # a sheet of a day no visit may be dated (and no day_bounds overflow)
        abort(400, description=_("Chỉ nhập phiếu giấy của các ngày từ %(a)s đến hôm nay (%(b)s).",
                                 a=earliest.strftime("%d/%m/%Y"), b=last.strftime("%d/%m/%Y")))
    return day


def _paper_member(team) -> User | None:
    raw = request.args.get("member", type=bounded_int)
    if raw is None:
        return None
    member = db.session.get(User, raw)
    if member is None or not can_enter_paper_visits(current_user, member):
        abort(404)
    return member


@bp.get("/villages/<int:village_id>/paper")
@login_required
def paper(village_id: int):
    village = _leader_village(village_id)
    team = current_user.team
    members = queries.team_members(team, active_only=False)
    member = _paper_member(team) or next((m for m in members if m.active), current_user)
    day = _day_arg(today())
    covers = queries.coverage(village.id, today())
    show_all = request.args.get("all") == "1" or not covers.get(member.id)
    q = (request.args.get("q") or "")[:100]
    stmt = live_households().where(Household.village_id == village.id)
    if not show_all:
        stmt = stmt.where(Household.assignee_id == member.id)
    households = list(db.session.scalars(filtered(stmt, None, on=today(), q=q).order_by(Household.code, Household.id)))
    entered = queries.paper_entries(village.id, current_user.id, member.id, day)
    return render_template("walks/paper.html", village=village, members=members, member=member, day=day,
                           households=households, entered=entered, show_all=show_all, q=q,
                           earliest=earliest_visit_day(), today=today(), has_assigned=bool(covers.get(member.id)))


@bp.route("/households/<household_id>/paper", methods=["GET", "POST"])
@login_required
def paper_visit(household_id: str):
    household = household_or_404(current_user, household_id)
    village = household.village
    if not can_assign_households(current_user, village):
        abort(403)
    team = current_user.team
    members = queries.team_members(team, active_only=False)
    services = active_services()
    form = visit_form_class(services, PaperVisitForm)()
    form.member_id.choices = [SelectChoice(m.id, m.name if m.active else _("%(name)s (đã nghỉ)", name=m.name))
                              for m in members]
    day = _day_arg(today())
    form.offer_return_days(day)
    if not form.is_submitted():
        member = _paper_member(team)
        form.member_id.data = member.id if member else None
        form.visited_at.data = datetime.combine(day, time(9, 0))
        form.client_id.data = str(uuid.uuid4())
    back = url_for("walks.paper", village_id=village.id, member=form.member_id.data, day=day.isoformat())
    data = form.visit_data() if form.validate_on_submit() else None
    if data is not None:
        member = db.session.get(User, form.member_id.data)
        if member is None or member.team_id != team.id:
            form.member_id.errors.append(_("Chỉ nhập lượt thăm cho thành viên của tổ mình."))
        else:
            client_id = str(uuid.UUID(form.client_id.data)) if _is_uuid(form.client_id.data) else str(uuid.uuid4())
            code = household.code
            take_write_turn()
            result, = save_visits(current_user._get_current_object(), [
                VisitRecord(client_id, household.id, data, member=member, paper=True)], {s.code: s for s in services})
            if result.status == REJECTED:
                db.session.rollback()  # nothing of it stays; the form is shown again with the reason
            if result.status in (CREATED, DUPLICATE):
                flash(_("Đã nhập lượt thăm hộ %(code)s cho %(name)s.", code=code, name=member.name)
                      if result.status == CREATED else _("Lượt thăm này đã được lưu trước đó."), "success")
                return redirect(url_for("walks.paper", village_id=village.id, member=member.id,
                                        day=to_local(data.visited_at).date().isoformat()))
            assert result.error is not None  # every rejected record carries its message
            form.apply_errors({"": result.error} if "id" in result.errors else result.errors)
    return render_template("visits/form.html", form=form, household=household, visit=None, paper={"back": back},
                           remaining=remaining_per_service(household), earliest=earliest_visit_day(),
                           today=today()), 422 if form.is_submitted() else 200


def _is_uuid(value: str | None) -> bool:
    try:
        uuid.UUID(value or "")
        return True
    except ValueError:
        return False


# --- Kết quả của tôi ----------------------------------------------------------------------------------

@bp.get("/me/results")
@login_required
def my_results():
    if not is_in_team(current_user):
        abort(403)
    if current_user.team is None:
        abort(404)
    return render_template("walks/results.html", r=queries.my_results(current_user, today()), today=today())
