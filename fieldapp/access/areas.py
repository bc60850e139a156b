"""Where a user may look: their scope (a path prefix of areas), areas inside it, communes they run, and ids
posted in a form. Out of the user's area is a 404 (the object "does not exist" for them), not a 403."""
from flask import abort

from ..extensions import db
from ..models import Area, AreaLevel, Role, Team, User


def is_admin(user: User) -> bool:
    return user.role == Role.ADMIN


def is_admin_over_everything(user: User) -> bool:
    """An admin without an area starts from the provinces (areas.top)."""
    return user.role == Role.ADMIN and user.area is None


def is_commune_officer(user: User) -> bool:
    """A commune officer with their commune set."""
    return user.role == Role.COMMUNE_OFFICER and user.area is not None


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


def can_run_commune(user: User, commune: Area) -> bool:
    """The commune's officer (or an admin) runs it: its villages, teams, campaign targets, activities, approvals."""
    if user.role == Role.ADMIN:
        return True
    return (user.role == Role.COMMUNE_OFFICER and user.area is not None
            and user.area_id == commune.id)


def can_oversee_village(user: User, village: Area) -> bool:
    """The commune officer over the village (or an admin): prints its codes, imports its households."""
    return user.role in (Role.COMMUNE_OFFICER, Role.ADMIN) and can_view_area(user, village)


def area_or_404(user: User, area_id: int) -> Area:
    area = db.session.get(Area, area_id)
    if area is None or not can_view_area(user, area):
        abort(404)
    return area


def commune_or_404(user: User, area_id: int) -> Area:
    commune = area_or_404(user, area_id)
    if commune.level != AreaLevel.COMMUNE:
        abort(404)
    return commune


def managed_commune_or_404(user: User, area_id: int) -> Area:
    """A commune the user runs (its officer, or an admin): out of their area 404, a viewer above it 403."""
    commune = commune_or_404(user, area_id)
    if not can_run_commune(user, commune):
        abort(403)
    return commune


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


def own_area_or_404(viewer: User, area_id: int) -> Area:
    """An area inside the viewer's own (dashboards, reports, exports, sign-off): else a 404."""
    area = posted_area(viewer, area_id)
    if area is None:
        abort(404)
    return area
