"""Health checks for load balancers and monitoring: `/healthz` (the process answers; never
touches the database) and `/readyz` (the database answers within READINESS_TIMEOUT, its schema
is at the migrations' head, Redis answers when configured). JSON, never cached, no secrets;
no login, no rate limit, no charter."""
from __future__ import annotations

import threading
from functools import cache
from pathlib import Path

from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy import text

from .extensions import db, limiter

ROOT = Path(__file__).resolve().parent.parent
bp = Blueprint("health", __name__)


@cache
def migration_heads() -> frozenset[str]:
    """The revisions `flask db upgrade` leads to (read once per process)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def _answer(body: dict, status: int):
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/healthz")
def healthz():
    return _answer({"status": "ok"}, 200)


def database_revisions(engine, timeout: float) -> set[str] | None:
    """The schema's revisions, or None when the database does not answer within `timeout`.

    Asked from a thread so a frozen database costs this request `timeout` at most (the
    connection's own timeouts end the thread soon after)."""
    found: dict = {}

    def ask():
        try:
            with engine.connect() as connection:
                found["revisions"] = set(connection.execute(
                    text("SELECT version_num FROM alembic_version")).scalars())
        except Exception:  # unreachable, frozen, or not migrated yet: not ready either way
            found["revisions"] = None

    probe = threading.Thread(target=ask, name="readyz-probe", daemon=True)
    probe.start()
    probe.join(timeout)
    return found.get("revisions")


def redis_url() -> str | None:
    """The Redis the app uses (jobs, or rate-limit counters), if any."""
    url = current_app.config.get("REDIS_URL")
    storage = current_app.config.get("RATELIMIT_STORAGE_URI") or ""
    if not url and storage.startswith(("redis://", "rediss://")):
        url = storage
    return url


def redis_answers(url: str, timeout: float) -> bool:
    from redis import Redis

    try:
        client = Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


@bp.route("/readyz")
def readyz():
    timeout = current_app.config["READINESS_TIMEOUT"]
    checks = {}
    revisions = database_revisions(db.engine, timeout)
    checks["database"] = "ok" if revisions is not None else "unavailable"
    if revisions is not None:
        checks["migrations"] = "ok" if revisions == set(migration_heads()) else "not at head"
    url = redis_url()
    if url:
        checks["redis"] = "ok" if redis_answers(url, timeout) else "unavailable"
    ready = all(value == "ok" for value in checks.values())
    return _answer({"status": "ready" if ready else "not ready", "checks": checks},
                   200 if ready else 503)


def init_app(app: Flask) -> None:
    limiter.exempt(bp)
    app.register_blueprint(bp)
