"""/admin/integrations: API tokens and webhooks of the admin's area, with the delivery log."""
from flask import abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from ..access import is_admin, scope_path
from ..extensions import db
from ..forms import EmptyForm
from ..models import ApiToken, Area, AreaLevel, WebhookDelivery, WebhookEndpoint
from ..models.areas import within
from ..timeutil import utcnow
from ..unit_of_work import rule_check
from . import bp
from .forms import TokenForm, WebhookForm
from .tokens import create_token, revoke_token
from .webhooks import EVENTS, create_endpoint, revoke_endpoint


@bp.before_request
@login_required
def _admins_only():
    if not is_admin(current_user):
        abort(403)


def _prefix() -> str:
    return scope_path(current_user) or ""


def _areas() -> list[Area]:
    """Provinces and communes the admin may hand out (a national admin: the provinces)."""
    mine = current_user.area
    query = select(Area).where(Area.archived_at.is_(None)).order_by(Area.path)
    if mine is None:
        return list(db.session.scalars(query.where(Area.level == AreaLevel.PROVINCE)))
    return list(db.session.scalars(query.where(within(Area.path, mine.path),
                                               Area.level.in_((AreaLevel.PROVINCE, AreaLevel.COMMUNE)))))


def _area_or_none(area_id) -> Area | None:
    area = db.session.get(Area, area_id) if area_id is not None else None
    if area is None or not area.path.startswith(_prefix()) or area.level not in (AreaLevel.PROVINCE, AreaLevel.COMMUNE):
        return None
    return area


def _forms(token_form=None, webhook_form=None):
    areas = _areas()
    choices = [SelectChoice(a.id, a.name if a.level == AreaLevel.PROVINCE else f"— {a.name}") for a in areas]
    token_form = token_form or TokenForm(prefix="token")
    webhook_form = webhook_form or WebhookForm(prefix="hook")
    token_form.area_id.choices = choices
    webhook_form.area_id.choices = choices
    webhook_form.events.choices = [SelectChoice(code, str(label)) for code, label in EVENTS.items()]
    return token_form, webhook_form


def _render(status=200, *, token_form=None, webhook_form=None, new_token=None, new_secret=None):
    token_form, webhook_form = _forms(token_form, webhook_form)
    prefix = _prefix()
    tokens = db.session.scalars(select(ApiToken).join(Area, ApiToken.area_id == Area.id)
                                .where(within(Area.path, prefix)).order_by(ApiToken.id.desc())).all()
    endpoints = db.session.scalars(select(WebhookEndpoint).join(Area, WebhookEndpoint.area_id == Area.id)
                                   .where(within(Area.path, prefix)).order_by(WebhookEndpoint.id.desc())).all()
    deliveries = db.session.scalars(
        select(WebhookDelivery).join(WebhookEndpoint).join(Area, WebhookEndpoint.area_id == Area.id)
        .where(within(Area.path, prefix)).order_by(WebhookDelivery.id.desc()).limit(50)).all()
    response = make_response(render_template(
        "integrations/index.html", tokens=tokens, endpoints=endpoints, deliveries=deliveries, events=EVENTS,
        token_form=token_form, webhook_form=webhook_form, button=EmptyForm(), new_token=new_token,
        new_secret=new_secret), status)
    response.headers["Cache-Control"] = "no-store"  # a new token or secret is on the page once
    return response


@bp.get("")
def index():
    return _render()


def _create(form, form_name: str, make, refused_field):
    """Check the form and its area, then make the token or receiver: (what was made, None) or (None, a 422)."""
    def refused():
        return None, _render(422, **{form_name: form})
    if not form.validate_on_submit():
        return refused()
    area = _area_or_none(form.area_id.data)
    if area is None:
        form.area_id.errors.append(_("Địa bàn không có hoặc nằm ngoài phạm vi quản trị của bạn."))
        return refused()
    with rule_check(field=refused_field) as check:
        made = make(area)
    if not check.passed:
        return refused()
    return made, None


@bp.post("/tokens")
def create_token_view():
    form, _hook = _forms(TokenForm(prefix="token"))
    made, refusal = _create(form, "token_form", lambda area: create_token(current_user, form.name.data, area),
                            form.name)
    # The token is shown once, on this page; never flashed (the session cookie is readable).
    return refusal or _render(new_token=made[1])


def _own(model, object_id: int):
    obj = db.session.get(model, object_id)
    if obj is None or not obj.area.path.startswith(_prefix()):
        abort(404)
    return obj


def _revoke(obj, operation, done: str):
    """One POST button: revoke a token or turn off a receiver, audited by the operation."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    with rule_check() as check:
        operation(current_user, obj, utcnow())
    if check.passed:
        flash(done, "success")
    return redirect(url_for("integrations.index"))


@bp.post("/tokens/<int:token_id>/revoke")
def revoke_token_view(token_id: int):
    token = _own(ApiToken, token_id)
    return _revoke(token, revoke_token, _("Đã thu hồi mã truy cập “%(name)s”; mã không còn dùng được.", name=token.name))


@bp.post("/webhooks")
def create_webhook_view():
    _tok, form = _forms(webhook_form=WebhookForm(prefix="hook"))
    made, refusal = _create(form, "webhook_form", lambda area: create_endpoint(
        current_user, form.url.data, area, form.events.data), form.url)
    return refusal or _render(new_secret=made.secret)


@bp.post("/webhooks/<int:endpoint_id>/revoke")
def revoke_webhook_view(endpoint_id: int):
    endpoint = _own(WebhookEndpoint, endpoint_id)
    return _revoke(endpoint, revoke_endpoint, _("Đã tắt địa chỉ nhận %(url)s.", url=endpoint.url))
