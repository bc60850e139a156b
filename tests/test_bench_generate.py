"""bench/generate.py builds a province the sync benches can write to: the phone's API takes the households'
ids (UUIDs) and every visit names a stored household."""
import re
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from bench.generate import BENCH_PASSWORD, household_id, member_phone
from fieldapp import create_app
from fieldapp.extensions import db

ROOT = Path(__file__).resolve().parent.parent


def test_a_generated_province_takes_a_visit_through_the_api(tmp_path):
    url = f"sqlite:///{tmp_path / 'province.sqlite'}"
    subprocess.run([sys.executable, "bench/generate.py", "--db", url, "--villages", "4", "--households", "200",
                    "--visits", "300"], cwd=ROOT, check=True, capture_output=True)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test", "TESTING": False})
    with app.app_context():
        ids = db.session.scalars(text("SELECT id FROM households")).all()
        assert len(ids) == 200 and all(str(uuid.UUID(i)) == i for i in ids)
        assert db.session.scalar(text(
            "SELECT count(*) FROM visits v LEFT JOIN households h ON h.id = v.household_id WHERE h.id IS NULL")) == 0
        assert household_id(0, 7) in ids
        db.session.remove()
    client = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").text).group(1)
    signed_in = client.post("/login", data={"phone": member_phone(2), "password": BENCH_PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 302
    csrf = client.get("/api/v1/session").get_json()["csrf_token"]
    visit, now = str(uuid.uuid4()), datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    answer = client.post("/api/v1/visits/batch", headers={"X-CSRFToken": csrf}, json={"visits": [
        {"id": visit, "household_id": household_id(0, 7), "outcome": "not_home", "visited_at": now}]})
    assert answer.status_code == 200 and answer.get_json()["results"][0]["status"] == "created", answer.text
