"""Reads of the service catalogue, in the order every page lists it (sort order, then id)."""
from sqlalchemy import select

from ..extensions import db
from ..models import Service

CATALOGUE_ORDER = (Service.sort_order, Service.id)


def all_services() -> list[Service]:
    """Every service, retired ones too (their past work still counts in figures and reports)."""
    return list(db.session.scalars(select(Service).order_by(*CATALOGUE_ORDER)))


def active_services() -> list[Service]:
    """The services a visit can record today: the steppers of a visit form, the columns of a dashboard."""
    return list(db.session.scalars(select(Service).where(Service.active.is_(True)).order_by(*CATALOGUE_ORDER)))


def services_by_code() -> dict[str, Service]:
    return {s.code: s for s in db.session.scalars(select(Service))}
