"""A visit's counters written as fieldapp.bulk sends them, one JSON parameter against one array a column, in
turns: the app's CPU (this process) per statement, and the server's execution time from pg_stat_statements.

    .venv/bin/python bench/bulk_forms.py --db postgresql://postgres@127.0.0.1:55457/batch_i19

The server must load pg_stat_statements (shared_preload_libraries=pg_stat_statements; CREATE EXTENSION in the
database); its counters are reset first. `--rows` day rows of 11 columns (a "not home" visit has 14: 5 owners'
day rows and 3 owners' week, month and quarter rows), upserted `--calls` times per form and round, one commit
each: the same rows updated again, as a member's visits of one day do. The rows (ref_id from 900000) are deleted
at the end.
"""
import argparse
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", required=True, help="a PostgreSQL URL")
    p.add_argument("--rows", type=int, default=14)
    p.add_argument("--calls", type=int, default=300)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    from sqlalchemy import text

    from bench.common import yardstick
    from fieldapp import bulk, create_app
    from fieldapp.extensions import db
    from fieldapp.models.tallies import TallyDay
    from fieldapp.tallies import operations as tallies
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.db.replace("postgresql://", "postgresql+psycopg://", 1),
                      "SECRET_KEY": "bench"})
    with app.app_context():
        db.session.execute(text("SELECT pg_stat_statements_reset()"))
        db.session.commit()
        stmt = tallies._upsert_statement(TallyDay, ("kind", "ref_id", "day", "service_id"), tuple(tallies.COUNTERS))
        rows = [("member:w" if i % 3 else "area", 900000 + i, date.today(), 0, 1, 0, 1, 0, 0, 0, 0)
                for i in range(args.rows)]
        cpu: dict[str, list[float]] = {}
        default = bulk.JSON_ROWS
        try:
            for _ in range(args.rounds):
                for form, limit in ((bulk.AS_JSON, max(default, args.rows)), (bulk.ARRAYS, 1)):
                    bulk.JSON_ROWS = limit
                    spent = 0.0
                    for _ in range(args.calls):
                        conn = db.session.connection()
                        c0 = time.process_time()
                        stmt.run(conn, rows)
                        spent += time.process_time() - c0
                        db.session.commit()
                    cpu.setdefault(form, []).append(spent / args.calls * 1e6)
        finally:
            bulk.JSON_ROWS = default
        server = {("json" if "jsonb_array_elements" in q else "arrays"): (calls, ms) for calls, ms, q in db.session.execute(text(
            "SELECT calls, total_exec_time / calls, query FROM pg_stat_statements "
            "WHERE query LIKE 'INSERT INTO tally_day%' AND calls >= :n"), {"n": args.calls}).all()}
        db.session.execute(text("DELETE FROM tally_day WHERE ref_id >= 900000 AND ref_id < :top"),
                           {"top": 900000 + args.rows})
        size = db.session.execute(text("SELECT pg_database_size(current_database())")).scalar()
        settings = ", ".join(f"{k}={db.session.execute(text(f'SHOW {k}')).scalar()}" for k in ("fsync", "synchronous_commit"))
        db.session.commit()
    print(f"# PostgreSQL ({settings}), {size / 2**20:,.0f} MB; {args.rows} rows x 11 columns, {args.rounds} rounds of "
          f"{args.calls} upserts per form; {yardstick()}")
    for form in ("json", "arrays"):
        calls, ms = server.get(form, (0, float("nan")))
        print(f"{form}: app CPU {', '.join(f'{x:.0f}' for x in cpu[form])} µs a statement; "
              f"server {ms:.3f} ms a statement ({calls} calls)")


if __name__ == "__main__":
    main()
