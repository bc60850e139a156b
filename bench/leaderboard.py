"""Time the commune and province leaderboards (and the commune tally) on the generated database.

    python bench/leaderboard.py [--runs 15]          # bench/out/bench.sqlite, or DATABASE_URL

Prints the median and the spread of repeated runs, with the number of visits in the database.
It measures; it asserts nothing.
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import select, text  # noqa: E402

from generate import make_app  # noqa: E402
from fieldapp.campaigns.queries import commune_board, period_for, team_board  # noqa: E402
from fieldapp.extensions import db  # noqa: E402
from fieldapp.models import Area  # noqa: E402
from fieldapp.tallies.queries import area_tallies, children, services_for_tallies  # noqa: E402


def timed(fn, runs: int) -> tuple[float, float, float]:
    fn()  # warm the page cache once
    times = []
    for _ in range(runs):
        db.session.expire_all()
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), min(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    app = make_app()
    with app.app_context():
        visits = db.session.scalar(text("SELECT count(*) FROM visits"))
        households = db.session.scalar(text("SELECT count(*) FROM households"))
        province = db.session.scalar(select(Area).where(Area.level == "province").limit(1))
        commune = db.session.scalar(select(Area).where(Area.level == "commune").order_by(Area.id).limit(1))
        villages = db.session.scalar(text("SELECT count(*) FROM areas WHERE level = 'village'"))
        print(f"database: {db.engine.dialect.name}, {villages:,} villages, {households:,} households, "
              f"{visits:,} visits")
        services = services_for_tallies()
        cases = []
        for key in ("week", "month", "quarter"):
            p = period_for(key)
            prev = (p.previous.start, p.previous.end)
            cases.append((f"commune leaderboard ({key}, with previous-period ranks)",
                          lambda p=p, prev=prev: team_board(commune, p.start, p.end, previous=prev)))
            cases.append((f"province leaderboard ({key}, with previous-period ranks)",
                          lambda p=p, prev=prev: commune_board(province, p.start, p.end, previous=prev)))
        month = period_for("month")
        cases.append(("commune dashboard tallies (every village, month)",
                      lambda: area_tallies(children(commune), month.start, month.end, services)))
        cases.append(("province dashboard tallies (every commune, month)",
                      lambda: area_tallies(children(province), month.start, month.end, services)))
        for name, fn in cases:
            median, low, high = timed(fn, args.runs)
            print(f"{name:60s} median {median:7.1f} ms  (min {low:.1f}, max {high:.1f}, {args.runs} runs)")
        write_cost(args.runs)


def write_cost(runs: int) -> None:
    """What the counters add to one visit: the delta upserts and the first-visit check, rolled back."""
    from fieldapp.tallies.operations import VisitFacts, apply_visit_delta, area_ids
    from fieldapp.tallies.queries import today
    row = db.session.execute(text(
        "SELECT h.id, a.path, v.team_id, v.member_id FROM visits v JOIN households h ON h.id = v.household_id "
        "JOIN areas a ON a.id = h.village_id LIMIT 1")).first()
    facts = VisitFacts(household_id=row[0], area_ids=area_ids(row[1]), team_id=row[2], member_id=row[3],
                       day=today(), outcome="helped", counts=((1, 1), (5, 1)))

    def one():
        apply_visit_delta(None, facts)
        db.session.rollback()
    median, low, high = timed(one, runs)
    print(f"{'counter upkeep for one visit (2 services), rolled back':60s} median {median:7.1f} ms  "
          f"(min {low:.1f}, max {high:.1f}, {runs} runs)")


if __name__ == "__main__":
    main()
