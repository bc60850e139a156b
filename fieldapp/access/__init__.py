"""Who may see and change what: every permission rule of fieldapp, once, by topic.

Routes, templates (each public name here is a Jinja global, see init_app) and the API ask these functions;
no other module decides from a role. Out of the user's area is a 404 (the object "does not exist" for them),
inside it without the right a 403. tests/route_matrix.py reads its expectations from here.
"""
from .areas import (
    area_or_404,
    can_oversee_village,
    can_run_commune,
    can_see_user,
    can_view_area,
    commune_or_404,
    is_admin,
    is_admin_over_everything,
    is_commune_officer,
    managed_commune_or_404,
    own_area_or_404,
    posted_area,
    posted_team,
    posted_user,
    scope_path,
)
from .households import (
    can_assign_households,
    can_edit_household,
    can_edit_session,
    can_edit_visit,
    can_enter_paper_visits,
    can_open_sticker,
    can_record_in_village,
    can_run_village,
    can_view_household,
    household_or_404,
    sticker_village_or_404,
    visit_or_404,
)
from .jobs import can_view_job
from .notices import can_post_notice, can_read_notice, notice_team
from .personal import can_export_personal, can_manage_personal_data, can_see_personal_data, personal_data_scope
from .reports import (
    DASHBOARD_ROLES,
    REPORT_ROLES,
    can_approve_figures,
    can_check_commune,
    can_confirm_figures,
    can_draft_report,
    can_follow_province,
    can_record_activities,
    can_run_campaign,
    can_see_dashboards,
    can_see_reports,
    can_set_targets,
)
from .teams import (
    can_carry_badge,
    can_change_member,
    can_lead_team,
    can_manage_members,
    can_run_team,
    can_view_team,
    can_view_team_prints,
    is_in_team,
    is_leader,
    leads_a_team,
    member_or_404,
    team_member_or_404,
    team_or_404,
    visible_team_or_404,
    works_in_village,
)

__all__ = [
    "DASHBOARD_ROLES", "REPORT_ROLES", "area_or_404", "can_approve_figures", "can_assign_households",
    "can_carry_badge", "can_change_member", "can_check_commune", "can_confirm_figures", "can_draft_report",
    "can_edit_household", "can_edit_session", "can_edit_visit", "can_enter_paper_visits", "can_export_personal",
    "can_follow_province", "can_lead_team", "can_manage_members", "can_manage_personal_data", "can_open_sticker",
    "can_oversee_village", "can_post_notice", "can_read_notice", "can_record_activities", "can_record_in_village",
    "can_run_campaign", "can_run_commune", "can_run_team", "can_run_village", "can_see_dashboards",
    "can_see_personal_data", "can_see_reports", "can_see_user", "can_set_targets", "can_view_area",
    "can_view_household", "can_view_job", "can_view_team", "can_view_team_prints", "commune_or_404",
    "household_or_404", "is_admin", "is_admin_over_everything", "is_commune_officer", "is_in_team", "is_leader",
    "leads_a_team", "managed_commune_or_404", "member_or_404", "notice_team", "personal_data_scope",
    "own_area_or_404", "posted_area", "posted_team", "posted_user", "scope_path", "sticker_village_or_404", "team_member_or_404",
    "team_or_404", "visible_team_or_404", "visit_or_404", "works_in_village",
]


def predicates() -> dict:
    """Every rule by name (the functions above that answer yes or no), for templates."""
    return {name: value for name, value in globals().items()
            if callable(value) and name.startswith(("can_", "is_", "leads_", "works_"))}


def init_app(app) -> None:
    app.jinja_env.globals.update(predicates())
