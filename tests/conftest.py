"""An app per test on a fresh database: a copy of a migrated SQLite file, or a truncated
PostgreSQL database when TEST_DATABASE_URL is set. Factories build members and log them in."""
from __future__ import annotations

import csv
import io
import os
import re
import shutil
import socket
import uuid
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask.globals import _cv_app
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import event, text

from booking import create_app
from booking.domain import accounts
from booking.extensions import db
from booking.models import Booking, Expense, Space

ROOT = Path(__file__).resolve().parent.parent
# Browser tests need Chromium and a served app: `make e2e` runs them (E2E=1), `make test` the rest.
collect_ignore = [] if os.environ.get("E2E") else ["e2e"]
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
PASSWORD = "correct horse battery"


def _config(uri: str, **extra) -> dict:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": uri,
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # cheap hashing keeps the suite fast
        "RATELIMIT_STORAGE_URI": "process-memory://",
        # Settings read on every request, as statement counts expect; tests/test_hot_paths.py
        # keeps them (and token grants) cached for the whole test, and tests the caches'
        # production lifetimes where it tests the caches.
        "SETTINGS_CACHE_SECONDS": 0,
        "BASE_URL": "http://localhost",
        "SERVER_NAME": None,
    }
    config.update(extra)
    return config


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs():
    """Compile the .po catalogs once, so translated pages can be checked without `make`."""
    for po_path in (ROOT / "booking" / "translations").glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file)
            with mo_path.open("wb") as mo_file:
                write_mo(mo_file, catalog)


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory):
    """The schema built by the migrations, once per session: what `flask db upgrade` makes."""
    if TEST_DATABASE_URL:
        app = create_app(_config(TEST_DATABASE_URL))
        with app.app_context():
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
            upgrade(directory=str(ROOT / "migrations"))
            db.engine.dispose()
        return TEST_DATABASE_URL
    template = tmp_path_factory.mktemp("template") / "template.db"
    app = create_app(_config(f"sqlite:///{template}"))
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        db.engine.dispose()
    return template


@pytest.fixture
def database_url(migrated_database, tmp_path):
    if TEST_DATABASE_URL:
        return TEST_DATABASE_URL
    target = tmp_path / "test.db"
    shutil.copy(migrated_database, target)
    return f"sqlite:///{target}"


@pytest.fixture
def app_config():
    """Override in a test module to change the app's configuration."""
    return {}


class IsolatedClient(FlaskClient):
    """Each request gets its own app context, hence its own session and `g`, as in production.

    Flask would otherwise reuse the test's app context, and a request would see objects and
    cached values left by the test or by earlier requests.
    """

    def open(self, *args, **kwargs):
        token = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)


@pytest.fixture
def app(database_url, app_config):
    app = create_app(_config(database_url, **app_config))
    app.test_client_class = IsolatedClient
    with app.app_context():
        if TEST_DATABASE_URL:
            _truncate_all()
        yield app
        db.session.remove()
        db.engine.dispose()


def _truncate_all() -> None:
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with db.engine.begin() as connection:
        # The ledger refuses TRUNCATE (a trigger); the tests' superuser skips triggers here.
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_member(app):
    """make_member(role="member", email=None, password=PASSWORD, **fields) -> Member"""
    counter = iter(range(1, 100000))

    def make(role: str = "member", email: str | None = None, password: str | None = PASSWORD,
             name: str | None = None, **fields):
        n = next(counter)
        member = accounts.create_member(
            db.session, email=email or f"{role}{n}@example.org", name=name or f"{role.title()} {n}",
            role=role, password=password, hash_method="pbkdf2:sha256:1000")
        for key, value in fields.items():
            setattr(member, key, value)
        db.session.commit()
        return member

    return make


@pytest.fixture
def login(client):
    """login(member) signs the test client in as that member."""

    def do_login(member, password: str = PASSWORD):
        response = client.post("/login", data={"email": member.email, "password": password})
        assert response.status_code == 302, f"login failed for {member.email}"
        return member

    return do_login


@pytest.fixture
def member(make_member):
    return make_member("member", name="Léa Musicienne")


@pytest.fixture
def comanager(make_member):
    return make_member("comanager", name="Camille Cogérante")


@pytest.fixture
def admin(make_member):
    return make_member("admin", name="Alex Admin")


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """with count_queries() as counter: ... then counter.count is the number of SQL statements."""

    @contextmanager
    def counting():
        counter = QueryCounter()

        def before(conn, cursor, statement, parameters, context, executemany):
            if not re.match(r"\s*(PRAGMA|SAVEPOINT|RELEASE|BEGIN|COMMIT|ROLLBACK)", statement,
                            re.IGNORECASE):
                counter.statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", before)

    return counting


