"""Mutualise: pooled rehearsal rooms and workshops for a cooperative of performing-arts workers."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask, g, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from . import errors, logs, outages
from .config import Config
from .extensions import READ_ONLY_ENDPOINTS, csrf, db, limiter, login_manager, migrate
from .models.knowledge import include_in_migrations

ROOT = Path(__file__).resolve().parent.parent
LARGEST_ID = 2**31 - 1  # PostgreSQL's integer: a larger number in a URL matches no row


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: 0 to 2^31-1, so a larger or negative id is a 404, not an
    overflow in the database."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(map, *args, **kwargs)


class Mutualise(Flask):
    def log_exception(self, exc_info) -> None:
        """Flask would log an unexpected error, and then the 500 handler again: once here."""
        from .errors import log_unexpected

        log_unexpected(exc_info)


def create_app(config: type | dict | None = None) -> Flask:
    """Build the app. `config` (a class or a dict) overrides the environment, for tests."""
    app = Mutualise(
        __name__,
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
    )
    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    # The database, uploads and keys live here: no access for other users (umask 027 too).
    os.makedirs(app.instance_path, mode=0o750, exist_ok=True)
    _configure_secrets(app)
    _configure_database(app)
    _trust_proxies(app)
    app.url_map.converters["int"] = IdConverter

    logs.init_logging(app)
    logs.log_each_request(app)
    errors.retry_after_only_when_waiting(app)  # before the rate limiter, to run after its hook

    @app.before_request
    def _start_request():
        logs.start_request()  # before the rate limiter and the login, which read the database
        g.pop("coop_settings", None)  # read afresh for each request
        if request.endpoint in READ_ONLY_ENDPOINTS and db.engine.dialect.name == "postgresql":
            db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            g.autocommit = True  # a commit would give the connection back: flush instead

    db.init_app(app)
    with app.app_context():
        outages.init_app(app, db.engines.values())

    @app.teardown_appcontext  # runs before Flask-SQLAlchemy's own, registered earlier
    def _end_session(error):
        outages.remove_session(db.session)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True,
                     include_name=include_in_migrations)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)

    from . import cli, health, i18n, jobs, security, templating

    i18n.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    templating.init_app(app)
    cli.init_app(app)
    jobs.init_app(app)
    health.init_app(app)
    _register_blueprints(app)
    logs.learn_token_paths(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from .api import bp as api_bp
    from .auth.views import bp as auth_bp
    from .bank.commands import bp as bank_bp
    from .bookings.views import bp as bookings_bp
    from .desk.views import bp as desk_bp
    from .feeds.views import bp as feeds_bp
    from .governance.views import bp as governance_bp
    from .knowledge.views import bp as knowledge_bp
    from .ledger.views import bp as ledger_bp
    from .main.views import bp as main_bp
    from .members.views import bp as members_bp
    from .notifications.views import bp as notifications_bp
    from .quotas.views import bp as quotas_bp
    from .settings.views import bp as settings_bp
    from .spaces.views import bp as spaces_bp
    from .survey.views import bp as survey_bp

    for blueprint in (main_bp, auth_bp, members_bp, settings_bp, spaces_bp, bookings_bp,
                      quotas_bp, ledger_bp, feeds_bp, api_bp, survey_bp, notifications_bp,
                      governance_bp, bank_bp, knowledge_bp, desk_bp):
        app.register_blueprint(blueprint)


def _configure_secrets(app: Flask) -> None:
    """Outside development and tests a SECRET_KEY must come from the environment.

    On a laptop (`make run`, debug on) a random key is kept in instance/ so sessions
    survive a restart.
    """
    if app.config.get("SECRET_KEY"):
        pass
    elif app.debug or app.testing:
        key_file = Path(app.instance_path) / "dev-secret-key"
        if not key_file.exists():
            key_file.write_text(secrets.token_hex(32))
        app.config["SECRET_KEY"] = key_file.read_text().strip()
    else:
        raise RuntimeError(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long random "
            "value (for example: python -c 'import secrets; print(secrets.token_hex(32))'), "
            "or run in development mode with FLASK_DEBUG=1."
        )
    secure = not (app.debug or app.testing)
    for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if app.config.get(key) is None:
            app.config[key] = secure


def _trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES proxies, the client's address and scheme come from their
    X-Forwarded-For/-Proto headers (per-address rate limits then count each client apart).
    With 0, the headers are ignored: a client could write anything in them."""
    count = int(app.config.get("TRUSTED_PROXIES") or 0)
    if count > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)


def _configure_database(app: Flask) -> None:
    uri = app.config.get("SQLALCHEMY_DATABASE_URI")
    if not uri:
        uri = "sqlite:///" + str(Path(app.instance_path) / "mutualise.db")
    elif uri.startswith("postgres://"):
        uri = "postgresql+psycopg://" + uri[len("postgres://"):]
    elif uri.startswith("postgresql://"):
        uri = "postgresql+psycopg://" + uri[len("postgresql://"):]
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = outages.engine_options(
        uri, app.config, app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """Foreign keys on, and WAL so readers never wait for the one writer."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
