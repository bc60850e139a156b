"""Residents' personal data (names, phones, visit notes): one rule for every page, API, export and the audit trail."""
from ..models import Area, Household, Role, User
from .reports import can_see_dashboards


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


def can_export_personal(user: User, area: Area) -> bool:
    """Names, phones and notes in an export: those who export (a member does not) and see the area's personal
    data: the village's team leader or the commune officer, inside their own area. Province viewers and admins
    only need the counts, so they never get them (data minimisation)."""
    return can_see_dashboards(user) and can_see_personal_data(user, area)
