"""Fixtures: a real app from the factory on a real database built by the Alembic migrations.

SQLite by default (a template database is migrated once, then copied for each test);
set TEST_DATABASE_URL=postgresql://... to run the same tests on PostgreSQL.
"""
import os
import re
import shutil
from pathlib import Path

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from hypothesis import settings as _hypothesis_settings
from sqlalchemy import delete as delete_, select as select_, text

from fieldapp import create_app
from fieldapp.extensions import db

PG_URL = os.environ.get("TEST_DATABASE_URL")
FAST_HASH = {"ARGON2_MEMORY_COST": 1024, "ARGON2_TIME_COST": 1, "ARGON2_PARALLELISM": 1}


# Tests build months of history through the real operations (reports, rollups, campaigns): a back-entry
# window of a year and more. The window's own tests (test_back_entry.py) use the default of Config, 30 days.
BACK_ENTRY = {"BACK_ENTRY_DAYS": 400}


def _config(url: str, **extra) -> dict:
    return {"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False, "JOBS_INLINE": True, **FAST_HASH, **BACK_ENTRY, **extra}


@pytest.fixture(scope="session")
def template_db(tmp_path_factory):
    """Run every migration once, from empty, into a template database."""
    from flask_migrate import upgrade
    if PG_URL:
        app = create_app(_config(PG_URL))
        with app.app_context():
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
            upgrade()
            db.session.remove()
            db.engine.dispose()  # no idle connection left: a restore refuses while others are connected
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    app = create_app(_config(f"sqlite:///{path}"))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return path


def _truncate_pg(app) -> None:
    with app.app_context():
        tables = [t.name for t in reversed(db.metadata.sorted_tables) if t.name != "services"]
        db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


class FreshGlobalsClient(FlaskClient):
    """Each request starts with an empty `g`, as in production.

    The `app` fixture keeps one app context open so tests can use db.session; Flask reuses it for
    test requests, which would otherwise carry the signed-in user and locale from one request to the next.
    """

    def open(self, *args, **kwargs):
        g.__dict__.clear() if has_app_context() else None
        return super().open(*args, **kwargs)


@pytest.fixture
def make_app(template_db, tmp_path):
    apps = []

    def factory(**extra):
        if PG_URL:
            app = create_app(_config(PG_URL, **extra))
        else:
            path = tmp_path / f"test{len(apps)}.sqlite"
            if not path.exists():
                shutil.copy(template_db, path)
            app = create_app(_config(f"sqlite:///{path}", **extra))
        app.test_client_class = FreshGlobalsClient
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    if PG_URL and apps:
        _truncate_pg(apps[0])


@pytest.fixture
def spare_url(tmp_path):
    """The URL of a second, empty database of the same engine (the shared PostgreSQL test database is
    already at the head): SQLite, a new file; PostgreSQL, a new database, dropped afterwards.
    (Flask-SQLAlchemy picks the engine from the current app: touch no object of the test's session
    while the other app's context is pushed, or it is read from the spare database.)"""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'spare.sqlite'}"
        return
    from sqlalchemy import create_engine
    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    name = f"fieldapp_spare_{os.getpid()}_{tmp_path.name[-12:].replace('-', '_').lower()}"
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    yield PG_URL.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def world(app):
    from tests.factories import build_world
    return build_world()


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, phone, password="secret-pass-1"):
        return self.client.post("/login", data={"phone": phone, "password": password})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return Auth(client)


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, "no CSRF token in the page"
    return m.group(1) or m.group(2)


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


# Hypothesis: modest example counts by default so the suite stays fast ("dev" for a longer hunt).
_hypothesis_settings.register_profile("ci", max_examples=30, deadline=None, derandomize=True)
_hypothesis_settings.register_profile("dev", max_examples=300, deadline=None)
_hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def restore_services(app):
    """The services table is kept between tests on PostgreSQL (seeded by a migration): remove the
    services a test added, with whatever assistance rows point at them."""
    from fieldapp.models import Assistance, Service
    before = set(db.session.scalars(select_(Service.id)))
    yield
    db.session.rollback()
    added = set(db.session.scalars(select_(Service.id))) - before
    if added:
        db.session.execute(delete_(Assistance).where(Assistance.service_id.in_(added)))
        db.session.execute(delete_(Service).where(Service.id.in_(added)))
        db.session.commit()

