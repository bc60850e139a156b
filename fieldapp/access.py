"""Who may see and change what. Every route that loads an object asks one of these.

Out of the user's area is a 404 (the object "does not exist" for them), not a 403.
"""
from flask import abort

from .extensions import db
from .models import Area, AreaLevel, Household, Notice, Role, Team, User, Visit


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


# --- Ids posted in a form (the new leader, the team to move to, the village to merge into) ---------------
# Outside the actor's area such an id is answered exactly as one that does not exist: the refusal never
# names a user, team or village of another commune.

def can_see_user(viewer: User, user: User) -> bool:
    """A team member belongs to their team's village; an officer or a viewer to their area; an admin to no area."""
    prefix = scope_path(viewer)
    if prefix is None:
        return False
    if user.role in Role.TEAM_ROLES:
        return user.team is not None and user.team.village.path.startswith(prefix)
    if user.area is not None:
        return user.area.path.startswith(prefix)
    return viewer.role == Role.ADMIN


def posted_user(viewer: User, user_id: int | None) -> User | None:
    user = db.session.get(User, user_id) if user_id is not None else None
    return user if user is not None and can_see_user(viewer, user) else None


def posted_team(viewer: User, team_id: int | None) -> Team | None:
    team = db.session.get(Team, team_id) if team_id is not None else None
    prefix = scope_path(viewer)
    return team if team is not None and prefix is not None and team.village.path.startswith(prefix) else None


def posted_area(viewer: User, area_id: int | None) -> Area | None:
    """An area inside the viewer's own (not the chain above it, which officers see for navigation)."""
    area = db.session.get(Area, area_id) if area_id is not None else None
    prefix = scope_path(viewer)
    return area if area is not None and prefix is not None and area.path.startswith(prefix) else None


# --- Residents' personal data: one rule for every page, API, export and the audit trail ------------------

def personal_data_scope(user: User) -> str | None:
    """The area path under which the user sees residents' names, phones and visit notes, or None.

    Law 91/2025/QH15 (minimum access): only those who work with the household see who lives there.
    The members and the leader of a team see their own village's (they knock on the doors and search
    by name); the commune officer sees the commune's (the staff of the data controller, the UBND xã,
    who answers a resident's request). Province viewers and admins see the counts only.
    """
    if user.role in Role.TEAM_ROLES:
        return user.team.village.path if user.team is not None else None
    if user.role == Role.COMMUNE_OFFICER:
        return user.area.path if user.area is not None else None
    return None


def can_see_personal_data(user: User, where: Area | Household | str) -> bool:
    """`where`: a household, an area (the whole of it must be inside), or an area path (an audit entry)."""
    prefix = personal_data_scope(user)
    if prefix is None:
        return False
    if isinstance(where, Household):
        where = where.village
    path = where if isinstance(where, str) else where.path
    return path.startswith(prefix)


def can_manage_personal_data(user: User, household: Household) -> bool:
    """Export or erase a resident's data on request: the village's team leader or the commune officer."""
    return user.role in (Role.LEADER, Role.COMMUNE_OFFICER) and can_see_personal_data(user, household)


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
