"""The main screens of each role, for the tab bar: every one reachable at 360 px, the current one marked."""
from dataclasses import dataclass

from flask import abort, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .access import is_admin
from .models import Role, User


def to_own_area(endpoint: str):
    """A tab's own screen: `endpoint` for the user's area; an admin over everything starts from the provinces;
    anyone else without an area gets a 404."""
    area = current_user.scope_area
    if area is None:
        if is_admin(current_user):
            return redirect(url_for("areas.top"))
        abort(404)
    return redirect(url_for(endpoint, area_id=area.id))


@dataclass(frozen=True)
class Tab:
    label: str
    url: str
    sections: tuple[str, ...]  # blueprints or endpoints that belong to this screen

    @property
    def current(self) -> bool:
        endpoint = request.endpoint or ""
        blueprint = endpoint.partition(".")[0]
        return endpoint in self.sections or blueprint in self.sections


def tabs(user: User) -> list[Tab]:
    """The role's main screens, in the order a member uses them."""
    out: list[Tab] = []
    team = user.team if user.role in Role.TEAM_ROLES else None
    if team is not None:
        out.append(Tab(_l("Hộ dân"), url_for("households.village", village_id=team.village_id),
                       ("households", "visits.new", "visits.edit", "privacy", "imports.households",
                        "notices", "walks.assign", "walks.sheet", "walks.paper", "walks.paper_visit")))
        out.append(Tab(_l("Lượt thăm"), url_for("visits.mine"), ("visits.mine", "walks.my_results")))
        if user.role == Role.LEADER:
            out.append(Tab(_l("Lượt của tổ"), url_for("visits.team"), ("visits.team",)))
        else:
            out.append(Tab(_l("Thẻ của tôi"), url_for("badges.mine"), ("badges.mine", "badges.show")))
        out.append(Tab(_l("Tuyên truyền"), url_for("outreach.index", area_id=team.village_id), ("outreach",)))
        if user.role == Role.LEADER:
            out.append(Tab(_l("Tổ của tôi"), url_for("teams.show", team_id=team.id),
                           ("teams", "joining.invite", "joining.poster", "badges.team", "badges.show",
                            "households.stickers", "imports.members", "signoff")))
    else:
        out.append(Tab(_l("Địa bàn"), url_for("core.index"), ("core.index", "areas", "imports.villages")))
        if user.role == Role.COMMUNE_OFFICER and user.area_id:
            out.append(Tab(_l("Tổ, thành viên"), url_for("teams.commune", commune_id=user.area_id),
                           ("teams", "joining", "badges", "auth.sign_in_qr", "auth.make_sign_in_qr",
                            "households.stickers", "households.sticker", "imports.members")))
            out.append(Tab(_l("Thông báo"), url_for("notices.commune", commune_id=user.area_id), ("notices",)))
        elif user.role == Role.ADMIN:
            out.append(Tab(_l("Quản trị"), url_for("admin.index"), ("admin",)))
    if user.scope_area is None:  # an admin over everything starts from the provinces
        return out
    if user.role != Role.MEMBER:
        out.append(Tab(_l("Tổng hợp"), url_for("tallies.home"), ("tallies", "reports", "exports")
                       + (() if user.role == Role.LEADER else ("signoff",))))
    out.append(Tab(_l("Xếp hạng"), url_for("leaderboards.my_leaderboard"), ("leaderboards", "campaigns")))
    return out
