from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from ..access import (
    can_post_notice,
    can_read_notice,
    can_view_area,
    is_commune_officer,
    is_in_team,
    managed_commune_or_404,
    notice_team,
)
from ..extensions import db
from ..forms import EmptyForm
from ..input_guard import in_int_range
from ..models import Notice
from ..timeutil import utcnow
from ..unit_of_work import rule_check
from . import bp
from .forms import EVERY_TEAM, NoticeForm
from .operations import NoticeData, archive_notice, mark_seen, post_notice, restore_notice
from .queries import (
    campaigns_for,
    commune_notices,
    has_seen,
    is_live,
    notices_by_id,
    notices_for,
    reach_by_team,
    reach_of,
    today,
)

MAX_SEEN_BATCH = 100


def _notice_or_404(notice_id: int) -> Notice:
    """Readable by its commune's teams and officer; 403 for a viewer above; 404 for everyone else."""
    notice = db.session.get(Notice, notice_id)
    if notice is None:
        abort(404)
    if can_post_notice(current_user, notice.commune) or can_read_notice(current_user, notice):
        return notice
    if not is_in_team(current_user) and can_view_area(current_user, notice.commune):
        abort(403)
    abort(404)


def _home():
    """Where a member goes back to: their village's list (their home screen)."""
    team = notice_team(current_user)
    return url_for("households.village", village_id=team.village_id) if team else url_for("core.index")


# --- The commune officer ---------------------------------------------------------------------------

@bp.get("/communes/<int:commune_id>/notices")
@login_required
def commune(commune_id: int):
    commune = managed_commune_or_404(current_user, commune_id)  # a team's user 404, a province viewer 403
    live, old = commune_notices(commune)
    return render_template("notices/commune.html", commune=commune, live=live, old=old,
                           reach=reach_of(live + old, commune), today=today())


def _form(commune) -> NoticeForm:
    form = NoticeForm()
    form.audience.choices = [SelectChoice(EVERY_TEAM, _("Tất cả các tổ trong xã"))] + [
        SelectChoice(str(c.id), _("Các tổ tham gia đợt thi đua “%(name)s” (%(start)s – %(end)s)", name=c.name,
                                  start=c.starts_on.strftime("%d/%m"), end=c.ends_on.strftime("%d/%m/%Y")))
        for c in campaigns_for(commune)]
    return form


@bp.route("/communes/<int:commune_id>/notices/new", methods=["GET", "POST"])
@login_required
def new(commune_id: int):
    commune = managed_commune_or_404(current_user, commune_id)  # a team's user 404, a province viewer 403
    form = _form(commune)
    if form.validate_on_submit():
        data = NoticeData(title=form.title.data, body=form.body.data, expires_on=form.expires_on.data,
                          campaign_id=form.campaign_id())
        with rule_check(form) as check:
            notice = post_notice(current_user, commune, data)
        if check.passed:
            flash(_("Đã gửi thông báo “%(title)s” đến các tổ. Thông báo hiện đến hết ngày %(day)s.",
                    title=notice.title, day=notice.expires_on.strftime("%d/%m/%Y")), "success")
            return redirect(url_for("notices.show", notice_id=notice.id))
    status = 422 if form.is_submitted() else 200
    return render_template("notices/form.html", form=form, commune=commune), status


def _officer_action(notice_id: int, operation, done: str):
    notice = _notice_or_404(notice_id)
    if not can_post_notice(current_user, notice.commune):
        abort(403)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with rule_check() as check:
        operation(current_user, notice)
    if check.passed:
        flash(done, "success")
    return redirect(url_for("notices.show", notice_id=notice.id))


@bp.post("/notices/<int:notice_id>/archive")
@login_required
def archive(notice_id: int):
    return _officer_action(notice_id, archive_notice,
                           _("Đã lưu trữ thông báo: nó không còn hiện trên màn hình của các tổ."))


@bp.post("/notices/<int:notice_id>/restore")
@login_required
def restore(notice_id: int):
    return _officer_action(notice_id, restore_notice, _("Đã khôi phục thông báo: các tổ lại thấy nó."))


# --- One notice: the officer's follow-up, or the member's reading ----------------------------------

@bp.get("/notices/<int:notice_id>")
@login_required
def show(notice_id: int):
    notice = _notice_or_404(notice_id)
    if can_post_notice(current_user, notice.commune):
        teams = reach_by_team(notice)
        return render_template("notices/show.html", notice=notice, teams=teams, live=is_live(notice),
                               seen=sum(t.seen for t in teams), members=sum(t.members for t in teams),
                               form=EmptyForm(), today=today())
    item = next((m for m in notices_for(current_user) if m.notice.id == notice.id), None)
    return render_template("notices/read.html", notice=notice, item=item, live=is_live(notice), form=EmptyForm(),
                           seen=item.seen if item else has_seen(current_user, notice))


BACK = {"home": lambda n: _home(), "list": lambda n: url_for("notices.mine"),
        "notice": lambda n: url_for("notices.show", notice_id=n.id)}


@bp.post("/notices/<int:notice_id>/seen")
@login_required
def seen(notice_id: int):
    """The member taps "Đã xem": counted once for them, and off their home screen."""
    notice = _notice_or_404(notice_id)
    if not can_read_notice(current_user, notice):
        abort(403)
    if not EmptyForm().validate_on_submit():
        abort(400)
    mark_seen(current_user, [notice])
    flash(_("Đã ghi nhận: bạn đã xem thông báo “%(title)s”.", title=notice.title), "success")
    return redirect(BACK.get(request.form.get("back", ""), BACK["home"])(notice))


# --- A member's list --------------------------------------------------------------------------------

@bp.get("/notices")
@login_required
def mine():
    if notice_team(current_user) is None:
        if is_commune_officer(current_user):
            return redirect(url_for("notices.commune", commune_id=current_user.area_id))
        abort(403)
    return render_template("notices/mine.html", items=notices_for(current_user), form=EmptyForm())


# --- For the offline app (IndexedDB): the live notices, and "đã xem" queued on the phone -------------

def notice_json(item) -> dict:
    n = item.notice
    return {"id": n.id, "title": n.title, "body": n.body, "created_at": n.created_at.isoformat() + "Z",
            "expires_on": n.expires_on.isoformat(), "seen": item.seen,
            "campaign": None if n.campaign is None else {"id": n.campaign.id, "name": n.campaign.name},
            "team_seen": item.team_seen, "team_members": item.team_members}


@bp.get("/api/v1/notices")
@login_required
def api_list():
    return jsonify(notices=[notice_json(m) for m in notices_for(current_user)], today=today().isoformat(),
                   server_time=utcnow().isoformat() + "Z")


@bp.post("/api/v1/notices/seen")
@login_required
def api_seen():
    body = request.get_json(silent=True)
    ids = body.get("ids") if isinstance(body, dict) else None
    if not isinstance(ids, list) or not ids or len(ids) > MAX_SEEN_BATCH or not all(
            isinstance(i, int) and not isinstance(i, bool) and in_int_range(i) for i in ids):
        return jsonify(error=_("Cần danh sách “ids” gồm từ 1 đến %(n)d mã thông báo (số nguyên).",
                               n=MAX_SEEN_BATCH)), 400
    counted = mark_seen(current_user, notices_by_id(ids))
    # Unknown, or not for this member: "unknown" (the phone drops it either way; nothing to retry).
    return jsonify(results=[{"id": i, "status": "seen" if i in counted else "unknown"} for i in ids])
