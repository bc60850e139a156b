"""Migrations fill what they create: a database made at the first migration, with households and
visits, upgraded to the head, has the counters a recount gives (no manual rebuild-tallies)."""
import uuid
from datetime import datetime, timedelta

from flask_migrate import upgrade
from sqlalchemy import text

from fieldapp import create_app
from fieldapp.extensions import db
from tests.conftest import _config
from tests.tally_helpers import recount, stored


def _rows_at_0001(conn) -> int:
    """A commune of two villages, a team each, households and visits, in the schema of 0001."""
    now = datetime(2026, 11, 20, 3, 0)
    conn.execute(text("INSERT INTO areas (id, level, code, name, name_folded, parent_id, path, created_at) VALUES "
                      "(1, 'province', '52', 'Gia Lai', 'gia lai', NULL, '/1/', :t),"
                      "(2, 'commune', '21952', 'Xã Tuy Phước', 'xa tuy phuoc', 1, '/1/2/', :t),"
                      "(3, 'village', NULL, 'Thôn 1', 'thon 1', 2, '/1/2/3/', :t),"
                      "(4, 'village', NULL, 'Thôn 2', 'thon 2', 2, '/1/2/4/', :t)"), {"t": now})
    conn.execute(text("INSERT INTO teams (id, village_id, name, active, created_at) VALUES "
                      "(1, 3, 'Tổ 1', true, :t), (2, 4, 'Tổ 2', true, :t)"), {"t": now})
    conn.execute(text("INSERT INTO users (id, phone, name, password_hash, role, team_id, active, created_at, "
                      "session_version) VALUES (1, '0900000003', 'A', 'x', 'member', 1, true, :t, 1),"
                      "(2, '0900000004', 'B', 'x', 'member', 2, true, :t, 1)"), {"t": now})
    services = dict(conn.execute(text("SELECT code, id FROM services")).all())
    visits = 0
    for n in range(8):
        hid = str(uuid.UUID(int=n + 1))
        village, member = (3, 1) if n % 2 else (4, 2)
        conn.execute(text(
            "INSERT INTO households (id, village_id, code, residents_total, residents_14plus, residents_18plus, "
            "smartphones, search_text, created_at, updated_at, visit_count) "
            "VALUES (:id, :v, :code, 4, 3, 2, 1, :code, :t, :t, :n)"),
            {"id": hid, "v": village, "code": f"H-{n}", "t": now - timedelta(days=30), "n": n % 3})
        for k in range(n % 3):
            vid = str(uuid.UUID(int=1000 + 10 * n + k))
            at = now - timedelta(days=k * 9 + n, hours=n)
            outcome = "helped" if k == 0 else "not_home"
            conn.execute(text("INSERT INTO visits (id, household_id, member_id, team_id, visited_at, received_at, "
                              "outcome) VALUES (:id, :h, :m, :team, :at, :at, :o)"),
                         {"id": vid, "h": hid, "m": member, "team": member, "at": at, "o": outcome})
            if outcome == "helped":
                conn.execute(text("INSERT INTO assistance (visit_id, service_id, count) VALUES (:v, :s, :c)"),
                             {"v": vid, "s": services["vneid"], "c": 1 + n % 3})
            visits += 1
    return visits


def test_an_upgrade_from_the_first_migration_fills_the_counters(spare_url):
    app = create_app(_config(spare_url))
    with app.app_context():
        upgrade(revision="0001")
        with db.engine.begin() as conn:
            visits = _rows_at_0001(conn)
        db.session.remove()
        upgrade()  # to the head, as `flask db upgrade` does
        counters = stored()
        assert counters == recount()
        day, total, stats, _reach = counters
        assert total[("area", 2, 0)]["visits"] == visits > 0   # the commune's dashboard is not "0 / 0 hộ"
        assert stats[2] == [8, 32, 24, 16]
        db.session.remove()
        db.engine.dispose()


def test_the_upgrade_repairs_counters_left_wrong_by_earlier_releases(spare_url):
    """A database of the last release whose counters drifted (a village merge moved households but not
    their counters, an upgrade left them empty): upgraded, they equal a recount."""
    app = create_app(_config(spare_url))
    with app.app_context():
        upgrade(revision="0001")
        with db.engine.begin() as conn:
            _rows_at_0001(conn)
        db.session.remove()
        upgrade(revision="0013_reach_first_at")
        with db.engine.begin() as conn:  # what merge_villages did: households moved, counters stayed
            conn.execute(text("UPDATE households SET village_id = 3 WHERE village_id = 4"))
        db.session.remove()
        upgrade()
        assert stored() == recount()
        db.session.remove()
        db.engine.dispose()
