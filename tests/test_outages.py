"""Database trouble is a quick 503: a stopped PostgreSQL (connection refused), a frozen one (a
server that accepts and never answers, or stops answering in the middle of a statement), and
a locked SQLite. One log line per failed request, no traceback, and service returns by itself."""
from __future__ import annotations

import contextlib
import logging
import os
import socket
import sqlite3
import threading
import time

import pytest
from sqlalchemy import text

from booking import create_app
from booking.extensions import db
from tests.conftest import TEST_DATABASE_URL, IsolatedClient, _config, needs_pg

PG_URL = os.environ.get("OUTAGE_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SilentServer:
    """Accepts connections and never says a word: a frozen PostgreSQL, seen from the client."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.accepted.append(connection)

    def close(self):
        self.listener.close()
        for connection in self.accepted:
            connection.close()


class FreezableProxy:
    """Forwards to PostgreSQL until frozen; frozen, it reads nothing and forwards nothing."""

    def __init__(self, target=("127.0.0.1", 5432)):
        self.target = target
        self.frozen = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.sockets.append(client)
            threading.Thread(target=self._open, args=(client,), daemon=True).start()

    def _open(self, client):
        while self.frozen.is_set():  # a frozen server accepts (the kernel does) and then hangs
            time.sleep(0.05)
        upstream = socket.create_connection(self.target)
        self.sockets.append(upstream)
        threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()
        self._pipe(upstream, client)

    def _pipe(self, source, target):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                while self.frozen.is_set():
                    time.sleep(0.05)
                target.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, target):
                with contextlib.suppress(OSError):
                    end.close()

    def close(self):
        self.listener.close()
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.close()


def _app(uri: str, **extra):
    settings = {"DB_CONNECT_TIMEOUT": 1, "DB_RETRY_INTERVAL": 0.5, "DB_RETRY_AFTER": 7}
    settings.update(extra)
    app = create_app(_config(uri, **settings))
    app.test_client_class = IsolatedClient
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/probe")
    def probe():
        """Stands for any page: one statement."""
        return str(db.session.execute(text("SELECT 1")).scalar())

    return app


def _request_lines(caplog, request_id):
    return [r for r in caplog.records if getattr(r, "request_id", None) == request_id
            or request_id in r.getMessage()]


def test_stopped_database_gives_api_callers_a_503_problem_with_retry_after(caplog):
    app = _app(f"postgresql+psycopg://postgres@127.0.0.1:{_free_port()}/mutualise")
    client = app.test_client()
    with caplog.at_level(logging.INFO):
        started = time.monotonic()
        # The rate limiter looks the token up before the view: it must degrade too.
        response = client.get("/api/v1/bookings/1", headers={
            "Authorization": "Bearer secret", "X-Request-ID": "down-1"})
    assert time.monotonic() - started < 3
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"] == "7"
    assert response.json["type"].endswith("database-unavailable")
    lines = _request_lines(caplog, "down-1")
    assert len(lines) == 1, [r.getMessage() for r in lines]
    assert "database unavailable" in lines[0].getMessage()
    assert lines[0].exc_info is None
    assert "127.0.0.1" not in response.get_data(as_text=True)
    # The reason, without where the database is (the line is read by more than admins).
    assert "Connection refused" in lines[0].getMessage()
    assert "127.0.0.1" not in lines[0].getMessage() and "port" not in lines[0].getMessage()


@pytest.mark.parametrize("message, reason", [
    ('connection failed: connection to server at "10.0.0.5", port 5432 failed: Connection '
     'refused\n\tIs the server running on that host?',
     "OperationalError: connection failed: connection to server failed: Connection refused"),
    ('connection to server at "db.internal" (10.0.0.5), port 6543 failed: timeout expired',
     "OperationalError: connection to server failed: timeout expired"),
    ('connection to server on socket "/run/postgresql/.s.PGSQL.5432" failed: No such file or '
     'directory', "OperationalError: connection to server failed: No such file or directory"),
])
def test_the_failure_reason_keeps_the_cause_and_drops_the_server_address(message, reason):
    from sqlalchemy import exc

    from booking.outages import short_reason

    class OperationalError(Exception):
        pass

    error = exc.OperationalError("SELECT 1", {}, OperationalError(message))
    assert short_reason(error) == reason


def test_a_rate_limited_page_keeps_the_outage_retry_after():
    """The login form is rate limited: its limiter's reset (a minute) must not replace the
    few seconds after which the database may answer again."""
    app = _app(f"postgresql+psycopg://postgres@127.0.0.1:{_free_port()}/mutualise")
    client = app.test_client()
    response = client.post("/login", data={"email": "ada@example.org", "password": "x" * 12})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "7"


def test_stopped_database_shows_signed_in_readers_a_static_page_in_their_language(caplog):
    app = _app(f"postgresql+psycopg://postgres@127.0.0.1:{_free_port()}/mutualise")
    client = app.test_client()
    with client.session_transaction() as session:  # a signed-in member's cookie
        session["_user_id"] = "1.0"
        session["_fresh"] = True
    with caplog.at_level(logging.INFO):
        response = client.get("/bookings/mine", headers={"Accept-Language": "nl",
                                                         "X-Request-ID": "down-2"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "7"
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert '<html lang="nl">' in page
    assert "Mutualise is even niet beschikbaar" in page
    assert "down-2" in page
    lines = _request_lines(caplog, "down-2")
    assert len(lines) == 1 and lines[0].exc_info is None


def test_a_server_that_never_answers_costs_the_connect_timeout_then_fails_fast():
    silent = SilentServer()
    try:
        app = _app(f"postgresql+psycopg://postgres@127.0.0.1:{silent.port}/mutualise",
                   DB_RETRY_INTERVAL=30)
        client = app.test_client()
        started = time.monotonic()
        assert client.get("/probe").status_code == 503
        first = time.monotonic() - started
        started = time.monotonic()
        assert client.get("/probe").status_code == 503
        second = time.monotonic() - started
        assert client.get("/healthz").status_code == 200
    finally:
        silent.close()
    assert 0.8 < first < 3
    assert second < 0.3  # no worker waits on a database known to be down


@needs_pg
def test_a_database_frozen_mid_request_is_a_503_and_service_returns_by_itself(caplog):
    proxy = FreezableProxy()
    try:
        app = _app(PG_URL.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}"),
                   DB_STATEMENT_TIMEOUT=1)

        @app.route("/slow")
        def slow():
            proxy.frozen.set()  # freezes between the pre-ping and the statement
            return str(db.session.execute(text("SELECT 2")).scalar())

        client = app.test_client()
        assert client.get("/probe").get_data(as_text=True) == "1"
        with caplog.at_level(logging.INFO):
            started = time.monotonic()
            response = client.get("/slow", headers={"X-Request-ID": "frozen-1"})
            assert response.status_code == 503
            assert time.monotonic() - started < 4  # the statement watchdog: timeout + 1 s
            started = time.monotonic()
            assert client.get("/probe").status_code == 503  # pre-ping bounded, then fail fast
            assert time.monotonic() - started < 3
            assert client.get("/healthz").status_code == 200
        assert len(_request_lines(caplog, "frozen-1")) == 1
        assert not [r for r in caplog.records if r.exc_info]
        proxy.frozen.clear()
        deadline = time.monotonic() + 10
        while client.get("/probe").status_code != 200:
            assert time.monotonic() < deadline, "service did not return"
            time.sleep(0.3)
    finally:
        proxy.close()


@needs_pg
def test_a_hung_database_frees_waiting_requests_as_soon_as_a_ping_goes_unanswered():
    """A frozen server holds every statement already sent until its own deadline (15 s
    here): the first unanswered pre-ping (half a second) fails them all at once, so workers
    are free to answer /healthz and fail fast instead of waiting."""
    proxy = FreezableProxy()
    try:
        app = _app(PG_URL.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}"),
                   DB_STATEMENT_TIMEOUT=15, DB_PING_TIMEOUT=0.5)

        @app.route("/slow")
        def slow():
            db.session.execute(text("SELECT 1"))  # its connection checked out and pinged
            proxy.frozen.set()
            return str(db.session.execute(text("SELECT 2")).scalar())  # sent, never answered

        with app.app_context(), db.engine.connect() as first, db.engine.connect() as second:
            first.execute(text("SELECT 1"))  # two pooled connections: /slow takes one, the
            second.execute(text("SELECT 1"))  # probe pings the other (no connect to wait on)
        waited = {}

        def hung_request():
            started = time.monotonic()
            waited["status"] = app.test_client().get("/slow").status_code
            waited["seconds"] = time.monotonic() - started

        hung = threading.Thread(target=hung_request)
        hung.start()
        time.sleep(1.0)  # its statement now waits on the frozen server
        started = time.monotonic()
        assert app.test_client().get("/probe").status_code == 503
        assert time.monotonic() - started < 2  # the ping's half second, not a connect timeout
        hung.join(timeout=5)
        assert not hung.is_alive(), "the waiting request was not freed"
        assert waited["status"] == 503
        assert waited["seconds"] < 4  # far from its 16 s statement deadline
        proxy.frozen.clear()
    finally:
        proxy.close()


@needs_pg
def test_a_connection_the_database_drops_after_the_answer_is_made_is_not_a_500():
    """A PostgreSQL restart terminates the connection while the request ends: the page was
    made, so it is served; requests after it get a fresh connection."""
    app = _app(PG_URL)

    @app.route("/terminated")
    def terminated():
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        with db.engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        return "made"

    client = app.test_client()
    response = client.get("/terminated")
    assert (response.status_code, response.get_data(as_text=True)) == (200, "made")
    deadline = time.monotonic() + 5  # after the retry interval (half a second here)
    while client.get("/probe").get_data(as_text=True) != "1":
        assert time.monotonic() < deadline, "service did not return"
        time.sleep(0.2)


@pytest.fixture
def app_config():
    return {"SQLITE_BUSY_TIMEOUT": 0.2}


@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="SQLite's write lock")
def test_a_locked_sqlite_database_is_a_503_not_a_500(app, make_member, token_for, make_space):
    member = make_member()
    headers = token_for(member)
    space = make_space()
    blocker = sqlite3.connect(db.engine.url.database, timeout=0)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        app.config["PROPAGATE_EXCEPTIONS"] = False
        response = app.test_client().post("/api/v1/bookings", headers=headers, json={
            "space_id": space.id, "start": "2026-12-01T18:00:00+01:00",
            "end": "2026-12-01T20:00:00+01:00", "title": "Répétition"})
    finally:
        blocker.rollback()
        blocker.close()
    assert response.status_code == 503
    assert response.headers["Retry-After"]


def test_an_unexpected_error_is_logged_once_with_its_traceback(app, client, caplog):
    @app.route("/boom")
    def boom():
        raise RuntimeError("kaput")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    with caplog.at_level(logging.INFO):
        assert client.get("/boom", headers={"X-Request-ID": "bug-1"}).status_code == 500
    with_traceback = [r for r in caplog.records if r.exc_info]
    assert len(with_traceback) == 1
    assert "bug-1" in with_traceback[0].getMessage()
