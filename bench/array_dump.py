"""What psycopg's Python spends turning a Bulk statement's rows into parameters: one binary array a column
(fieldapp.bulk, as the sync batch sends them), against the same rows as one JSON parameter (not built).

    .venv/bin/python bench/array_dump.py --db postgresql://postgres@127.0.0.1:55457/postgres

Times `PostgresQuery.convert` (parameters dumped, nothing sent) in a loop, in this process's CPU, for the
counters of one visit (11 columns, 5 rows) and for the visits of a batch (10 columns, 100 rows).
"""
import argparse
import datetime
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import yardstick  # noqa: E402


def _iso(value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    raise TypeError(value)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", required=True, help="any PostgreSQL database (nothing is written)")
    p.add_argument("--loops", type=int, default=2000)
    args = p.parse_args()
    import psycopg
    from psycopg._queries import PostgresQuery
    from psycopg.adapt import Transformer
    with psycopg.connect(args.db) as conn:
        query = PostgresQuery(Transformer.from_context(conn.cursor()))
        day, at = datetime.date(2026, 12, 2), datetime.datetime(2026, 12, 2, 3, 0)
        cases = {
            "one visit's counters (11 columns x 5 rows)":
                [("member", i, day, 0, 1, 0, 1, 0, 0, 0, 0) for i in range(5)],
            "a batch's visits (10 columns x 100 rows)":
                [(f"id{i}", "h", 2, 1, at, at, "not_home", None, None, None) for i in range(100)],
        }
        print(f"# psycopg {psycopg.__version__} ({psycopg.pq.__impl__}); {yardstick()}")
        for name, rows in cases.items():
            columns = list(zip(*rows, strict=True))
            arrays = "SELECT * FROM unnest(" + ", ".join(f"%(c{i})b" for i in range(len(columns))) + ")"
            params = {f"c{i}": list(c) for i, c in enumerate(columns)}
            t0 = time.process_time()
            for _ in range(args.loops):
                query.convert(arrays, params)
            a = (time.process_time() - t0) / args.loops * 1e6
            t0 = time.process_time()
            for _ in range(args.loops):
                query.convert("SELECT * FROM json_array_elements(%(rows)s::json)",
                              {"rows": json.dumps(rows, default=_iso)})
            b = (time.process_time() - t0) / args.loops * 1e6
            print(f"{name}: arrays {a:.0f} µs, one JSON parameter {b:.0f} µs")


if __name__ == "__main__":
    main()
