"""cProfile of the two ingest paths through the Flask test client (CSRF off here only, to keep
the profile on the server's own work), on the SQLite database bench/ingest.py leaves behind:

    .venv/bin/python bench/ingest.py --db sqlite          # makes bench/out/ingest.sqlite
    .venv/bin/python bench/profile_ingest.py batch 5      # 5 batches of 100 visits
    .venv/bin/python bench/profile_ingest.py form 100     # 100 single-visit form posts
"""
import cProfile, pstats, uuid, sys, os
from pathlib import Path
ROOT = Path(__file__).resolve().parent.parent
from datetime import datetime, UTC
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'bench' / 'out' / 'ingest.sqlite'}")  # or the PostgreSQL one
sys.path.insert(0, str(ROOT))
from fieldapp import create_app
from sqlalchemy import text
app = create_app({"SQLALCHEMY_DATABASE_URI": os.environ["DATABASE_URL"], "WTF_CSRF_ENABLED": False, "SECRET_KEY": "x"})
c = app.test_client()
r = c.post("/login", data={"phone": "0900000003", "password": "demo1234"})
with app.app_context():
    from fieldapp.extensions import db
    hh = [r[0] for r in db.session.execute(text("select h.id from households h join teams t on t.village_id=h.village_id join users u on u.team_id=t.id where u.phone='0900000003'"))]
    uid = db.session.execute(text("select id from users where phone='0900000003'")).scalar()
now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
def batch():
    return c.post("/api/v1/visits/batch", json={"user_id": uid, "visits": [
        {"id": str(uuid.uuid4()), "household_id": hh[i % len(hh)], "outcome": "not_home", "visited_at": now} for i in range(100)]})
def form():
    r = c.post(f"/households/{hh[0]}/visits/new", data={"outcome": "not_home", "visited_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M"), "client_id": str(uuid.uuid4())})
    with c.session_transaction() as s:  # as wrk does (same cookie each time): no pile of unread flash messages
        s.pop("_flashes", None)
    return r
fn = batch if sys.argv[1] == "batch" else form
assert fn().status_code in (200, 302)
pr = cProfile.Profile(); pr.enable()
for _ in range(int(sys.argv[2])): r = fn()
pr.disable()
print(r.status_code)
pstats.Stats(pr).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(int(os.environ.get("LINES", "70")))
