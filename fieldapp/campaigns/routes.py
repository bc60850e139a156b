from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..access import can_run_campaign, can_see_reports, can_set_targets
from ..counting import area_stats, eligible, today
from ..extensions import db
from ..forms import EmptyForm
from ..input_guard import bounded_int
from ..leaderboards.queries import board_area_or_404
from ..models import AreaLevel, Campaign, CampaignTarget
from ..services.queries import active_services, all_services
from ..teams.queries import open_villages
from ..unit_of_work import rule_check
from . import bp
from .forms import campaign_form_class
from .operations import (
    CampaignData,
    create_campaign,
    freeze_campaign,
    reopen_campaign,
    set_targets,
)
from .queries import campaign_boards, campaign_or_404, view_area, visible_campaigns

TEAMS_PER_PAGE = 50


@bp.get("/campaigns")
@login_required
def index():
    campaigns = db.session.scalars(visible_campaigns().order_by(Campaign.starts_on.desc(), Campaign.id.desc())).all()
    area = current_user.scope_area
    return render_template("campaigns/index.html", campaigns=campaigns, today=today(),
                           can_create=area is not None and can_run_campaign(current_user, area))


@bp.route("/campaigns/new", methods=["GET", "POST"])
@login_required
def new():
    area = current_user.scope_area
    if area is None or not can_run_campaign(current_user, area):
        abort(403)
    services = active_services()
    form = campaign_form_class(services)()
    if form.validate_on_submit():
        data = CampaignData(name=form.name.data, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                            points=form.points())
        with rule_check(form) as check:
            campaign = create_campaign(current_user, area, data)
        if check.passed:
            flash(_("Đã tạo đợt thi đua “%(name)s”.", name=campaign.name), "success")
            return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    status = 422 if form.is_submitted() else 200
    return render_template("campaigns/form.html", form=form, area=area), status


@bp.get("/campaigns/<int:campaign_id>")
@login_required
def show(campaign_id: int):
    campaign = campaign_or_404(campaign_id)
    where = view_area(campaign)
    communes = [where] if where.level == AreaLevel.COMMUNE else []
    target_communes = [c for c in communes if can_set_targets(current_user, campaign, c)]
    boards = campaign_boards(campaign, where)
    teams, pages = boards["teams"], max(1, -(-len(boards["teams"]) // TEAMS_PER_PAGE))
    page = min(max(request.args.get("page", 1, type=bounded_int), 1), pages)
    boards["teams"] = teams[(page - 1) * TEAMS_PER_PAGE:page * TEAMS_PER_PAGE]  # ranked on all, one page sent
    return render_template("campaigns/show.html", campaign=campaign, where=where, boards=boards,
                           team_pages=(page, pages, len(teams), TEAMS_PER_PAGE), today=today(), form=EmptyForm(), target_communes=target_communes,
                           can_freeze=can_run_campaign(current_user, campaign.area) and campaign.frozen_at is None
                           and campaign.ends_on < today(),
                           can_reopen=can_run_campaign(current_user, campaign.area) and campaign.frozen_at is not None,
                           can_print=campaign.frozen_at is not None and where.level != AreaLevel.VILLAGE
                           and can_see_reports(current_user))


def _organiser_action(campaign_id: int, operation, done: str):
    """Freeze or reopen: the organiser only, a real form, one commit, back to the campaign."""
    campaign = campaign_or_404(campaign_id)
    if not can_run_campaign(current_user, campaign.area):
        abort(403)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with rule_check() as check:
        operation(current_user, campaign)
    if check.passed:
        flash(done, "success")
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))


@bp.post("/campaigns/<int:campaign_id>/freeze")
@login_required
def freeze(campaign_id: int):
    return _organiser_action(campaign_id, freeze_campaign,
                             _("Đã chốt kết quả đợt thi đua. Nếu chốt nhầm, bấm “Mở lại kết quả” bên dưới."))


@bp.post("/campaigns/<int:campaign_id>/reopen")
@login_required
def reopen(campaign_id: int):
    return _organiser_action(campaign_id, reopen_campaign, _(
        "Đã mở lại kết quả: bảng xếp hạng lại tính theo các lượt thăm hiện có. Hãy chốt lại khi xong."))


@bp.route("/campaigns/<int:campaign_id>/targets/<int:commune_id>", methods=["GET", "POST"])
@login_required
def targets(campaign_id: int, commune_id: int):
    campaign = campaign_or_404(campaign_id)
    commune = board_area_or_404(commune_id)
    if commune.level != AreaLevel.COMMUNE or not commune.path.startswith(campaign.area.path):
        abort(404)
    if not can_set_targets(current_user, campaign, commune):
        abort(403)
    villages = open_villages(commune)
    counted = {cs.service_id for cs in campaign.services}
    services = [s for s in all_services() if s.id in counted]
    stats = area_stats([v.id for v in villages])
    current = {(t.village_id, t.service_id): t.target for t in db.session.scalars(
        select(CampaignTarget).where(CampaignTarget.campaign_id == campaign.id,
                                     CampaignTarget.village_id.in_([v.id for v in villages])))}
    form = EmptyForm()
    errors: dict[str, str] = {}
    values = {f"t_{k[0]}_{k[1]}": str(v) for k, v in current.items()}
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        parsed: dict[tuple[int, int], int | None] = {}
        for v in villages:
            for s in services:
                name = f"t_{v.id}_{s.id}"
                raw = (request.form.get(name) or "").strip().replace(".", "")
                values[name] = raw
                if not raw:
                    parsed[(v.id, s.id)] = None
                elif raw.isdigit():
                    parsed[(v.id, s.id)] = int(raw)
                else:
                    errors[name] = _("Chỉ tiêu là số nguyên dương (hoặc để trống).")
        if not errors:
            with rule_check(quiet=True) as check:
                set_targets(current_user, campaign, commune, parsed)
            if check.error is not None:
                errors = check.error.errors
            else:
                flash(_("Đã lưu chỉ tiêu."), "success")
                return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    rows = [{"village": v, "cells": [{"service": s, "name": f"t_{v.id}_{s.id}",
                                      "eligible": eligible(s, stats.get(v.id, {}))} for s in services]}
            for v in villages]
    return render_template("campaigns/targets.html", campaign=campaign, commune=commune, rows=rows,
                           services=services, values=values, errors=errors, form=form), 422 if errors else 200


@bp.get("/campaigns/<int:campaign_id>/commendation")
@login_required
def commendation(campaign_id: int):
    campaign = campaign_or_404(campaign_id)
    where = view_area(campaign)
    if not can_see_reports(current_user) or where.level == AreaLevel.VILLAGE:
        abort(403)
    if campaign.frozen_at is None:
        flash(_("Hãy chốt kết quả đợt thi đua trước khi in danh sách đề nghị khen thưởng."), "error")
        return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    teams_n = min(max(request.args.get("teams", 3, type=int), 1), 50)
    members_n = min(max(request.args.get("members", 5, type=int), 1), 50)
    boards = campaign_boards(campaign, where)
    return render_template("campaigns/commendation.html", campaign=campaign, where=where,
                           teams=boards["teams"][:teams_n], members=boards["members"][:members_n],
                           communes=boards["communes"][:teams_n], services=(campaign.snapshot or {}).get("services", {}))
