"""Helpers for the report tests: a frozen clock at a Vietnamese local time, a visit on a given day."""
from datetime import date, datetime, time

from freezegun import freeze_time

from fieldapp.extensions import db
from fieldapp.timeutil import from_local
from fieldapp.visits.operations import VisitData, log_visit


def at(day: date, hour: int = 12):
    """Freeze the clock at a Vietnamese local time (noon by default)."""
    return freeze_time(from_local(datetime.combine(day, time(hour))))


def visit(app, actor, household, day: date, outcome="helped", hour: int = 10, **counts):
    with app.test_request_context():
        v = log_visit(actor, household, VisitData(outcome, from_local(datetime.combine(day, time(hour))),
                                                  counts=counts))
        db.session.commit()
    return v
