"""What an index of the counters costs the writer: the members' and teams' service-row upserts, with and without
ix_tally_day_service_rows, in the same run on the same rows.

    .venv/bin/python bench/counter_upsert.py --db postgresql://postgres@127.0.0.1:55457/prov_int --rounds 4

Each round takes `--rows` existing service rows of members and teams from the last 30 days and upserts each once
(people + 1, one statement per row, as the writer's counter upsert does for a visit that helped), once as the
database is and once with the index dropped inside the transaction; both transactions are rolled back, so the
database is left as it was (but for the dead row versions autovacuum then removes). It prints the wall time and
the PostgreSQL backend's CPU (utime + stime from /proc: the server must run on this machine) per row.
"""
import argparse
import time

import psycopg

INDEX = "ix_tally_day_service_rows"
UPSERT = ("INSERT INTO tally_day (kind, ref_id, day, service_id, visits, helped, not_home, declined, revisit, "
          "reached, people) VALUES (%s, %s, %s, %s, 0, 0, 0, 0, 0, 0, 1) ON CONFLICT (kind, ref_id, day, service_id) "
          "DO UPDATE SET people = tally_day.people + excluded.people")


def backend_cpu(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a PostgreSQL URL (a province database of bench/generate.py)")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--rows", type=int, default=3000)
    args = parser.parse_args()
    conn = psycopg.connect(args.db)
    keys = conn.execute("SELECT kind, ref_id, day, service_id FROM tally_day WHERE kind IN ('member', 'team') "
                        "AND service_id <> 0 AND day >= current_date - 30 LIMIT %s", (args.rows,)).fetchall()
    pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
    out: dict[str, list[tuple[float, float]]] = {"with the index": [], "without it": []}
    for _ in range(args.rounds):
        for mode in out:
            with conn.transaction(force_rollback=True):
                if mode == "without it":
                    conn.execute(f"DROP INDEX {INDEX}")
                c0, w0 = backend_cpu(pid), time.perf_counter()
                for key in keys:
                    conn.execute(UPSERT, key)
                out[mode].append(((time.perf_counter() - w0) / len(keys) * 1e6, (backend_cpu(pid) - c0) / len(keys) * 1e6))
    print(f"{len(keys)} service rows of members and teams, {args.rounds} rounds (the first warms the cache)")
    for mode, runs in out.items():
        print(f"{mode:15s} wall µs per row: {', '.join(f'{w:.0f}' for w, _c in runs)}; "
              f"backend CPU µs per row: {', '.join(f'{c:.0f}' for _w, c in runs)}")


if __name__ == "__main__":
    main()
