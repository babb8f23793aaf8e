"""Database trouble answered quickly: timeouts on every connection, a watchdog for a frozen
server, a short fail-fast period after a failed connection, and which errors mean "the
database is unavailable" (a 503, logged in one line) rather than a bug (a 500 with traceback).

A stopped PostgreSQL refuses connections at once; a frozen one (SIGSTOP, a dead network path)
accepts them and never answers, so neither its statement_timeout nor a cancel request helps.
The connect timeout bounds new connections; the watchdog shuts down the socket of a statement
or a pre-ping that outlives its deadline, which makes the blocked call fail like a lost
connection. After such a failure, requests fail fast for DB_RETRY_INTERVAL seconds, then one
request tries again while the others keep failing fast: workers never pile up on a dead server.
"""
from __future__ import annotations

import os
import re
import socket
import sqlite3
import threading
import time
from functools import partial

from flask import Flask
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

# libpq names the server it failed to reach: 'connection to server at "host" (address), port
# 5432 failed', or 'on socket "/run/postgresql/.s.PGSQL.5432"'.
SERVER_ADDRESS = re.compile(r'(?<=connection to server)(?: at "[^"]*"(?: \([^)]*\))?, port \d+'
                            r'| on socket "[^"]*")')


class DatabaseUnavailable(Exception):
    """The database failed moments ago: not tried again yet."""


def engine_options(uri: str, config: dict, options: dict) -> dict:
    """SQLAlchemy engine options with the configured timeouts (the caller's own win)."""
    options = dict(options)
    connect_args = dict(options.get("connect_args") or {})
    if uri.startswith("sqlite"):
        # Wait this long for SQLite's write lock, then fail ("database is locked": a 503).
        connect_args.setdefault("timeout", config["SQLITE_BUSY_TIMEOUT"])
    else:
        options.setdefault("pool_pre_ping", config["DB_POOL_PRE_PING"])
        connect_args.setdefault("connect_timeout", max(1, round(config["DB_CONNECT_TIMEOUT"])))
        settings = []
        if config["DB_STATEMENT_TIMEOUT"]:
            settings.append(f"-c statement_timeout={int(config['DB_STATEMENT_TIMEOUT'] * 1000)}")
        if config["DB_LOCK_TIMEOUT"]:
            settings.append(f"-c lock_timeout={int(config['DB_LOCK_TIMEOUT'] * 1000)}")
        if settings:
            connect_args.setdefault("options", " ".join(settings))
    options["connect_args"] = connect_args
    return options


def is_unavailable(error: BaseException) -> bool:
    """True for the database being down, frozen, overloaded or timing out; False for bugs."""
    if isinstance(error, DatabaseUnavailable | exc.TimeoutError):
        return True
    if isinstance(error, exc.DBAPIError):
        if error.connection_invalidated:
            return True
        if isinstance(error.orig, sqlite3.OperationalError):
            message = str(error.orig).lower()
            return any(sign in message for sign in
                       ("locked", "busy", "unable to open", "disk i/o", "readonly"))
        # PostgreSQL: OperationalError is the server's condition (connection lost, timeouts,
        # shutdown, too many connections), never a mistake in the statement.
        return isinstance(error, exc.OperationalError)
    return False


def remove_session(session) -> None:
    """End the request's session. If the database dropped the connection meanwhile (a
    restart), ending the transaction fails: the answer is already made (writes were
    committed by then), so the session is only discarded, not turned into a 500."""
    try:
        session.remove()
    except exc.SQLAlchemyError as error:
        if not is_unavailable(error):
            raise
        session.registry.clear()


def short_reason(error: BaseException) -> str:
    """One line for the log: the kind of failure, without connection details."""
    if isinstance(error, DatabaseUnavailable):
        return "failed moments ago, not retried yet"
    if isinstance(error, exc.TimeoutError):
        return "no free connection in the pool"
    original = getattr(error, "orig", None) or error
    first_line = (str(original).strip().splitlines() or [type(original).__name__])[0]
    return f"{type(original).__name__}: {SERVER_ADDRESS.sub('', first_line)[:160]}"


class Breaker:
    """Fail fast for `retry_seconds` after a failure, then let a single caller try again."""

    def __init__(self, retry_seconds: float, on_failure=None):
        self.retry_seconds = retry_seconds
        self.on_failure = on_failure
        self._lock = threading.Lock()
        self._failed = False
        self._probing = False
        self._retry_at = 0.0

    def check(self) -> None:
        with self._lock:
            if not self._failed:
                return
            if self._probing or time.monotonic() < self._retry_at:
                raise DatabaseUnavailable
            self._probing = True

    def succeeded(self) -> None:
        if self._failed:
            with self._lock:
                self._failed = self._probing = False

    def release(self) -> None:
        """The caller's try proved nothing (a stale pooled connection): let another try."""
        with self._lock:
            self._probing = False

    def failed(self) -> None:
        with self._lock:
            self._failed, self._probing = True, False
            self._retry_at = time.monotonic() + self.retry_seconds
        if self.on_failure is not None:
            self.on_failure()

    @property
    def open(self) -> bool:
        return self._failed


