"""Project basics: migrations from empty, health, sign-in, CLI commands, demo data, villages."""

from sqlalchemy import func, select, text

from fieldapp.extensions import db
from fieldapp.models import Area, AreaLevel, Household, Service, User, Visit


def test_migrations_from_empty_match_the_models(app):
    """The fixture database was built by running every migration from empty."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []
    codes = [s.code for s in db.session.scalars(select(Service).order_by(Service.sort_order))]
    assert codes == ["vneid", "ehealth", "vssid", "dvc", "payment", "ecommerce", "esign", "etax",
                     "email", "safety", "skills5"]


def test_no_index_is_covered_by_another(app):
    """Issue 19: an index whose columns lead another index (or the primary key, or a unique constraint) is
    written at every insert and answers nothing the longer one does not (ix_assistance_visit_id was one). Read
    off the migrated database; a unique or partial index enforces or serves something of its own."""
    from sqlalchemy import inspect
    inspector = inspect(db.engine)
    found = []
    for table in inspector.get_table_names():
        keys = [("primary key", inspector.get_pk_constraint(table)["constrained_columns"], True)]
        keys += [(u["name"], u["column_names"], True) for u in inspector.get_unique_constraints(table)]
        keys += [(i["name"], i["column_names"], bool(i["unique"])) for i in inspector.get_indexes(table)
                 if None not in i["column_names"]  # an expression index: not compared
                 and not any(k.endswith("_where") and v is not None for k, v in i.get("dialect_options", {}).items())]
        for name, columns, unique in keys:
            if unique or not columns:
                continue
            for other, longer, _unique in keys:
                if other != name and len(longer) >= len(columns) and longer[:len(columns)] == columns:
                    found.append(f"{table}.{name} {columns} is led by {other} {longer}")
    assert found == []


def test_no_field_for_national_ids_or_secrets():
    forbidden = ("cccd", "cmnd", "national_id", "otp", "bank", "card_image")
    for table in db.metadata.tables.values():
        for column in table.columns:
            assert not any(f in column.name.lower() for f in forbidden), column


def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json["status"] == "ok" and r.json["database"] == "ok" and r.json["migrations"] == "up to date"
    assert r.json["disk_free_mb"] > 0


def test_healthz_says_when_migrations_are_pending(client, app):
    """Issue 18: after `git pull` without `flask db upgrade` the app looked healthy."""
    version = db.session.scalar(text("SELECT version_num FROM alembic_version"))
    db.session.execute(text("UPDATE alembic_version SET version_num = '0012_period_rollups'"))
    db.session.commit()
    try:
        r = client.get("/healthz")
        assert r.status_code == 503 and r.json["status"] == "error" and r.json["migrations"] == "pending"
        db.session.execute(text("UPDATE alembic_version SET version_num = 'from-a-newer-release'"))
        db.session.commit()
        assert client.get("/healthz").json["migrations"] == "unknown revision"
    finally:
        db.session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": version})
        db.session.commit()


def test_healthz_reports_low_disk(make_app):
    """Issue 17, item 14: a full disk answered "ok"."""
    app = make_app(HEALTHZ_MIN_FREE_MB=10**12)
    r = app.test_client().get("/healthz")
    assert r.status_code == 503 and r.json["disk"] == "low" and r.json["database"] == "ok"


def test_sign_in_wrong_password_and_inactive(client, world, auth):
    r = auth.login("0900000003", "wrong-password")
    assert r.status_code == 422 and "Số điện thoại hoặc mật khẩu không đúng." in r.text
    assert 'value="0900000003"' in r.text  # the phone typed is kept
    member = world.users["member"]
    member.active = False
    db.session.commit()
    r = auth.login("0900000003")
    assert r.status_code == 422 and "ngừng hoạt động" in r.text


def test_anonymous_is_sent_to_sign_in(client, world):
    r = client.get(f"/households/{world.households['h1'].id}")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_sign_out_is_post_and_kills_remember_me(client, world, auth):
    auth.login("0900000003")
    assert client.get("/logout").status_code == 405
    assert auth.logout().status_code == 302
    assert client.get("/visits/mine").status_code == 302
    db.session.refresh(world.users["member"])
    assert world.users["member"].session_version == 2


def test_safe_next_redirect(client, world):
    r = client.post("/login?next=https://evil.example/x", data={"phone": "0900000003", "password": "secret-pass-1"})
    assert r.headers["Location"] == "/"


def test_security_headers(client):
    r = client.get("/login")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_vietnamese_by_default_english_on_request(client):
    assert "Đăng nhập" in client.get("/login", headers={"Accept-Language": "en"}).text
    client.get("/lang/en")
    assert "Sign in" in client.get("/login").text


def test_import_areas_cli_loads_official_list(app):
    result = app.test_cli_runner().invoke(args=["import-areas", "--province", "Gia Lai"])
    assert result.exit_code == 0, result.output
    province = db.session.scalar(select(Area).where(Area.level == AreaLevel.PROVINCE))
    assert province.name == "Gia Lai" and province.code == "52"
    communes = db.session.scalars(select(Area).where(Area.parent_id == province.id)).all()
    names = {c.name for c in communes}
    assert {"Xã Tuy Phước", "Xã Tuy Phước Đông", "Xã Tuy Phước Tây", "Xã Tuy Phước Bắc"} <= names
    assert all(c.path.startswith(province.path) for c in communes)
    again = app.test_cli_runner().invoke(args=["import-areas", "--province", "gia lai"])
    assert "Đã thêm 0" in again.output  # idempotent
    bad = app.test_cli_runner().invoke(args=["import-areas", "--province", "Atlantis"])
    assert bad.exit_code != 0 and "Không tìm thấy" in bad.output


def test_create_admin_cli(app):
    runner = app.test_cli_runner()
    r = runner.invoke(args=["create-admin", "--phone", "0911222333", "--name", "Admin"],
                      input="matkhau-dai\nmatkhau-dai\n")
    assert r.exit_code == 0, r.output
    user = db.session.scalar(select(User).where(User.phone == "0911222333"))
    assert user.role == "admin" and user.password_hash.startswith("$argon2id$")


def test_seed_demo_is_deterministic(make_app, template_db, tmp_path):
    import shutil
    from fieldapp.demo import seed_demo
    results = []
    for n in range(2):
        url = None
        if not isinstance(template_db, str):  # SQLite: two fresh copies; PostgreSQL: one database
            path = tmp_path / f"demo{n}.sqlite"
            shutil.copy(template_db, path)
            url = f"sqlite:///{path}"
        app = make_app(**({"SQLALCHEMY_DATABASE_URI": url} if url else {}))
        with app.app_context():
            if n and not url:
                from tests.conftest import _truncate_pg
                _truncate_pg(app)
            seed_demo(households_per_village=20)
            results.append((
                db.session.scalar(select(func.count()).select_from(Household)),
                db.session.scalar(select(func.count()).select_from(Visit)),
                sorted(db.session.scalars(select(Household.code)))[:5],
                db.session.scalar(select(User.name).where(User.phone == "0900000003")),
            ))
    assert results[0][0] > 80 and results[0][1] > 40
    assert results[0] == results[1]


def test_officer_adds_villages_by_form(client, world, auth):
    auth.login("0900000001")
    commune = world.commune
    r = client.post(f"/areas/{commune.id}/villages", data={"name": "Thôn Mới"})
    assert r.status_code == 302
    r = client.post(f"/areas/{commune.id}/villages", data={"name": "thôn mới"})
    assert r.status_code == 422 and "đã có trong Xã Tuy Phước" in r.text
    assert "Thôn Mới" in set(db.session.scalars(select(Area.name).where(Area.parent_id == commune.id)))



def test_village_management_scope(client, world, auth):
    auth.login("0900000011")  # officer of the other commune
    assert client.post(f"/areas/{world.commune.id}/villages", data={"name": "X"}).status_code == 404
    auth.logout()
    auth.login("0900000012")  # province viewer: sees, cannot change
    assert client.get(f"/areas/{world.commune.id}").status_code == 200
    assert client.post(f"/areas/{world.commune.id}/villages", data={"name": "X"}).status_code == 403
    auth.logout()
    auth.login("0900000003")
    assert client.get(f"/areas/{world.commune.id}").status_code == 404


def test_sqlite_pragmas(app):
    if db.engine.dialect.name != "sqlite":
        return
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("PRAGMA temp_store")).scalar() == 2  # MEMORY: the writer's savepoint journal