BRUSSELS = ZoneInfo("Europe/Brussels")
EVERY_DAY = {d: [["08:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Brussels wall-clock time as the UTC instant the database stores."""
    return datetime(year, month, day, hour, minute, tzinfo=BRUSSELS).astimezone(UTC)


def csv_tables(text: str) -> list[list[list[str]]]:
    """A CSV download holding several tables (the usage report), split at the blank rows."""
    tables: list[list[list[str]]] = [[]]
    for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))):
        if row:
            tables[-1].append(row)
        else:
            tables.append([])
    return tables


def form_time(moment: datetime) -> str:
    """How a datetime-local input sends a Brussels time."""
    return moment.astimezone(BRUSSELS).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def make_space(app):
    """make_space(**fields) -> Space; open every day 08:00-24:00 unless told otherwise."""
    counter = iter(range(1, 100000))

    def make(**fields):
        values = {
            "name": f"Studio {next(counter)}", "kind": "rehearsal_room", "capacity": 6,
            "opening_hours": EVERY_DAY, "slot_minutes": 30, "min_minutes": 30,
            "max_minutes": 480, "horizon_days": 90, "notice_minutes": 0, "buffer_minutes": 0,
            "cancel_notice_hours": 48, "needs_approval": False, "show_titles": False,
            "hourly_weight_pct": 100, "hourly_rate_cents": 0, "active": True,
        }
        values.update(fields)
        space = Space(**values)
        db.session.add(space)
        db.session.commit()
        return space

    return make


@pytest.fixture
def make_booking(app):
    """make_booking(space, member, start, end, **fields) -> Booking written directly."""

    def make(space, member, start, end, title="Répétition", status="confirmed", **fields):
        booking = Booking(space_id=space.id, member_id=member.id, start_at=start, end_at=end,
                          blocked_until=end + timedelta(minutes=space.buffer_minutes),
                          status=status, title=title, **fields)
        db.session.add(booking)
        db.session.commit()
        return booking

    return make


@pytest.fixture
def taken(make_member, make_space, make_booking):
    """(space, holder, booking): "Studio" taken on Tuesday 1 December 2026, 18:00-20:00, by
    Hélène (the waiting-list tests queue for it)."""
    space = make_space(name="Studio")
    holder = make_member(name="Hélène")
    booking = make_booking(space, holder, local(2026, 12, 1, 18), local(2026, 12, 1, 20))
    return space, holder, booking


@pytest.fixture
def token_for(app):
    """token_for(member) -> the Authorization header of a fresh API token of theirs."""

    def make(member, name="script"):
        from booking.domain import api_tokens
        from booking.models.types import utcnow

        _token, secret = api_tokens.create_token(db.session, member, name, utcnow())
        db.session.commit()
        return {"Authorization": f"Bearer {secret}"}

    return make


@pytest.fixture
def api(client):
    """api(method, path, headers, json=...) -> response"""

    def call(method, path, headers=None, **kwargs):
        return client.open("/api/v1" + path, method=method, headers=headers or {}, **kwargs)

    return call


@pytest.fixture
def people(make_member, make_space, make_booking):
    """Léa booked 3 h and Jan 1 h in March 2026; Sofia (3 shares) booked nothing."""
    from booking.models import Plan

    musician, company = Plan(name="Musicien", shares=1), Plan(name="Compagnie", shares=3)
    db.session.add_all([musician, company])
    db.session.commit()
    lea = make_member(name="Léa", plan_id=musician.id)
    jan = make_member(name="Jan", plan_id=musician.id)
    sofia = make_member(name="Sofia", plan_id=company.id)
    space = make_space(name="Studio A")
    make_booking(space, lea, local(2026, 3, 3, 10), local(2026, 3, 3, 13))
    make_booking(space, jan, local(2026, 3, 4, 10), local(2026, 3, 4, 11))
    return lea, jan, sofia, space


def add_expense(**fields):
    """A cost to share, March 2026 rent by usage unless `fields` say otherwise."""
    values = {"label": "Loyer de mars", "category": "rent", "amount_cents": 100_000,
              "spent_on": date(2026, 3, 1), "period_start": date(2026, 3, 1),
              "period_end": date(2026, 3, 31), "method": "usage", "mixed_percent": 0,
              "mixed_base": "shares", "spread_months": 1}
    values.update(fields)
    expense = Expense(**values)
    db.session.add(expense)
    db.session.commit()
    return expense


# --- a PostgreSQL server, for the tests that make databases of their own -------------------

PG_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def pg_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
        return True
    except OSError:
        return False


needs_pg = pytest.mark.skipif(not pg_answers(), reason="needs PostgreSQL on 127.0.0.1:5432")
DIALECTS = ["sqlite", pytest.param("postgresql", marks=needs_pg)]


@pytest.fixture
def fresh_database(tmp_path):
    """fresh_database(kind) -> the URL of a new, empty database (dropped afterwards)."""
    created = []

    def make(kind: str) -> str:
        if kind == "sqlite":
            return f"sqlite:///{tmp_path / uuid.uuid4().hex}.db"
        name = f"fresh_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(PG_SERVER, autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        created.append(name)
        return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"

    yield make
    for name in created:
        with psycopg.connect(PG_SERVER, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
