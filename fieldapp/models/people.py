from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..timeutil import utcnow
from .areas import Area


class Role:
    MEMBER = "member"
    LEADER = "leader"
    COMMUNE_OFFICER = "commune_officer"
    PROVINCE_VIEWER = "province_viewer"
    ADMIN = "admin"
    ALL = (MEMBER, LEADER, COMMUNE_OFFICER, PROVINCE_VIEWER, ADMIN)
    TEAM_ROLES = (MEMBER, LEADER)


class Team(Model):
    """A community digital technology team; a village may have several."""
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    village: Mapped[Area] = relationship()


class User(UserMixin, Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(15), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default=Role.MEMBER)
    # Members and leaders are scoped by their team; officers and viewers by an area.
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deactivated_at: Mapped[datetime | None]
    deactivation_reason: Mapped[str | None] = mapped_column(String(20))  # left | moved | other
    # Bumped on sign-out, password change and deactivation: old cookies stop working.
    session_version: Mapped[int] = mapped_column(default=1)

    team: Mapped[Team | None] = relationship()
    area: Mapped[Area | None] = relationship()

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def scope_area(self) -> Area | None:
        """The area this user may see: the team's village, or the assigned area."""
        if self.role in Role.TEAM_ROLES:
            return self.team.village if self.team else None
        return self.area

    def __repr__(self) -> str:
        return f"<User {self.phone} {self.role}>"
