"""A household import of --rows households into one village: upload (the preview), confirm, the worker's job.

    .venv/bin/python bench/imports.py --db postgresql://postgres@127.0.0.1:55457/batch_bench --rows 10000
    .venv/bin/python bench/imports.py --db sqlite:///bench/out/batch.sqlite --phone 0900000002 --password demo1234

Through the real app (Flask test client, CSRF off here only), signed in as the commune officer of commune 2 on
bench/generate.py's province (or --phone/--password on another database, with --village). The file is a CSV of
new households (code, head's name with consent, residents, smartphones), as a commune would send. The confirm
request hands the import to the background worker; the job is run here, in this process, right after, as the
worker would run it, and timed apart. It writes to the database: run it on a copy (bench/batch_floor.py
--template makes one). Prints wall and CPU time of each step and the households stored.

    .venv/bin/python bench/imports.py --db postgresql://postgres@127.0.0.1:55457/batch_bench --previews 3

--previews N: only the upload and preview, N times (the same file; nothing imported, so each sees the same
village): to compare two versions of the checks on one database.
"""
import argparse
import io
import os
import re
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import BENCH_PASSWORD, officer_phone  # noqa: E402


def parse():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", required=True)
    p.add_argument("--rows", type=int, default=10_000)
    p.add_argument("--village", type=int, default=138, help="the village imported into (138: commune 2's first)")
    p.add_argument("--phone", default=officer_phone(2))
    p.add_argument("--password", default=BENCH_PASSWORD)
    p.add_argument("--previews", type=int, default=0, help="only preview the file, this many times")
    return p.parse_args()


def csv_file(rows: int, run: str) -> bytes:
    out = io.StringIO()
    out.write("\ufeffMã hộ,Họ tên chủ hộ,Số điện thoại,Số nhân khẩu,Từ 14 tuổi,Từ 18 tuổi,Số điện thoại thông minh\r\n")
    for i in range(rows):
        total = 2 + i % 5
        out.write(f"NK{run}-{i:05d},Nguyễn Văn Nhập {i},,{total},{total - 1},{total - 1},{i % 3}\r\n")
    return out.getvalue().encode("utf-8")


def main():
    args = parse()
    url = args.db
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    from sqlalchemy import func, select
    from fieldapp import create_app
    from fieldapp.extensions import db
    from fieldapp.models import Household, Visit
    import fieldapp.jobs.store as store
    from fieldapp.jobs.operations import run as run_job
    queued: list[str] = []
    store.enqueue = queued.append  # the worker's share is run below, in this process, timed apart
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    r = client.post("/login", data={"phone": args.phone, "password": args.password})
    assert r.status_code in (302, 303), r.status_code
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Household).where(
            Household.village_id == args.village))
        visits = db.session.scalar(select(func.count()).select_from(Visit).join(Household).where(
            Household.village_id == args.village))
        db.session.remove()
    data = csv_file(args.rows, secrets.token_hex(3))
    steps = []

    def timed(name, fn):
        c0, w0 = time.process_time(), time.perf_counter()
        out = fn()
        steps.append((name, time.perf_counter() - w0, time.process_time() - c0))
        return out

    def preview():
        return client.post(f"/villages/{args.village}/import",
                           data={"file": (io.BytesIO(data), "ho.csv"), "consent": "y"}, content_type="multipart/form-data")

    if args.previews:
        for _ in range(args.previews):
            r = timed("upload and preview (request)", preview)
            assert r.status_code == 200, (r.status_code, r.text[:500])
        print(f"# the preview of {args.rows:,} new households ({len(data) / 1024:,.0f} KB CSV) into village "
              f"{args.village}, which has {before:,} households and {visits:,} visits; load average {os.getloadavg()[0]:.2f}")
        print("| run | wall s | CPU s (this process) |")
        print("|---|---:|---:|")
        for i, (_name, wall, cpu) in enumerate(steps, 1):
            print(f"| {i} | {wall:.2f} | {cpu:.2f} |")
        return
    r = timed("upload and preview (request)", preview)
    assert r.status_code == 200, (r.status_code, r.text[:500])
    token = re.search(r'name="token"[^>]*value="([^"]+)"', r.text).group(1)
    r = timed("confirm (request)", lambda: client.post(f"/villages/{args.village}/import/confirm",
                                                       data={"token": token}))
    assert r.status_code == 302 and "/jobs/" in r.headers["Location"], (r.status_code, r.text[:300])
    assert len(queued) == 1
    with app.app_context():
        timed("confirm (the worker's job)", lambda: run_job(queued[0]))
        after = db.session.scalar(select(func.count()).select_from(Household).where(
            Household.village_id == args.village))
        kind = db.engine.dialect.name
        db.session.remove()
    print(f"# household import of {args.rows:,} rows ({len(data) / 1024:,.0f} KB CSV) into village {args.village} on "
          f"{kind}; load average {os.getloadavg()[0]:.2f}")
    print("| step | wall s | CPU s (this process) |")
    print("|---|---:|---:|")
    for name, wall, cpu in steps:
        print(f"| {name} | {wall:.2f} | {cpu:.2f} |")
    print(f"households stored: {after - before:,} (expected {args.rows:,})")
    assert after - before == args.rows


if __name__ == "__main__":
    main()
