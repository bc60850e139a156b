"""The commune's notices to its teams: who writes them, who reads them."""
from ..models import Area, AreaLevel, Notice, Role, User
from .areas import can_run_commune


def can_post_notice(user: User, commune: Area) -> bool:
    """The commune officer (or an admin) writes, archives and follows up the commune's notices
    (managed_commune_or_404 asks the same)."""
    return commune.level == AreaLevel.COMMUNE and can_run_commune(user, commune)


def notice_team(user: User):
    """The team through which a user reads notices: members and leaders of an active team; else None."""
    team = user.team if user.role in Role.TEAM_ROLES and user.active else None
    return team if team is not None and team.active else None


def can_read_notice(user: User, notice: Notice) -> bool:
    """A notice reaches every active team of its commune (see notices.queries.audience_teams)."""
    team = notice_team(user)
    return team is not None and team.village.parent_id == notice.commune_id
