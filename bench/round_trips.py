"""What the fixed parts of a request cost the app's process on this machine, in a loop (no profiler):

    python bench/round_trips.py --db postgresql://postgres@127.0.0.1:55457/batch_i19

- a psycopg round trip (SELECT 1), inside a transaction, in autocommit, and with its BEGIN and ROLLBACK;
- the same through SQLAlchemy's session, with and without the transaction around it;
- the signed-in user's statement (web._SIGNED_IN: the user with team, village and area, ORM objects), against
  a Core read of the user's row and session.get(User).

Microseconds of this process's CPU per iteration (the server's CPU is not counted). The member is the one
bench/batch_floor.py signs in as. The machine is shared: the load average is printed.
"""
import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.batch_floor import DEMO_MEMBER  # noqa: E402
from bench.generate import member_phone  # noqa: E402


def loop(label: str, step, n: int) -> None:
    for _ in range(min(n, 100)):
        step()
    c0 = time.process_time()
    for _ in range(n):
        step()
    print(f"| {label} | {(time.process_time() - c0) * 1e6 / n:,.0f} |")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", required=True, help="a PostgreSQL URL")
    p.add_argument("-n", type=int, default=2000)
    args = p.parse_args()
    import psycopg
    from sqlalchemy import select, text

    from fieldapp import create_app
    from fieldapp.extensions import db
    from fieldapp.models import User
    from fieldapp.web import _SIGNED_IN
    raw_url = args.db.replace("postgresql+psycopg://", "postgresql://", 1)
    print(f"# {raw_url.split('@')[-1]}, {args.n} iterations each, load average {os.getloadavg()[0]:.2f}")
    print("| step | µs of CPU |")
    print("|---|---:|")
    conn = psycopg.connect(raw_url)
    loop("psycopg: SELECT 1 in a transaction", lambda: conn.execute("SELECT 1").fetchone(), args.n)
    conn.rollback()

    def begin_select_rollback():
        conn.execute("SELECT 1").fetchone()
        conn.rollback()
    loop("psycopg: BEGIN, SELECT 1, ROLLBACK", begin_select_rollback, args.n)
    auto = psycopg.connect(raw_url, autocommit=True)
    loop("psycopg: SELECT 1 in autocommit", lambda: auto.execute("SELECT 1").fetchone(), args.n)
    conn.close()
    auto.close()

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.db.replace("postgresql://", "postgresql+psycopg://", 1),
                      "SECRET_KEY": "bench"})
    with app.app_context():
        s = db.session
        uid = s.execute(text("SELECT id FROM users WHERE phone IN (:a, :b) ORDER BY phone = :a DESC LIMIT 1"),
                        {"a": member_phone(2), "b": DEMO_MEMBER}).scalar()
        s.commit()

        def fresh(step):
            def run():
                step()
                s.rollback()
            return run

        def signed_in():
            return s.execute(_SIGNED_IN, {"user_id": uid}).unique().scalar_one_or_none()
        core = select(User.__table__).where(User.__table__.c.id == uid)
        loop("session: BEGIN, SELECT 1, ROLLBACK", fresh(lambda: s.execute(text("SELECT 1")).scalar()), args.n)
        loop("session: SELECT 1 in a transaction", lambda: s.execute(text("SELECT 1")).scalar(), args.n)
        loop("session: BEGIN, the signed-in user's statement, ROLLBACK", fresh(signed_in), args.n)
        loop("the signed-in user's statement in a transaction (identity map emptied)",
             lambda: (s.expunge_all(), signed_in()), args.n)
        loop("a Core read of the user's row in a transaction", lambda: s.connection().execute(core).first(), args.n)
        loop("session.get(User) in a transaction (identity map emptied)",
             lambda: (s.expunge_all(), s.get(User, uid)), args.n)
        s.rollback()


if __name__ == "__main__":
    main()
