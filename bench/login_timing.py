"""Does the time to refuse a sign-in tell which phone numbers have accounts? (issue 17.7)

    .venv/bin/python bench/login_timing.py [--pairs 14] [--tries 15]

A fresh SQLite database in a temporary directory (migrated), argon2id at the configured production
cost (19 MiB, 2 iterations), `--pairs` members with real password hashes. For each pair (a registered
number, an unknown number) it posts `--tries` wrong passwords to POST /login for each number through the
app (in process, no network; the sign-in limits raised so nothing is refused early), alternating, and
prints the median time of each and whether the pair is separable: every registered try slower than
every unknown try. Before issue 17.7 an unknown number was refused without any hash check.
"""
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fieldapp import create_app  # noqa: E402
from fieldapp.extensions import db  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=14)
    parser.add_argument("--tries", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/timing.sqlite", "SECRET_KEY": "bench",
                          "WTF_CSRF_ENABLED": False, "LOGIN_MAX_FAILURES_ACCOUNT": 10**6,
                          "LOGIN_MAX_FAILURES_CLIENT": 10**6})
        with app.app_context():
            from flask_migrate import upgrade
            from fieldapp.models import Role, User
            from fieldapp.passwords import hash_password
            upgrade()
            for n in range(args.pairs):
                db.session.add(User(phone=f"0912{n:06d}", name=f"Thành viên {n}", role=Role.MEMBER,
                                    password_hash=hash_password(f"mat-khau-that-{n}")))
            db.session.commit()
        client = app.test_client()
        separable, rows = 0, []
        for n in range(args.pairs):
            times = {"registered": [], "unknown": []}
            for t in range(args.tries * 2):
                kind = "registered" if t % 2 == 0 else "unknown"
                phone = f"0912{n:06d}" if kind == "registered" else f"0913{n:06d}"
                started = time.perf_counter()
                r = client.post("/login", data={"phone": phone, "password": "sai-mat-khau"},
                                environ_base={"REMOTE_ADDR": f"10.{n}.{t // 250}.{t % 250}"})
                times[kind].append((time.perf_counter() - started) * 1000)
                assert r.status_code == 422, r.status_code
            apart = min(times["registered"]) > max(times["unknown"])
            separable += apart
            rows.append((n, statistics.median(times["registered"]), statistics.median(times["unknown"]), apart))
        print(f"argon2id m={app.config['ARGON2_MEMORY_COST']} t={app.config['ARGON2_TIME_COST']}, "
              f"{args.tries} wrong passwords per number, in-process WSGI, SQLite")
        for n, registered, unknown, apart in rows:
            print(f"pair {n:2d}: registered {registered:6.1f} ms  unknown {unknown:6.1f} ms  "
                  f"{'separable' if apart else 'overlapping'}")
        print(f"separable pairs: {separable} of {args.pairs}")


if __name__ == "__main__":
    main()
