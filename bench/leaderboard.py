"""Time the commune and province leaderboards (and the commune tally) on the generated database.

    python bench/leaderboard.py [--runs 15]          # bench/out/bench.sqlite, or DATABASE_URL (bench/generate.py)
    python bench/leaderboard.py --day-rows           # the boards summed from the day rows (no rollups)

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
from fieldapp.leaderboards.queries import board, period_for  # noqa: E402
from fieldapp.extensions import db  # noqa: E402
from fieldapp.models import Area  # noqa: E402
from fieldapp.services.queries import active_services  # noqa: E402
from fieldapp.tallies.queries import area_tallies, children  # noqa: E402


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
    parser.add_argument("--day-rows", action="store_true",
                        help="read the boards from the day rows, not the week/month/quarter rollups (to compare)")
    args = parser.parse_args()
    if args.day_rows:
        import fieldapp.leaderboards.queries as boards
        boards.USE_ROLLUPS = False
    app = make_app()
    with app.app_context():
        visits = db.session.scalar(text("SELECT count(*) FROM visits"))
        households = db.session.scalar(text("SELECT count(*) FROM households"))
        province = db.session.scalar(select(Area).where(Area.level == "province").limit(1))
        commune = db.session.scalar(select(Area).where(Area.level == "commune").order_by(Area.id).limit(1))
        villages = db.session.scalar(text("SELECT count(*) FROM areas WHERE level = 'village'"))
        print(f"database: {db.engine.dialect.name}, {villages:,} villages, {households:,} households, "
              f"{visits:,} visits; boards read {'day rows' if args.day_rows else 'period rollups'}")
        services = active_services()
        cases = []
        for key in ("week", "month", "quarter"):
            p = period_for(key)
            prev = (p.previous.start, p.previous.end)
            cases.append((f"commune leaderboard ({key}, with previous-period ranks)",
                          lambda p=p, prev=prev: board("teams", commune, p.start, p.end, previous=prev, unit=p.key[0])))
            cases.append((f"province leaderboard ({key}, with previous-period ranks)",
                          lambda p=p, prev=prev: board("communes", province, p.start, p.end, previous=prev,
                                                              unit=p.key[0])))
        month = period_for("month")
        cases.append(("commune dashboard tallies (every village, month)",
                      lambda: area_tallies(children(commune), month.start, month.end, services)))
        cases.append(("province dashboard tallies (every commune, month)",
                      lambda: area_tallies(children(province), month.start, month.end, services)))
        for name, fn in cases:
            median, low, high = timed(fn, args.runs)
            print(f"{name:60s} median {median:7.1f} ms  (min {low:.1f}, max {high:.1f}, {args.runs} runs)")
        write_cost(max(3, args.runs // 3))


def write_cost(rounds: int, per_round: int = 300) -> None:
    """What the counters add to one visit: the delta upserts and the first-visit check.

    Each round applies per_round visits (a household of a different village each, a random day of the
    last 90, 2 services) in one transaction, then rolls back; rounds alternate between the full key
    list and the day and all-time keys only (ROLLUPS = (), the write path before the rollups).
    CPU time of this process is reported beside the wall time: the machine is shared.
    """
    import random
    from datetime import datetime, time as clock, timedelta
    import fieldapp.tallies.operations as ops
    from fieldapp.tallies.operations import VisitFacts, apply_visit_delta, area_ids
    from fieldapp.counting import today
    rows = db.session.execute(text(
        "SELECT h.id, a.path, t.id, (SELECT min(u.id) FROM users u WHERE u.team_id = t.id) "
        "FROM households h JOIN areas a ON a.id = h.village_id JOIN teams t ON t.village_id = a.id "
        "WHERE h.code = 'H7'")).all()
    rng = random.Random(1)

    def one_round():
        days = [today() - timedelta(days=rng.randrange(90)) for _ in range(per_round)]
        facts = [VisitFacts(household_id=r[0], area_ids=area_ids(r[1]), team_id=r[2], member_id=r[3],
                            day=day, at=datetime.combine(day, clock(3)), outcome="helped", counts=((1, 1), (5, 1)))
                 for r, day in zip(rng.sample(rows, min(per_round, len(rows))), days)]
        c0, w0 = time.process_time(), time.perf_counter()
        for f in facts:
            apply_visit_delta(None, f)
        db.session.flush()
        cpu, wall = (time.process_time() - c0) * 1000 / len(facts), (time.perf_counter() - w0) * 1000 / len(facts)
        db.session.rollback()
        return cpu, wall

    kept = ops.ROLLUPS
    results = {"with rollups": [], "day rows only": []}
    one_round()  # warm
    for _ in range(rounds):
        for label, rollups in (("with rollups", kept), ("day rows only", ())):
            ops.ROLLUPS = rollups
            results[label].append(one_round())
    ops.ROLLUPS = kept
    for label, values in results.items():
        cpu = statistics.median(c for c, _w in values)
        wall = statistics.median(w for _c, w in values)
        print(f"{'counter upkeep added to one visit (2 services), ' + label:60s} median {wall:7.2f} ms  "
              f"(CPU {cpu:.2f} ms; {rounds} rounds of {per_round} visits, rolled back)")


if __name__ == "__main__":
    main()
