from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class Eligibility:
    """Who in a household can be counted for a service: the denominator and the cap."""
    AGE14 = "age14"          # residents aged 14+
    AGE18 = "age18"          # residents aged 18+
    ALL = "all"              # every resident
    HOUSEHOLD = "household"  # the household itself, once
    DOSSIER = "dossier"      # dossiers: no lifetime cap, at most one per resident per visit
    ALL_CHOICES = (AGE14, AGE18, ALL, HOUSEHOLD, DOSSIER)


class Service(db.Model):
    """An entry of the editable service catalogue (VNeID, VssID, ...)."""
    __tablename__ = "services"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    short_name: Mapped[str] = mapped_column(String(40))
    unit: Mapped[str] = mapped_column(String(20))  # people | dossiers | households
    eligibility: Mapped[str] = mapped_column(String(20))
    points: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)

    def cap_for(self, household) -> int | None:
        """How many can ever be counted in this household; None means no lifetime cap."""
        return {
            Eligibility.AGE14: household.residents_14plus,
            Eligibility.AGE18: household.residents_18plus,
            Eligibility.ALL: household.residents_total,
            Eligibility.HOUSEHOLD: 1,
            Eligibility.DOSSIER: None,
        }[self.eligibility]

    def per_visit_cap(self, household) -> int:
        if self.eligibility == Eligibility.DOSSIER:
            return household.residents_total
        return self.cap_for(household)
