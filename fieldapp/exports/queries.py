"""Raw visits and assistance lines of an area over local days, as plain rows for a spreadsheet.

Two queries per table whatever the size (joined columns, no ORM objects, no lazy loads), bounded
by MAX_ROWS: a larger export is refused with a message asking for a shorter range.
"""
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from ..counting import day_bounds, live_visits, local_day
from ..extensions import db
from ..leaderboards.queries import villages_under
from ..models import Area, Assistance, Household, Role, Service, TallyDay, TallyKind, Team, User, Visit
from ..models.tallies import VISIT_ROW
from ..timeutil import to_local
from ..visits.rules import OUTCOME_NAMES

MAX_DAYS = 366
MAX_ROWS = 50_000        # visits in one CSV (about 0.3 s and 8 MB per 20,000)
MAX_XLSX_ROWS = 50_000   # visits in one XLSX, made by the worker past XLSX_INLINE_ROWS
# Above these the file is made by the background worker (a job with a progress bar and a download link),
# not in the request: openpyxl (without lxml) writes ~35,000 cells a second, ~16 cells a visit with its
# assistance lines, so 1,000 visits are ~0.5 s; CSV is ~10x faster.
XLSX_INLINE_ROWS = 1_000
CSV_INLINE_ROWS = 10_000

Village = aliased(Area, name="village")
Commune = aliased(Area, name="commune")


def _visits_in(area: Area, start: date, end: date):
    lo, hi = day_bounds(start, end)
    return (live_visits(Visit.id).join(Village, Village.id == Household.village_id)
            .where(villages_under(area, Village), Visit.visited_at >= lo, Visit.visited_at < hi))


def count_visits(area: Area, start: date, end: date) -> int:
    """The live visits an export of these local days would hold, from the area's counters (the figure its
    dashboard shows): at most one row a day, so refusing a province's year costs what a commune's week does."""
    return int(db.session.execute(select(func.coalesce(func.sum(TallyDay.visits), 0)).where(
        TallyDay.kind == TallyKind.AREA, TallyDay.ref_id == area.id, TallyDay.service_id == VISIT_ROW,
        TallyDay.day >= start, TallyDay.day <= end)).scalar_one())


def visit_headers(personal: bool) -> list[str]:
    from flask_babel import gettext as _
    headers = [_("Mã lượt thăm"), _("Ngày"), _("Giờ"), _("Xã/phường"), _("Thôn"), _("Tổ"), _("Thành viên"),
               _("Mã hộ"), _("Mã kết quả"), _("Kết quả")]
    if personal:
        headers += [_("Chủ hộ"), _("Số điện thoại"), _("Ghi chú")]
    return headers


def visit_rows(area: Area, start: date, end: date, personal: bool) -> list[list]:
    cols = [Visit.id, Visit.visited_at, Commune.name, Village.name, Team.name, User.name, Household.code,
            Visit.outcome]
    if personal:
        cols += [Household.head_name, Household.head_phone, Visit.note]
    stmt = (_visits_in(area, start, end).with_only_columns(*cols)
            .outerjoin(Commune, Commune.id == Village.parent_id)
            .join(Team, Team.id == Visit.team_id).join(User, User.id == Visit.member_id)
            .order_by(Visit.visited_at, Visit.id).limit(MAX_ROWS + 1))
    names = {k: str(v) for k, v in OUTCOME_NAMES.items()}
    rows = []
    for vid, visited_at, commune, village, team, member, code, outcome, *extra in db.session.execute(stmt):
        local = to_local(visited_at)
        rows.append([vid, local.date(), local.strftime("%H:%M"), commune, village, team, member, code,
                     outcome, names.get(outcome, outcome), *extra])
    return rows


def assistance_headers() -> list[str]:
    from flask_babel import gettext as _
    return [_("Mã lượt thăm"), _("Ngày"), _("Thôn"), _("Mã dịch vụ"), _("Dịch vụ"), _("Số lượng")]


def assistance_rows(area: Area, start: date, end: date) -> list[list]:
    """At most one line per visit and service: bounded by count_visits() times the services."""
    stmt = (_visits_in(area, start, end)
            .with_only_columns(Visit.id, Visit.visited_at, Village.name, Service.code, Service.name, Assistance.count)
            .join(Assistance, Assistance.visit_id == Visit.id).join(Service, Service.id == Assistance.service_id)
            .order_by(Visit.visited_at, Visit.id, Service.sort_order, Service.id))
    return [[vid, local_day(visited_at), village, code, name, int(n)]
            for vid, visited_at, village, code, name, n in db.session.execute(stmt)]


def area_choices(user: User, area: Area | None, requested: Area | None) -> list[Area]:
    """What the area select offers: the user's area and the areas just below it (a leader: the
    village), for an admin the provinces; plus an area asked for by a dashboard link."""
    if user.role == Role.ADMIN:
        base = list(db.session.scalars(select(Area).where(Area.parent_id.is_(None), Area.archived_at.is_(None))
                                       .order_by(Area.name, Area.id)))
    elif area is None:
        base = []
    else:
        base = [area]
        if area.level != "village":
            base += list(db.session.scalars(select(Area).where(Area.parent_id == area.id,
                                                               Area.archived_at.is_(None))
                                            .order_by(Area.name, Area.id)))
    if requested is not None and all(a.id != requested.id for a in base):
        base.insert(0, requested)
    return base
