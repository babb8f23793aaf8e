"""The big data set the bench scripts share: 10 spaces, 300 members, 100,000 bookings over
two years (a year back, a year ahead; 14 one-hour bookings a day per space)."""
from __future__ import annotations

import os
import random
import sys
import tempfile
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

# The repository first; bench/ last, so that bench/http.py never hides the standard library's
# `http` (which Werkzeug imports) from the scripts run as `python bench/<script>.py`.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.sort(key=lambda entry: entry == str(Path(__file__).resolve().parent))  # stable sort

from flask_migrate import upgrade
from sqlalchemy import insert, text
from werkzeug.security import generate_password_hash

from booking import create_app
from booking.extensions import db
from booking.models import Booking, Member, Space

__all__ = ["BOOKINGS", "DAYS", "MEMBERS", "NOW", "PASSWORD", "SPACES", "TZ", "db", "make_app",
           "migrated_app", "print_table"]

TZ = ZoneInfo("Europe/Brussels")
SPACES, MEMBERS, BOOKINGS = 10, 300, 100_000
NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
DAYS = [(NOW.astimezone(TZ).date() + timedelta(days=d)) for d in range(-365, 365)]
PASSWORD = "bench password"


def wall(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=TZ).astimezone(UTC)


def build(app, bookings: int = BOOKINGS) -> None:
    """Members, spaces, then bookings by bulk insert: 14 one-hour bookings a day per space, on
    the days around now that `bookings` fills (all of DAYS for the default 100,000)."""
    with app.app_context():
        password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
        db.session.execute(insert(Member), [
            {"email": f"m{i}@example.org", "name": f"Member {i}",
             "role": "comanager" if i == 0 else "member",
             "password_hash": password_hash, "active": True, "phone": ""}
            for i in range(MEMBERS)])
        every_day = {d: [["08:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat",
                                                       "sun")}
        db.session.execute(insert(Space), [
            {"name": f"Space {i}", "kind": "rehearsal_room" if i < 6 else "decor_workshop",
             "opening_hours": every_day, "slot_minutes": 30, "min_minutes": 60,
             "max_minutes": 480, "horizon_days": 400, "notice_minutes": 0, "buffer_minutes": 0,
             "cancel_notice_hours": 48, "capacity": 8, "active": True}
            for i in range(SPACES)])
        db.session.commit()
        rows = []
        rng = random.Random(42)
        days = -(-bookings // (SPACES * 14))
        first = max(0, len(DAYS) // 2 - days // 2)
        for day in DAYS[first:first + days]:
            for space_id in range(1, SPACES + 1):
                for hour in range(8, 22):
                    start = wall(day, hour)
                    rows.append({"space_id": space_id, "member_id": rng.randint(1, MEMBERS),
                                 "start_at": start, "end_at": start + timedelta(hours=1),
                                 "blocked_until": start + timedelta(hours=1),
                                 "status": "confirmed", "title": "Répétition", "note": "",
                                 "sequence": 0, "created_at": NOW, "updated_at": NOW,
                                 "decision_reason": "", "cancel_reason": "",
                                 "late_cancellation": False})
        rows = rows[:bookings]
        for i in range(0, len(rows), 5000):
            db.session.execute(insert(Booking), rows[i:i + 5000])
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()


def migrated_app(**config):
    """An app on an empty migrated database: BENCH_DATABASE_URL (its schema is dropped first),
    or a SQLite file in a temp folder. Returns (app, url)."""
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        url = "sqlite:///" + os.path.join(tempfile.mkdtemp(), "bench.db")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True,
                      "WTF_CSRF_ENABLED": False, "FROZEN_NOW": NOW,
                      "LOGIN_RATE_LIMIT": "10000 per minute", **config})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    return app, url


def make_app():
    """A migrated database filled with the big data set."""
    app, url = migrated_app()
    build(app)
    return app, url


def print_table(rows) -> None:
    """rows: (operation, runs, median ms, p95 ms, SQL statements), as a Markdown table."""
    print("\n| operation | runs | median ms | p95 ms | SQL statements |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for label, runs, median, p95, count in rows:
        print(f"| {label} | {runs} | {median:.1f} | {p95:.1f} | {count} |")