class Watchdog:
    """One thread per process that shuts down the socket of a connection past its deadline."""

    TICK = 0.2

    def __init__(self):
        self._lock = threading.Lock()
        self._deadlines: dict[int, tuple[float, int, float]] = {}  # deadline, fd, armed at
        self._pid = None

    def arm(self, dbapi_connection, seconds: float) -> None:
        try:
            fd = dbapi_connection.fileno()
        except Exception:  # a closed connection: the driver reports it itself
            return
        with self._lock:
            if self._pid != os.getpid():  # first use, or a forked worker: no thread yet
                self._pid = os.getpid()
                self._deadlines.clear()
                threading.Thread(target=self._run, name="db-watchdog", daemon=True).start()
            now = time.monotonic()
            self._deadlines[id(dbapi_connection)] = (now + seconds, fd, now)

    def disarm(self, dbapi_connection) -> None:
        with self._lock:
            self._deadlines.pop(id(dbapi_connection), None)

    def _run(self) -> None:
        while True:
            time.sleep(self.TICK)
            now = time.monotonic()
            with self._lock:
                expired = [(key, fd) for key, (deadline, fd, _at) in self._deadlines.items()
                           if deadline <= now]
                for key, _fd in expired:
                    del self._deadlines[key]
            for _key, fd in expired:
                _shut_down(fd)

    def cut_stalled(self, older_than: float) -> int:
        """The database is known down: fail at once the calls of this process that have
        waited longer than a healthy server takes to answer, rather than at their own
        deadlines, so that they free their threads (and /healthz is served) right away."""
        limit = time.monotonic() - older_than
        with self._lock:
            stalled = [(key, fd) for key, (_d, fd, armed_at) in self._deadlines.items()
                       if armed_at <= limit]
            for key, _fd in stalled:
                del self._deadlines[key]
        for _key, fd in stalled:
            _shut_down(fd)
        return len(stalled)


def _shut_down(fd: int) -> None:
    """Both directions of the socket off: the blocked read returns and the driver raises."""
    try:
        duplicate = socket.socket(fileno=os.dup(fd))
    except OSError:
        return
    try:
        duplicate.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        duplicate.close()


WATCHDOG = Watchdog()


def guard_engine(engine: Engine, config: dict) -> Breaker:
    """Attach the watchdog and the breaker to a PostgreSQL engine (SQLite needs neither)."""
    if engine.dialect.name == "sqlite":
        return Breaker(config["DB_RETRY_INTERVAL"])
    statement_deadline = (config["DB_STATEMENT_TIMEOUT"] or 60) + 1
    ping_deadline = config["DB_PING_TIMEOUT"]
    breaker = Breaker(config["DB_RETRY_INTERVAL"],
                      on_failure=partial(WATCHDOG.cut_stalled, ping_deadline))

    @event.listens_for(engine, "do_connect")
    def _connect(dialect, connection_record, cargs, cparams):
        breaker.check()
        try:
            connection = dialect.loaded_dbapi.connect(*cargs, **cparams)
        except Exception:
            breaker.failed()
            raise
        breaker.succeeded()
        return connection

    @event.listens_for(engine, "before_cursor_execute")
    def _arm(conn, cursor, statement, parameters, context, executemany):
        WATCHDOG.arm(conn.connection.dbapi_connection, statement_deadline)

    @event.listens_for(engine, "after_cursor_execute")
    def _disarm(conn, cursor, statement, parameters, context, executemany):
        WATCHDOG.disarm(conn.connection.dbapi_connection)

    @event.listens_for(engine, "handle_error")
    def _failed(context):
        if context.connection is not None and context.connection.connection is not None:
            dbapi_connection = context.connection.connection.dbapi_connection
            if dbapi_connection is not None:
                WATCHDOG.disarm(dbapi_connection)
        if context.is_disconnect and context.connection is not None:
            breaker.failed()  # a statement lost its connection (pings and connects: above)

    @event.listens_for(engine, "checkin")
    def _checkin(dbapi_connection, connection_record):
        if dbapi_connection is not None:
            WATCHDOG.disarm(dbapi_connection)

    engine.dialect.do_ping = partial(_watched_ping, engine.dialect.do_ping, breaker,
                                     ping_deadline)
    return breaker


def _watched_ping(ping, breaker: Breaker, deadline: float, dbapi_connection) -> bool:
    """The pool's pre-ping, bounded in time, and skipped while the database is known down.

    A ping that fails at once only discards the pooled connection: the new connection that
    replaces it says whether the database is down (after a restart, it is not). A ping left
    unanswered until its deadline means a hung server: fail fast from now on."""
    breaker.check()
    started = time.monotonic()
    WATCHDOG.arm(dbapi_connection, deadline)
    try:
        alive = ping(dbapi_connection)
    except BaseException:
        _unanswered_or_released(breaker, started, deadline)
        raise
    finally:
        WATCHDOG.disarm(dbapi_connection)
    if alive:
        breaker.succeeded()
    else:  # the dialect reports a cut connection as not alive rather than raising
        _unanswered_or_released(breaker, started, deadline)
    return alive


def _unanswered_or_released(breaker: Breaker, started: float, deadline: float) -> None:
    if time.monotonic() - started >= deadline:
        breaker.failed()
    else:
        breaker.release()


def init_app(app: Flask, engines) -> None:
    app.extensions["database_breakers"] = [guard_engine(engine, app.config)
                                           for engine in engines]
