"""The counting rules (fieldapp/counting): what is live, what counts, against which goal; and the
defects of issue 14 that came from rules written in more than one place."""
from datetime import timedelta

from sqlalchemy import select

from fieldapp.areas.operations import merge_villages
from fieldapp.campaigns.operations import set_targets
from fieldapp.counting import today
from fieldapp.leaderboards.queries import board
from fieldapp.extensions import db
from fieldapp.households.operations import delete_household
from fieldapp.models import Area, AreaStats, TallyTotal
from fieldapp.tallies.drill import households_behind, visits_behind
from fieldapp.services.queries import active_services
from fieldapp.tallies.queries import area_tallies, children, unvisited_households
from fieldapp.teams.queries import visit_count
from fieldapp.visits.operations import delete_visit
from tests.factories import household
from tests.tally_helpers import recount, stored
from tests.test_campaigns import _campaign, _services
from tests.test_dashboards import _age, _visit, plain


# --- Defect 3: merging two villages moves their counters and denominators ---------------------------

def test_merging_villages_moves_counters_and_denominators(app, client, world, auth):
    _age(world)
    u, h = world.users, world.households
    _visit(app, u["member"], h["h1"], vneid=2)
    _visit(app, u["member2"], h["h3"], vneid=3, days_ago=2)
    _visit(app, u["member2"], h["h3"], outcome="not_home", days_ago=3)
    before = area_tallies([world.commune], today() - timedelta(days=29), today(), active_services())
    with app.test_request_context():
        merge_villages(u["officer"], world.village2, world.village1)
    db.session.commit()
    db.session.expire_all()
    assert stored() == recount()
    v1 = db.session.get(Area, world.village1.id)
    stats = db.session.get(AreaStats, v1.id)
    assert (stats.households, stats.residents_14plus) == (3, 3 + 2 + 3)
    assert db.session.get(AreaStats, world.village2.id) is None or db.session.get(AreaStats, world.village2.id).households == 0
    # The survivor's dashboard: 2 households of its own visited + the absorbed one, against 8 aged 14+.
    auth.login(u["officer"].phone)
    text = plain(client.get(f"/dashboard/{v1.id}").text)
    assert "VNeID mức 2 5/8 (62,5%)" in text
    assert "Đã thăm: 2/3 hộ" in text
    # The commune's totals did not move, and its village rows still add up to them.
    after = area_tallies([world.commune], today() - timedelta(days=29), today(), active_services())
    assert after[world.commune.id].visits == before[world.commune.id].visits == 3
    _village_rows_add_up(world.commune)


def _village_rows_add_up(commune):
    services = active_services()
    kids = children(commune)
    found = area_tallies([commune, *kids], today() - timedelta(days=365), today(), services)
    total = found[commune.id]
    for name in ("households", "visited", "visits"):
        assert sum(getattr(found[k.id], name) for k in kids) == getattr(total, name), name
    for s in services:
        assert sum(found[k.id].services[s.id].people_ever for k in kids) == total.services[s.id].people_ever


def test_an_archived_village_keeps_its_row_while_it_still_counts(app, client, world, auth):
    """Archiving keeps the history: its households and visits stay in the commune's totals, so the
    village stays among the commune's rows (else the rows no longer add up to the total)."""
    from fieldapp.areas.operations import archive_village
    from fieldapp.teams.operations import close_team
    _age(world)
    u, h = world.users, world.households
    _visit(app, u["member2"], h["h3"], vneid=1)
    with app.test_request_context():
        u["member2"].active = False
        close_team(u["officer"], world.team2)
        archive_village(u["officer"], world.village2)
    db.session.commit()
    assert world.village2 in children(world.commune)
    _village_rows_add_up(world.commune)


# --- Defect 4: deleted rows count nowhere --------------------------------------------------------------

def test_deleted_households_and_visits_count_nowhere(app, world):
    _age(world)
    u, h = world.users, world.households
    gone = household(u["member"], world.village1, "VT1-009")
    v = _visit(app, u["member"], h["h1"], vneid=1)
    _visit(app, u["member"], h["h1"], outcome="not_home")
    with app.test_request_context():
        delete_household(u["leader"], gone)
        delete_visit(u["leader"], v)
    db.session.commit()
    assert gone.id not in {x.id for x in unvisited_households(world.village1.id)}
    assert visit_count(u["member"]) == 1
    assert v.id not in {x.id for x in visits_behind(world.village1).items}
    assert visits_behind(world.village1).total == 1
    assert gone.id not in {x.id for x in households_behind(world.village1, status="unvisited").items}


# --- Defect 5: during a campaign, the target is measured against the campaign's work --------------------

def test_the_dashboard_measures_a_campaign_target_as_the_campaign_page_does(app, client, world, auth):
    _age(world)
    u, h = world.users, world.households
    _visit(app, u["member"], h["h1"], vneid=3, days_ago=20)  # before the campaign: coverage, not the target
    c = _campaign(world, days_back=5, ends_days_back=-5, vneid=1)
    with app.test_request_context():
        set_targets(u["officer"], c, world.commune, {(world.village1.id, _services()["vneid"].id): 5})
        db.session.commit()
    _visit(app, u["leader"], h["h2"], vneid=2, days_ago=1)  # 2 of the campaign's 5
    by_team = {r.key: r for r in board("teams", world.commune, c.starts_on, today(), c)}
    assert by_team[world.team1.id].score == 0.4
    auth.login(u["officer"].phone)
    text = plain(client.get(f"/dashboard/{world.village1.id}").text)
    assert "VNeID mức 2 5/5 (100%)" in text  # coverage of the eligible residents, all time
    assert "Chỉ tiêu đợt: 2/5 (40%)" in text  # the campaign's target, against the campaign's work
    assert "(đạt 100%)" not in text


def test_over_achievement_is_shown_as_it_is(app, client, world, auth):
    _age(world)
    u, h = world.users, world.households
    c = _campaign(world, days_back=5, ends_days_back=-5, vneid=1)
    with app.test_request_context():
        set_targets(u["officer"], c, world.commune, {(world.village1.id, _services()["vneid"].id): 2})
        db.session.commit()
    _visit(app, u["member"], h["h1"], vneid=3, days_ago=1)
    by_team = {r.key: r for r in board("teams", world.commune, c.starts_on, today(), c)}
    assert by_team[world.team1.id].score == 1.5
    auth.login(u["officer"].phone)
    text = plain(client.get(f"/dashboard/{world.village1.id}").text)
    assert "Chỉ tiêu đợt: 3/2 (150%)" in text
    page = plain(client.get(f"/campaigns/{c.id}").text)
    assert "150%" in page
    assert db.session.scalar(select(TallyTotal.people).where(TallyTotal.kind == "area",
                                                             TallyTotal.ref_id == world.village1.id,
                                                             TallyTotal.service_id == _services()["vneid"].id)) == 3
