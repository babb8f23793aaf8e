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
import socket
import sqlite3
import threading
import time
from functools import partial

from flask import Flask
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine


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


def short_reason(error: BaseException) -> str:
    """One line for the log: the kind of failure, without connection details."""
    if isinstance(error, DatabaseUnavailable):
        return "failed moments ago, not retried yet"
    if isinstance(error, exc.TimeoutError):
        return "no free connection in the pool"
    original = getattr(error, "orig", None) or error
    first_line = (str(original).strip().splitlines() or [type(original).__name__])[0]
    return f"{type(original).__name__}: {first_line[:160]}"


class Breaker:
    """Fail fast for `retry_seconds` after a failure, then let a single caller try again."""

    def __init__(self, retry_seconds: float):
        self.retry_seconds = retry_seconds
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

    @property
    def open(self) -> bool:
        return self._failed


class Watchdog:
    """One thread per process that shuts down the socket of a connection past its deadline."""

    TICK = 0.2

    def __init__(self):
        self._lock = threading.Lock()
        self._deadlines: dict[int, tuple[float, int]] = {}
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
            self._deadlines[id(dbapi_connection)] = (time.monotonic() + seconds, fd)

    def disarm(self, dbapi_connection) -> None:
        with self._lock:
            self._deadlines.pop(id(dbapi_connection), None)

    def _run(self) -> None:
        while True:
            time.sleep(self.TICK)
            now = time.monotonic()
            with self._lock:
                expired = [(key, fd) for key, (deadline, fd) in self._deadlines.items()
                           if deadline <= now]
                for key, _fd in expired:
                    del self._deadlines[key]
            for _key, fd in expired:
                _shut_down(fd)


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
    breaker = Breaker(config["DB_RETRY_INTERVAL"])
    if engine.dialect.name == "sqlite":
        return breaker
    statement_deadline = (config["DB_STATEMENT_TIMEOUT"] or 60) + 1
    ping_deadline = max(1.0, config["DB_CONNECT_TIMEOUT"])

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

    A failed ping only discards the pooled connection: the new connection that replaces it
    says whether the database is down (after a restart, it is not)."""
    breaker.check()
    WATCHDOG.arm(dbapi_connection, deadline)
    try:
        alive = ping(dbapi_connection)
    except BaseException:
        breaker.release()
        raise
    finally:
        WATCHDOG.disarm(dbapi_connection)
    if alive:
        breaker.succeeded()
    else:
        breaker.release()
    return alive


def init_app(app: Flask, engines) -> None:
    app.extensions["database_breakers"] = [guard_engine(engine, app.config)
                                           for engine in engines]
