"""Health checks for load balancers and monitoring, and the one log line per request."""
from __future__ import annotations

import json
import logging
import socket
import time

import pytest
from sqlalchemy import text

from booking import create_app
from booking.extensions import db
from booking.logs import REQUEST_LOGGER, JsonFormatter
from tests.conftest import IsolatedClient, _config


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_healthz_answers_without_the_database_and_is_never_cached(client, login, member,
                                                                 count_queries):
    login(member)  # even with a session cookie, nothing is read
    with count_queries() as counter:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert counter.count == 0


def test_readyz_checks_database_and_migrations(app, client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json == {"status": "ready",
                             "checks": {"database": "ok", "migrations": "ok"}}
    assert response.headers["Cache-Control"] == "no-store"
    with db.engine.begin() as connection:
        head = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        connection.execute(text("UPDATE alembic_version SET version_num = 'd41c7e9a2b10'"))
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json["checks"]["migrations"] == "not at head"
    finally:
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :head"),
                               {"head": head})


def test_readyz_is_503_within_a_second_when_the_database_is_down():
    uri = f"postgresql+psycopg://app:s3cret-pw@127.0.0.1:{_free_port()}/mutualise"
    app = create_app(_config(uri))
    app.test_client_class = IsolatedClient
    started = time.monotonic()
    response = app.test_client().get("/readyz")
    assert time.monotonic() - started < 1.5
    assert response.status_code == 503
    assert response.json["checks"]["database"] == "unavailable"
    assert "s3cret" not in response.get_data(as_text=True)
    assert app.test_client().get("/healthz").status_code == 200


@pytest.mark.parametrize("redis_port, expected", [(6379, "ok"), (None, "unavailable")])
def test_readyz_checks_redis_when_configured(database_url, redis_port, expected):
    port = redis_port or _free_port()
    app = create_app(_config(database_url, RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{port}/0"))
    app.test_client_class = IsolatedClient
    response = app.test_client().get("/readyz")
    assert response.json["checks"]["redis"] == expected
    assert response.status_code == (200 if expected == "ok" else 503)


@pytest.fixture
def default_limit(database_url):
    """An app with a default limit on every view; the shared limiter forgets it afterwards."""
    from booking.extensions import limiter

    app = create_app(_config(database_url, RATELIMIT_DEFAULT="2 per minute"))
    app.test_client_class = IsolatedClient
    yield app
    limiter.limit_manager.set_default_limits([])


def test_health_checks_are_never_rate_limited(default_limit):
    client = default_limit.test_client()
    for _ in range(5):
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 200
    statuses = [client.get("/login").status_code for _ in range(4)]
    assert 429 in statuses  # the limit exists; the health checks are exempt from it


def test_each_request_logs_one_line_with_member_statements_and_duration(client, login, member,
                                                                        caplog):
    login(member)
    with caplog.at_level(logging.INFO, logger=REQUEST_LOGGER):
        client.get("/bookings/mine", headers={"X-Request-ID": "line-1"})
    lines = [r for r in caplog.records if r.name == REQUEST_LOGGER and r.request_id == "line-1"]
    assert len(lines) == 1
    fields = lines[0].fields
    assert fields["method"] == "GET" and fields["path"] == "/bookings/mine"
    assert fields["status"] == 200
    assert fields["member_id"] == member.id
    assert fields["sql"] > 0
    assert fields["duration_ms"] >= 0
    entry = json.loads(JsonFormatter().format(lines[0]))
    assert entry["request_id"] == "line-1" and entry["status"] == 200 and "time" in entry


def test_tokens_never_reach_the_request_log(client, caplog):
    with caplog.at_level(logging.INFO, logger=REQUEST_LOGGER):
        client.get("/feeds/TOPSECRETFEED/member.ics?token=ALSOSECRET&lang=fr")
    text_lines = " ".join(r.getMessage() for r in caplog.records)
    assert "TOPSECRETFEED" not in text_lines and "ALSOSECRET" not in text_lines
    assert "/feeds/[redacted]/member.ics?token=[redacted]&lang=fr" in text_lines


def test_json_log_format_writes_one_object_per_line(database_url, capsys):
    app = create_app(_config(database_url, LOG_FORMAT="json"))
    app.test_client_class = IsolatedClient
    app.test_client().get("/healthz", headers={"X-Request-ID": "json-1"})
    handler = logging.getLogger().handlers[0]
    record = logging.makeLogRecord({"msg": "hello", "levelname": "INFO", "request_id": "x"})
    assert json.loads(handler.format(record))["message"] == "hello"
    create_app(_config(database_url))  # back to text for the other tests


SECRET = "TOPSECRET0123456789"


def _secret_routes(app) -> list[str]:
    """A path for every route with a token in it, the token being SECRET."""
    from booking.logs import is_secret_argument

    paths = []
    for rule in app.url_map.iter_rules():
        if any(is_secret_argument(name) for name in rule.arguments):
            values = {name: SECRET if is_secret_argument(name) else "1" for name in rule.arguments}
            paths.append(rule.build(values, append_unknown=False)[1])
    return paths


def test_no_token_in_a_path_reaches_the_request_log(app, client, caplog):
    paths = _secret_routes(app)
    for known in ("/password/reset/", "/invitation/", "/account/email/", "/feeds/",
                  "/surveys/s/"):
        assert any(path.startswith(known) for path in paths), known
    # No route matched (a 404): the paths of the routes with tokens still hide them.
    paths += [f"/password/reset/{SECRET}/more", f"/surveys/s/{SECRET}/nothing-here"]
    with caplog.at_level(logging.INFO, logger=REQUEST_LOGGER):
        for number, path in enumerate(paths):
            client.get(path, headers={"X-Request-ID": f"secret-{number}"})
    for number, path in enumerate(paths):
        lines = [r for r in caplog.records
                 if r.name == REQUEST_LOGGER and r.request_id == f"secret-{number}"]
        assert len(lines) == 1, path
        text_line, json_line = lines[0].getMessage(), JsonFormatter().format(lines[0])
        assert SECRET not in text_line and SECRET not in json_line, path
        assert path.replace(SECRET, "[redacted]") in text_line
        assert json.loads(json_line)["path"] == path.replace(SECRET, "[redacted]")


def test_no_token_in_a_path_reaches_other_loggers(app, caplog):
    """The development server's access line, or any message naming a URL with a token."""
    with caplog.at_level(logging.INFO):
        logging.getLogger("werkzeug").info('"GET /invitation/%s HTTP/1.1" 200 -', SECRET)
        logging.getLogger("booking").info("mailed http://localhost/account/email/%s", SECRET)
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert SECRET not in logged
    assert '"GET /invitation/[redacted] HTTP/1.1" 200' in logged
