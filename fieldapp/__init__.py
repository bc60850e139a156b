"""fieldapp: household visits and tallies for community digital technology teams."""
import gc
import os
import secrets
from pathlib import Path

from flask import Flask, has_request_context, request

from . import unit_of_work
from .config import Config
from .extensions import babel, compress, csrf, db, login_manager, migrate
from .settings import SettingsError, describe_database, gather, settings_from

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    instance = os.environ.get("FIELDAPP_INSTANCE_PATH") or str(ROOT / "instance")
    app = Flask(__name__, instance_path=instance, instance_relative_config=True,
                template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    app.config.from_object(Config)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        raw, env_file = gather(Path(app.instance_path))
        app.config.update(settings_from(raw))
        app.config["ENV_FILE"] = str(env_file) if env_file else None
    else:
        app.config.update(test_config)
    _configure_database_url(app)
    _configure_secret_key(app)
    _say_database_to_the_command_line(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    compress.init_app(app)
    login_manager.init_app(app)
    unit_of_work.init_app(app)  # first registered, so its after_request runs last: it commits what the others wrote

    # Each feature's routes attach to the blueprint its package makes; a package's __init__.py does not import
    # its routes, so importing a feature's queries or operations never loads pages (tests/test_architecture.py).
    from . import access, cli
    from .account import routes as account
    from .admin import routes as admin
    from .api import routes as api
    from .areas import routes as areas
    from .audit_log import routes as audit_log
    from .auth import routes as auth
    from .badges import routes as badges
    from .campaigns import routes as campaigns
    from .core import routes as core
    from .exports import routes as exports
    from .households import routes as households
    from .households import stickers as _stickers  # noqa: F401 (the stickers' routes, on households.bp)
    from .imports import routes as imports
    from .integrations import routes as integrations
    from .jobs import routes as jobs
    from .joining import routes as joining
    from .leaderboards import routes as leaderboards
    from .notices import routes as notices
    from .observability import init_observability
    from .outreach import routes as outreach
    from .privacy import routes as privacy
    from .pwa import routes as pwa
    from .qrcodes import public_url, qr_svg
    from .reports import routes as reports
    from .signoff import routes as signoff
    from .tallies import routes as tallies
    from .teams import routes as teams
    from .visits import routes as visits
    from .walks import routes as walks
    from .web import init_web
    init_web(app)
    init_observability(app)
    access.init_app(app)
    app.add_template_global(qr_svg, "qr_svg")
    app.add_template_global(public_url, "public_url")
    for feature in (core, auth, areas, households, visits, teams, admin, joining, badges, account, audit_log, privacy,
                    api, pwa, tallies, leaderboards, campaigns, outreach, reports, signoff, imports, exports, integrations,
                    notices, jobs, walks):
        app.register_blueprint(feature.bp)
    cli.init_app(app)
    return app


def settle_worker() -> None:
    """Once the app is loaded in a serving process (wsgi.py, and the benches after their create_app): what it
    made at start (modules, the models' metadata, templates: ~160,000 objects, most of a worker's) never becomes
    garbage, so it goes out of the cyclic collector's sight (gc.freeze). A full collection walking it took ~85 ms
    of CPU inside some request: a third of a sync batch's CPU on average (docs/performance.md, "Batch sync
    against a bare-driver floor"), up to 130 ms in a heavy page (a province board builds 30,000 rows)."""
    gc.collect()
    gc.freeze()


def _configure_database_url(app: Flask) -> None:
    url = app.config.get("SQLALCHEMY_DATABASE_URI")
    if not url:
        if app.config.get("PRODUCTION"):
            raise SettingsError("FIELDAPP_PRODUCTION=1 but DATABASE_URL is not set: refusing to fall back to "
                                "a local SQLite file (set DATABASE_URL in the env file, see docs/deploy.md)")
        url = f"sqlite:///{Path(app.instance_path) / 'fieldapp.sqlite'}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    app.config["SQLALCHEMY_DATABASE_URI"] = url


def _configure_secret_key(app: Flask) -> None:
    """Made once per installation, kept in instance/ and never committed."""
    if app.config.get("SECRET_KEY"):
        return
    if app.config.get("PRODUCTION"):
        raise SettingsError("FIELDAPP_PRODUCTION=1 but FIELDAPP_SECRET_KEY is not set: every app host needs the "
                            "same key, so it is not generated into instance/")
    key_file = Path(app.instance_path) / "secret_key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    app.config["SECRET_KEY"] = key_file.read_text().strip()


def _say_database_to_the_command_line(app: Flask) -> None:
    """Every `flask` command (db upgrade, backup, restore, timers …) says on stderr which database it uses."""
    import click
    if click.get_current_context(silent=True) is None:
        return  # gunicorn, tests
    source = app.config.get("ENV_FILE") or "no env file"
    click.echo(f"fieldapp: database {describe_database(app.config['SQLALCHEMY_DATABASE_URI'])} "
               f"(settings: {source})", err=True)


def _select_locale() -> str:
    if not has_request_context():
        return "vi"
    lang = request.cookies.get("lang")
    return lang if lang in ("vi", "en") else "vi"
