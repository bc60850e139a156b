"""Who may see and change what. Every route that loads an object asks one of these.

Out of the user's area is a 404 (the object "does not exist" for them), not a 403.
"""
from flask import abort

from .extensions import db
from .models import Area, AreaLevel, Household, Notice, Role, User, Visit


def scope_path(user: User) -> str | None:
    """The path prefix of everything the user may see; "" is everything (admin)."""
    if user.role == Role.ADMIN:
        return ""
    area = user.scope_area
    return area.path if area is not None else None


def can_view_area(user: User, area: Area) -> bool:
    prefix = scope_path(user)
    if prefix is None:
        return False
    if area.path.startswith(prefix):
        return True
    # Officers and viewers also see the chain of areas above their own, for navigation.
    return user.role not in Role.TEAM_ROLES and prefix.startswith(area.path)


def can_view_household(user: User, household: Household) -> bool:
    prefix = scope_path(user)
    return prefix is not None and household.village.path.startswith(prefix)


def can_record_in_village(user: User, village: Area) -> bool:
    """Only members and leaders of a team of this village log visits and add households."""
    return (user.role in Role.TEAM_ROLES and user.team is not None
            and user.team.village_id == village.id and village.archived_at is None)


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


def can_manage_villages(user: User, commune: Area) -> bool:
    if user.role == Role.ADMIN:
        return True
    return (user.role == Role.COMMUNE_OFFICER and user.area is not None
            and user.area_id == commune.id)


def area_or_404(user: User, area_id: int) -> Area:
    area = db.session.get(Area, area_id)
    if area is None or not can_view_area(user, area):
        abort(404)
    return area


def managed_commune_or_404(user: User, area_id: int) -> Area:
    """A commune the user runs (its officer, or an admin): out of their area 404, a viewer above it 403."""
    commune = area_or_404(user, area_id)
    if commune.level != AreaLevel.COMMUNE:
        abort(404)
    if not can_manage_villages(user, commune):
        abort(403)
    return commune


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


def can_manage_personal_data(user: User, household: Household) -> bool:
    """Export or erase a resident's data on request: the village's team leader or the commune officer."""
    if user.role == Role.LEADER:
        return user.team is not None and user.team.village_id == household.village_id
    if user.role == Role.COMMUNE_OFFICER:
        return user.area is not None and household.village.path.startswith(user.area.path)
    return False


def can_post_notice(user: User, commune: Area) -> bool:
    """The commune officer (or an admin) writes, archives and follows up the commune's notices
    (managed_commune_or_404 asks the same)."""
    return commune.level == AreaLevel.COMMUNE and can_manage_villages(user, commune)


def notice_team(user: User):
    """The team through which a user reads notices: members and leaders of an active team; else None."""
    team = user.team if user.role in Role.TEAM_ROLES and user.active else None
    return team if team is not None and team.active else None


def can_read_notice(user: User, notice: Notice) -> bool:
    """A notice reaches every active team of its commune (see notices.queries.audience_teams)."""
    team = notice_team(user)
    return team is not None and team.village.parent_id == notice.commune_id
