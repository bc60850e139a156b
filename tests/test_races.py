"""Two members at the same instant over one household's cap (and one member sending the same visit
twice at once), under a real gunicorn with several workers, on the test database (SQLite or
PostgreSQL): bench/races.py, 40 rounds of each race."""
from sqlalchemy import func, select

from bench import races
from fieldapp.extensions import db
from fieldapp.models import Household, Visit
from tests.factories import PASSWORD
from tests.tally_helpers import recount, stored

ROUNDS = 40
WORKERS = 3


def test_no_race_goes_over_a_cap_or_loses_a_visit_count(app, world, tmp_path):
    with app.test_request_context():
        households = races.add_households(world.users["leader"], world.village1, ROUNDS)
    db.session.commit()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    phones = (world.users["leader"].phone, world.users["member"].phone)
    tallies = races.run_races(url, households, phones, PASSWORD, WORKERS, tmp_path / "gunicorn.log")
    ids = [h for rounds in households.values() for h, _code in rounds]
    found = races.verdict(db.engine, households)
    print(races.report(db.engine.dialect.name, url, tallies, found, WORKERS))
    assert all(t.rounds == ROUNDS for t in tallies.values())
    assert found == {"over_cap": [], "lost_updates": [], "resend_not_once": []}
    # Every round answered by the rules: over the cap exactly one saved, within it both; a resend once.
    assert {s: t.unexpected for s, t in tallies.items()} == {s: [] for s in races.SCENARIOS}
    db.session.expire_all()
    saved = db.session.scalar(select(func.count()).select_from(Visit).where(Visit.household_id.in_(ids)))
    assert saved == sum(h.visit_count for h in db.session.scalars(select(Household).where(Household.id.in_(ids))))
    assert stored() == recount()  # and the counters moved with every saved visit and edit
