"""Households, visits, outreach sessions and door stickers: who sees them, who records and changes them."""
from flask import abort

from ..extensions import db
from ..models import Area, AreaLevel, Household, OutreachSession, Role, User, Visit
from .areas import can_oversee_village, can_view_area, scope_path
from .teams import works_in_village


def can_view_household(user: User, household: Household) -> bool:
    prefix = scope_path(user)
    return prefix is not None and household.village.path.startswith(prefix)


def can_record_in_village(user: User, village: Area) -> bool:
    """Only members and leaders of a team of this village log visits and add households."""
    return works_in_village(user, village) and village.archived_at is None


def can_edit_household(user: User, household: Household) -> bool:
    return can_record_in_village(user, household.village)


def can_edit_visit(user: User, visit: Visit, now, window_hours: int) -> bool:
    if user.role == Role.LEADER:
        return user.team_id == visit.team_id
    if user.role == Role.MEMBER:
        return (visit.member_id == user.id
                and (now - visit.received_at).total_seconds() <= window_hours * 3600)
    return False


def can_enter_paper_visits(actor: User, member: User) -> bool:
    """A team's leader enters the visits of a paper walk sheet, credited to the member of the team who made them."""
    return (actor.role == Role.LEADER and actor.team_id is not None and member.team_id == actor.team_id
            and member.role in Role.TEAM_ROLES)


def can_assign_households(user: User, village: Area) -> bool:
    """The leader of a team of the village says who of the team goes where."""
    return user.role == Role.LEADER and can_record_in_village(user, village)


def can_run_village(user: User, village: Area) -> bool:
    """The leader of a team of the village, or the commune officer over it (or an admin): prints the door
    stickers, imports the village's households."""
    if user.role == Role.LEADER:
        return user.team is not None and user.team.village_id == village.id
    return can_oversee_village(user, village)


def can_open_sticker(user: User, household: Household) -> bool:
    """A door sticker opens the household only for members of a team of that village."""
    return works_in_village(user, household.village)


def can_edit_session(user: User, session: OutreachSession) -> bool:
    """Members and leaders of the team that held an outreach session, while they still record in its village."""
    return user.team_id == session.team_id and can_record_in_village(user, session.village)


def household_or_404(user: User, household_id: str, *, deleted: bool = False) -> Household:
    """deleted=True loads a soft-deleted household (for undo) and only such."""
    household = db.session.get(Household, household_id)
    if (household is None or not can_view_household(user, household)
            or (household.deleted_at is not None) != deleted):
        abort(404)
    return household


def visit_or_404(user: User, visit_id: str, *, deleted: bool = False) -> Visit:
    """deleted=True loads a soft-deleted visit (for undo) and only such; a deleted household hides its visits."""
    visit = db.session.get(Visit, visit_id)
    if (visit is None or not can_view_household(user, visit.household)
            or visit.household.deleted_at is not None or (visit.deleted_at is not None) != deleted):
        abort(404)
    return visit


def sticker_village_or_404(user: User, village_id: int) -> Area:
    village = db.session.get(Area, village_id)
    if village is None or village.level != AreaLevel.VILLAGE or not can_view_area(user, village):
        abort(404)
    if not can_run_village(user, village):
        abort(403)
    return village
