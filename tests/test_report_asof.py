"""A closed period's report says the same whenever it is run (issue 15, part 1): figures as of the period's
last day, whatever came after (visits, households, member changes, a village merge), unless visits of the
period were corrected afterwards, and then it says so and lists them."""
from datetime import date, datetime

from sqlalchemy import select

from fieldapp.areas.operations import merge_villages
from fieldapp.extensions import db
from fieldapp.households.operations import HouseholdData, create_household, delete_household, update_household
from fieldapp.models import Service, Team, Visit
from fieldapp.reports.figures import late_visit_rows
from fieldapp.reports.periods import Period
from fieldapp.reports.queries import build_report
from fieldapp.teams.operations import close_team, create_account, deactivate_member, move_member
from fieldapp.timeutil import from_local
from fieldapp.visits.operations import VisitData, delete_visit, log_visit, update_visit
from tests.factories import build_world
from tests.report_helpers import at, visit

Q3 = Period.quarter(2026, 3)


def services():
    return {s.code: s for s in db.session.scalars(select(Service))}


def _q3_world(app):
    with at(date(2026, 7, 1)):
        w = build_world()
    with at(date(2026, 8, 10)):
        visit(app, w.users["member"], w.households["h1"], date(2026, 8, 10), vneid=2, payment=1)
        visit(app, w.users["member2"], w.households["h3"], date(2026, 8, 10), vneid=1, dvc=2)
        visit(app, w.users["member"], w.households["h2"], date(2026, 8, 9), outcome="not_home")
    with at(date(2026, 9, 30), 20):
        visit(app, w.users["leader"], w.households["h2"], date(2026, 9, 30), vneid=1)
    return w


def test_a_closed_quarter_reads_the_same_after_later_activity(app):
    w = _q3_world(app)
    with at(date(2026, 10, 2)):
        first = build_report(w.commune, Q3).as_dict()
        province_first = build_report(w.province, Q3).as_dict()
    t = first["total"]
    # Hand count: 3 households in the commune (h1 4 residents/3 aged 14+/2 aged 18+, h2 2/2/2, h3 4/3/2).
    assert (t["households"], t["residents_total"], t["residents_14plus"], t["residents_18plus"]) == (3, 10, 8, 6)
    assert t["services"]["vneid"] == {"unit": "people", "period": 4, "cumulative": 4, "eligible": 8}
    assert t["services"]["dvc"]["eligible"] is None and t["services"]["dvc"]["period"] == 2
    assert (t["visits"], t["reached"], t["visited"]) == (4, 3, 3)
    assert (t["teams"], t["members"], t["villages"], t["villages_with_team"]) == (2, 3, 2, 2)
    assert (t["teams_active"], t["members_active"]) == (2, 3)

    # Later: visits, a new household and an edit, member changes, a team closed, a village merge.
    with at(date(2026, 10, 20)):
        visit(app, w.users["member"], w.households["h2"], date(2026, 10, 20), vneid=1)
        create_household(w.users["member"], w.village1, HouseholdData(code="VT1-099", residents_total=5,
                                                                      residents_14plus=4, residents_18plus=3))
        update_household(w.users["member"], w.households["h1"], HouseholdData(
            code="VT1-001", residents_total=6, residents_14plus=5, residents_18plus=4))
        officer = w.users["officer"]
        deactivate_member(officer, w.users["member2"], "left")
        with app.test_request_context():
            create_account(officer, phone="0911111111", name="Người Mới", password="mat-khau-rat-dai-9",
                           role="member", team=w.team1)
        move_member(officer, w.users["member"], w.team2)
        db.session.commit()
    with at(date(2026, 10, 21)):
        extra = Team(village=w.village2, name="Tổ thứ hai")
        db.session.add(extra)
        db.session.flush()
        from fieldapp.history import place_team
        place_team(extra)
        close_team(officer, extra)
        merge_villages(officer, w.village2, w.village1)
        db.session.commit()
    with at(date(2026, 11, 5)):
        again = build_report(w.commune, Q3).as_dict()
        province_again = build_report(w.province, Q3).as_dict()
        # Today's figures did move: the report is as of 30/09, not a copy of today.
        now = build_report(w.commune, Period.quarter(2026, 4)).as_dict()
    assert again == first
    assert province_again == province_first
    assert now["total"]["households"] == 4 and now["total"]["residents_14plus"] == 14  # h1 now 5, h2 2, h3 3, VT1-099 4
    assert [r["area"]["id"] for r in now["rows"]] == [w.village1.id]  # Thôn 2 merged into Vinh Thạnh 1
    assert [r["area"]["name"] for r in first["rows"]] == ["Thôn 2", "Thôn Vinh Thạnh 1"]


