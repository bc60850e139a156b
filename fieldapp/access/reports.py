"""Figures and what is made of them: dashboards and exports, the data approval (sign-off), the periodic reports,
campaigns and their commendation lists, the commune's checks (anomalies, the audit trail)."""
from ..models import Area, AreaLevel, Campaign, Role, User
from .areas import can_run_commune

DASHBOARD_ROLES = (Role.LEADER, Role.COMMUNE_OFFICER, Role.PROVINCE_VIEWER, Role.ADMIN)
REPORT_ROLES = (Role.COMMUNE_OFFICER, Role.PROVINCE_VIEWER, Role.ADMIN)


def can_see_dashboards(user: User) -> bool:
    """Dashboards, exports and the data approval pages: every role but a member."""
    return user.role in DASHBOARD_ROLES


def can_see_reports(user: User) -> bool:
    """Reports, commune overviews and commendation lists: the commune officer, the province, an admin."""
    return user.role in REPORT_ROLES


def can_follow_province(user: User) -> bool:
    """The province's overview of the communes' approvals: the province viewer, an admin."""
    return user.role in (Role.PROVINCE_VIEWER, Role.ADMIN)


def can_check_commune(user: User) -> bool:
    """The commune officer (or an admin) checks the commune's work: anomalies, the audit trail."""
    return user.role in (Role.COMMUNE_OFFICER, Role.ADMIN)


def can_confirm_figures(user: User, village: Area) -> bool:
    """The leader of a team of the village confirms its figures."""
    return (user.role == Role.LEADER and user.team is not None and user.team.village_id == village.id
            and user.team.active)


def can_approve_figures(user: User, village: Area) -> bool:
    """The commune officer approves or returns; an admin may stand in."""
    return user.role == Role.ADMIN or (user.role == Role.COMMUNE_OFFICER and user.area_id == village.parent_id)


def can_draft_report(user: User, area: Area) -> bool:
    """The commune officer drafts the commune's documents; the province's officer (a viewer of its figures)
    drafts the province's; an admin either. Scope (404) is checked by the route."""
    if user.role == Role.ADMIN:
        return True
    if area.level == AreaLevel.COMMUNE:
        return user.role == Role.COMMUNE_OFFICER and user.area_id == area.id
    return area.level == AreaLevel.PROVINCE and user.role == Role.PROVINCE_VIEWER and user.area_id == area.id


def can_record_activities(user: User, commune: Area) -> bool:
    """The commune's own activities (meetings, trainings) for its report: its officer, an admin."""
    return commune.level == AreaLevel.COMMUNE and can_run_commune(user, commune)


def can_run_campaign(user: User, area: Area) -> bool:
    """Commune officers run campaigns over their commune, province viewers over their province."""
    if user.role == Role.ADMIN:
        return area.level in (AreaLevel.COMMUNE, AreaLevel.PROVINCE)
    if user.role == Role.COMMUNE_OFFICER:
        return area.level == AreaLevel.COMMUNE and user.area_id == area.id
    if user.role == Role.PROVINCE_VIEWER:
        return area.level == AreaLevel.PROVINCE and user.area_id == area.id
    return False


def can_set_targets(user: User, campaign: Campaign, commune: Area) -> bool:
    """The commune officer sets their villages' targets, in a commune or a province campaign."""
    if campaign.frozen_at is not None or not commune.path.startswith(campaign.area.path):
        return False
    return can_run_commune(user, commune)
