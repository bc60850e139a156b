from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model


class Eligibility:
    """Who in a household can be counted for a service: the denominator and the cap."""
    AGE14 = "age14"          # residents aged 14+
    AGE18 = "age18"          # residents aged 18+
    ALL = "all"              # every resident
    HOUSEHOLD = "household"  # the household itself, once
    DOSSIER = "dossier"      # dossiers: no lifetime cap, at most one per resident per visit
    SMARTPHONE = "smartphone"  # residents with a smartphone (as many as the household's smartphones)
    ALL_CHOICES = (AGE14, AGE18, ALL, HOUSEHOLD, DOSSIER, SMARTPHONE)
    # Which denominator counts the eligible (a household's or an area's: counting.household_stats,
    # counting.area_stats); None: no lifetime cap. Served to the phones with the catalogue.
    COUNTED_IN = {AGE14: "residents_14plus", AGE18: "residents_18plus", ALL: "residents_total",
                  HOUSEHOLD: "households", DOSSIER: None, SMARTPHONE: "smartphones"}


class Service(Model):
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
