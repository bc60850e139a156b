"""Household door stickers: a QR per household, printed by the village's leader or the commune officer. A member of
the village who scans it goes on to the household; anyone else (a resident) gets a page about the team."""
from dataclasses import dataclass
from datetime import datetime

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..access import can_open_sticker, sticker_village_or_404
from ..extensions import db
from ..forms import EmptyForm, flash_expired_form
from ..input_guard import bounded_int
from ..models import Household, HouseholdTag, Team, User
from ..qrcodes import new_token, plausible_token, private_page
from ..rules import RuleError
from ..timeutil import utcnow
from ..unit_of_work import rule_check
from . import bp

# --- Reads ------------------------------------------------------------------------------------

def household_by_tag(token: str) -> Household | None:
    if not plausible_token(token):
        return None
    return db.session.scalar(select(Household).join(HouseholdTag, HouseholdTag.household_id == Household.id)
                             .where(HouseholdTag.token == token))


def village_team_names(village_id: int) -> list[str]:
    return list(db.session.scalars(select(Team.name).where(Team.village_id == village_id, Team.active.is_(True))
                                   .order_by(Team.name, Team.id)))


@dataclass
class StickerPage:
    items: list[tuple[Household, str]]
    untagged: int
    total: int
    page: int
    pages: int


def sticker_page(village_id: int, page: int = 1, per_page: int = 120) -> StickerPage:
    """Households of the village that have a sticker token, by house code; five A4 sheets a page."""
    base = (select(Household, HouseholdTag.token)
            .join(HouseholdTag, HouseholdTag.household_id == Household.id)
            .where(Household.village_id == village_id))
    total = db.session.execute(select(func.count()).select_from(base.subquery())).scalar_one()
    all_households = db.session.execute(
        select(func.count()).select_from(Household).where(Household.village_id == village_id)).scalar_one()
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    items = db.session.execute(base.order_by(Household.code, Household.id)
                               .limit(per_page).offset((page - 1) * per_page)).all()
    return StickerPage(items=[(h, t) for h, t in items], untagged=all_households - total,
                       total=total, page=page, pages=pages)


def untagged_households(village_id: int) -> list[Household]:
    return list(db.session.scalars(
        select(Household).outerjoin(HouseholdTag, HouseholdTag.household_id == Household.id)
        .where(Household.village_id == village_id, HouseholdTag.id.is_(None))))


# --- The write --------------------------------------------------------------------------------

def prepare_stickers(actor: User, village, now: datetime) -> int:
    """Gives a sticker token to every household of the village that has none yet."""
    households: list[Household] = untagged_households(village.id)
    for household in households:
        db.session.add(HouseholdTag(household_id=household.id, token=new_token(), created_at=now))
    try:
        db.session.flush()
    except IntegrityError:
        raise RuleError(_("Tem đang được chuẩn bị ở một máy khác. Hãy tải lại trang.")) from None
    if households:
        audit.record(actor, "stickers_prepare", village, area_path=village.path,
                     entity_type="area", after={"households": len(households)})
    return len(households)


# --- Pages ------------------------------------------------------------------------------------

@bp.get("/villages/<int:village_id>/stickers")
@login_required
def stickers(village_id: int):
    village = sticker_village_or_404(current_user, village_id)
    page = sticker_page(village.id, page=request.args.get("page", 1, type=bounded_int))
    return private_page("households/stickers.html", village=village, result=page, form=EmptyForm())


@bp.post("/villages/<int:village_id>/stickers/prepare", endpoint="prepare_stickers")
@login_required
def prepare_stickers_view(village_id: int):
    village = sticker_village_or_404(current_user, village_id)
    if not EmptyForm().validate_on_submit():
        flash_expired_form()
    else:
        with rule_check() as check:
            n = prepare_stickers(current_user, village, utcnow())
        if check.passed:
            flash(_("Đã chuẩn bị tem cho %(n)d hộ.", n=n), "success")
    return redirect(url_for("households.stickers", village_id=village.id))


@bp.get("/h/<path:token>")  # public: a resident scans their own door sticker
def sticker(token: str):
    """A member of the village goes on to the household; anyone else (a resident) gets a page about
    the team and the last visit, with how to check a member's badge, and no personal data."""
    household = household_by_tag(token)
    if household is not None and household.deleted_at is not None:
        household = None
    if household is None:
        return private_page("households/resident_invalid.html", 404, commune=None)
    if current_user.is_authenticated and can_open_sticker(current_user, household):
        return redirect(url_for("households.show", household_id=household.id))
    village = household.village
    return private_page("households/resident.html", village=village, commune=village.parent,
                        teams=village_team_names(village.id), last_visit=household.last_visited_at, token=token)
