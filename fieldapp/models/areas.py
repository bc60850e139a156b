from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..text import fold
from ..timeutil import utcnow


class AreaLevel:
    """Levels are data: a district or sub-village level needs no schema change."""
    PROVINCE = "province"
    COMMUNE = "commune"
    VILLAGE = "village"


class Area(db.Model):
    """A node of the administrative tree: province -> commune -> village."""
    __tablename__ = "areas"
    __table_args__ = (
        Index("ix_areas_level_code", "level", "code", unique=True),
        Index("ix_areas_parent_name", "parent_id", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(20))
    code: Mapped[str | None] = mapped_column(String(20))  # GSO code; villages have none
    name: Mapped[str] = mapped_column(String(120))
    name_folded: Mapped[str] = mapped_column(String(120), default="")
    division_type: Mapped[str | None] = mapped_column(String(40))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    # "/12/345/6789/": ids from the root, so "is X inside Y" is one prefix test.
    path: Mapped[str] = mapped_column(String(200), default="", index=True)
    office_phone: Mapped[str | None] = mapped_column(String(20))
    # Commune setting: {service code: points} a new campaign starts from; missing codes use the catalogue.
    campaign_points: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived_at: Mapped[datetime | None]

    parent: Mapped["Area | None"] = relationship(remote_side=[id], lazy="joined", join_depth=2)

    def set_name(self, name: str) -> None:
        self.name = name.strip()
        self.name_folded = fold(self.name)

    def contains(self, other: "Area") -> bool:
        return other.path.startswith(self.path)

    @property
    def ancestors(self) -> list["Area"]:
        chain, node = [], self.parent
        while node is not None:
            chain.insert(0, node)
            node = node.parent
        return chain

    def __repr__(self) -> str:
        return f"<Area {self.level} {self.name}>"
