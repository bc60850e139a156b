from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, and_, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..text import fold
from ..timeutil import utcnow

# Area paths ("/12/345/6789/") are ASCII ids and slashes, compared byte by byte: in the "C" collation on
# PostgreSQL, whatever the database's own (C.UTF-8, vi-VN), so that a b-tree index orders them as `within`
# reads them. SQLite's default BINARY collation already does.
PathString = String(200).with_variant(String(200, collation="C"), "postgresql")


def within(column, prefix: str):
    """SQL: the path in `column` lies under `prefix` (an area's path; "" is everywhere).

    A range on the path's bytes, [prefix, prefix with its last byte + 1), not `LIKE 'prefix%'`: a b-tree
    index on the column serves it on PostgreSQL and SQLite alike, also in a prepared statement whose
    plan is made before the prefix is known. Every area-prefix filter goes through here
    (tests/test_query_plans.py checks the plans)."""
    if not prefix:
        return true()
    return and_(column >= prefix, column < prefix[:-1] + chr(ord(prefix[-1]) + 1))


class AreaLevel:
    """Levels are data: a district or sub-village level needs no schema change."""
    PROVINCE = "province"
    COMMUNE = "commune"
    VILLAGE = "village"


class Area(Model):
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
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))  # ix_areas_parent_name leads with it
    # "/12/345/6789/": ids from the root, so "is X inside Y" is one prefix test.
    path: Mapped[str] = mapped_column(PathString, default="", index=True)
    office_phone: Mapped[str | None] = mapped_column(String(20))
    # Commune setting: {service code: points} a new campaign starts from; missing codes use the catalogue.
    campaign_points: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived_at: Mapped[datetime | None]

    parent: Mapped["Area | None"] = relationship(remote_side=[id])

    def set_name(self, name: str) -> None:
        self.name = name.strip()
        self.name_folded = fold(self.name)

    def contains(self, other: "Area") -> bool:
        return other.path.startswith(self.path)

    @property
    def ancestors(self) -> list["Area"]:
        chain: list[Area] = []
        node = self.parent
        while node is not None:
            chain.insert(0, node)
            node = node.parent
        return chain

    def __repr__(self) -> str:
        return f"<Area {self.level} {self.name}>"