def test_visits_corrected_after_the_close_are_counted_and_listed(app):
    w = _q3_world(app)
    with at(date(2026, 10, 2)):
        before = build_report(w.commune, Q3)
        assert before.late.visits == 0 and before.total.late_visits == 0
    v = db.session.scalar(select(Visit).where(Visit.household_id == w.households["h3"].id))
    with at(date(2026, 10, 3)), app.test_request_context():
        update_visit(w.users["officer"], v, VisitData("helped", v.visited_at, counts={"vneid": 1, "dvc": 1}))
        # A visit of Q3 entered after the close (a paper form, a phone that synced late) moves it too.
        log_visit(w.users["member"], w.households["h1"], VisitData(
            "helped", from_local(datetime(2026, 9, 29, 15)), counts={"vneid": 1}))
        db.session.commit()
    with at(date(2026, 10, 4)):
        after = build_report(w.commune, Q3)
        rows = late_visit_rows(w.commune, Q3.end)
    assert after.late.visits == 2 and after.total.late_visits == 2
    by_village = {r.area.id: r.late_visits for r in after.rows}
    assert by_village == {w.village1.id: 1, w.village2.id: 1}
    assert after.total.people(services()["vneid"]) == 5
    assert {r.Visit.household_id for r in rows} == {w.households["h3"].id, w.households["h1"].id}
    # A visit corrected on its own day is not late for any period.
    with at(date(2026, 10, 10), 11):
        fresh = visit(app, w.users["member"], w.households["h1"], date(2026, 10, 10), outcome="revisit")
    with at(date(2026, 10, 10), 18), app.test_request_context():
        delete_visit(w.users["member"], fresh)
        db.session.commit()
    with at(date(2026, 10, 11)):
        assert build_report(w.commune, Period.quarter(2026, 4)).late.visits == 0
        # Deleting a household later uncounts its Q3 visit: the quarter says so.
        delete_household(w.users["member2"], w.households["h3"])
        db.session.commit()
        assert build_report(w.commune, Q3).late.visits == 2   # h3's visit was already late, h1's too
        assert build_report(w.commune, Period.month(2026, 8)).late.visits == 1


def test_denominators_and_members_follow_the_dates(app):
    with at(date(2026, 7, 1)):
        w = build_world()
    with at(date(2026, 11, 10)):
        create_household(w.users["member"], w.village1, HouseholdData(code="N-1", residents_total=3,
                                                                      residents_14plus=3, residents_18plus=3,
                                                                      smartphones=2))
        deactivate_member(w.users["officer"], w.users["member"], "left")
        db.session.commit()
    with at(date(2026, 12, 1)):
        october = build_report(w.commune, Period.month(2026, 10)).total
        november = build_report(w.commune, Period.month(2026, 11)).total
    assert (october.households, october.members) == (3, 3)
    assert (november.households, november.members) == (4, 2)
    assert november.stats["smartphones"] == 2
    # Teams and members of the province: the other commune's team is counted, the left member is not.
    with at(date(2026, 12, 1)):
        province = build_report(w.province, Period.month(2026, 11)).total
    assert (province.teams, province.members, province.communes, province.communes_with_team) == (3, 3, 2, 2)


def test_the_upgrade_replays_membership_history_from_the_audit_trail(app):
    """Migration 0019 fills memberships from what exists: the accounts' dates and the audit trail of moves,
    deactivations and reactivations give the same stints the operations write as they happen."""
    from fieldapp.history import backfill
    from fieldapp.models import Membership
    from fieldapp.teams.operations import reactivate_member
    with at(date(2026, 7, 1)):
        w = build_world()
        officer = w.users["officer"]
        with app.test_request_context():
            a = create_account(officer, phone="0911000001", name="Người A", password="mat-khau-rat-dai-9",
                               role="member", team=w.team1)
            b = create_account(officer, phone="0911000002", name="Người B", password="mat-khau-rat-dai-9",
                               role="member", team=w.team2)
        db.session.commit()
    for day, step in ((date(2026, 8, 3), lambda: move_member(officer, a, w.team2)),
                      (date(2026, 9, 10), lambda: deactivate_member(officer, b, "left")),
                      (date(2026, 10, 1), lambda: reactivate_member(officer, b)),
                      (date(2026, 10, 20), lambda: move_member(officer, a, w.team1))):
        with at(day):
            step()
            db.session.commit()

    def stints():
        return sorted((m.user_id, m.team_id, m.started_on, m.ended_on) for m in db.session.scalars(
            select(Membership).where(Membership.user_id.in_([a.id, b.id]))))
    written = stints()
    assert written == sorted([(a.id, w.team1.id, date(2026, 7, 1), date(2026, 8, 3)),
                              (a.id, w.team2.id, date(2026, 8, 3), date(2026, 10, 20)),
                              (a.id, w.team1.id, date(2026, 10, 20), None),
                              (b.id, w.team2.id, date(2026, 7, 1), date(2026, 9, 10)),
                              (b.id, w.team2.id, date(2026, 10, 1), None)])
    db.session.execute(Membership.__table__.delete().where(Membership.user_id.in_([a.id, b.id])))
    with at(date(2026, 11, 1)):
        backfill(db.session)
    assert stints() == written


def test_the_upgrade_replays_team_places_from_merges_and_closures(app):
    from fieldapp.history import backfill
    from fieldapp.models import TeamPlace
    w = _q3_world(app)
    with at(date(2026, 10, 21)):
        merge_villages(w.users["officer"], w.village2, w.village1)
        db.session.commit()
    with at(date(2026, 10, 22)):
        before = build_report(w.commune, Q3).as_dict()

    def places():
        return sorted((p.team_id, p.village_id, p.started_on, p.ended_on) for p in db.session.scalars(select(TeamPlace)))
    written = places()
    assert (w.team2.id, w.village2.id, date(2026, 7, 1), date(2026, 10, 21)) in written
    db.session.execute(TeamPlace.__table__.delete())
    with at(date(2026, 10, 22)):
        backfill(db.session)
        assert places() == written
        assert build_report(w.commune, Q3).as_dict() == before
