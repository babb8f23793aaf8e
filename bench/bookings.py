"""Booking speed on a big data set: 10 spaces, 300 members, 100,000 bookings over two years.

Prints median and p95 (milliseconds) and SQL statements per request for: creating a booking,
the week view of a space, the all-spaces day view, and a slot search over one month.

    .venv/bin/python bench/bookings.py                      # SQLite file in a temp folder
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/bench .venv/bin/python bench/bookings.py
"""
from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade
from sqlalchemy import event, insert, text
from werkzeug.security import generate_password_hash

from booking import create_app
from booking.extensions import db
from booking.models import Booking, Member, Space

TZ = ZoneInfo("Europe/Brussels")
SPACES, MEMBERS, BOOKINGS = 10, 300, 100_000
RUNS = int(os.environ.get("BENCH_RUNS", "40"))
NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
DAYS = [(NOW.astimezone(TZ).date() + timedelta(days=d)) for d in range(-365, 365)]
PASSWORD = "bench password"


def wall(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=TZ).astimezone(UTC)


def build(app) -> None:
    """Members, spaces, then bookings by bulk insert: 14 one-hour bookings a day per space."""
    with app.app_context():
        password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
        db.session.execute(insert(Member), [
            {"email": f"m{i}@example.org", "name": f"Member {i}", "role": "member",
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
        for space_id in range(1, SPACES + 1):
            for day in DAYS:
                for hour in range(8, 22):
                    start = wall(day, hour)
                    rows.append({"space_id": space_id, "member_id": rng.randint(1, MEMBERS),
                                 "start_at": start, "end_at": start + timedelta(hours=1),
                                 "blocked_until": start + timedelta(hours=1),
                                 "status": "confirmed", "title": "Répétition", "note": "",
                                 "sequence": 0, "created_at": NOW, "updated_at": NOW,
                                 "decision_reason": "", "cancel_reason": "",
                                 "late_cancellation": False})
        rows = rows[:BOOKINGS]
        for i in range(0, len(rows), 5000):
            db.session.execute(insert(Booking), rows[i:i + 5000])
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()


def measure(app, label: str, paths_or_posts, counter) -> tuple[str, int, float, float, int]:
    client = app.test_client()
    client.post("/login", data={"email": "m0@example.org", "password": PASSWORD})
    timings, queries = [], []
    for item in paths_or_posts:
        counter.clear()
        started = clock.perf_counter()
        if isinstance(item, str):
            response = client.get(item)
            ok = response.status_code == 200
        else:
            response = client.post("/bookings/new", data=item)
            ok = response.status_code == 302
        timings.append((clock.perf_counter() - started) * 1000)
        queries.append(len(counter))
        if not ok:
            raise SystemExit(f"{label}: unexpected answer {response.status_code}")
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
    return label, len(timings), statistics.median(timings), p95, max(queries)


def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        url = "sqlite:///" + os.path.join(tempfile.mkdtemp(), "bench.db")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True,
                      "WTF_CSRF_ENABLED": False, "FROZEN_NOW": NOW,
                      "LOGIN_RATE_LIMIT": "10000 per minute"})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    started = clock.perf_counter()
    build(app)
    print(f"Data set: {SPACES} spaces, {MEMBERS} members, {BOOKINGS:,} bookings over "
          f"{len(DAYS)} days, built in {clock.perf_counter() - started:.0f} s "
          f"({url.split(':')[0]}).")

    statements: list[str] = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute",
                     lambda *args: statements.append(args[2]))
    rng = random.Random(7)
    future = [d for d in DAYS if d > NOW.astimezone(TZ).date()][:300]
    creations = [{"space_id": rng.randint(1, SPACES), "start": f"{d}T22:00", "end": f"{d}T23:00",
                  "title": "Bench", "note": "", "repeat": "none"}
                 for d in rng.sample(future, RUNS)]
    weeks = [f"/calendar/week?space={rng.randint(1, SPACES)}&date={rng.choice(DAYS)}"
             for _ in range(RUNS)]
    days = [f"/calendar/day?date={rng.choice(DAYS)}" for _ in range(RUNS)]
    searches = []
    for _ in range(RUNS):
        first = rng.choice(future[:200])
        searches.append(f"/bookings/find?kind=rehearsal_room&duration=60&date_from={first}"
                        f"&date_to={first + timedelta(days=30)}")
    rows = [measure(app, "create a booking", creations, statements),
            measure(app, "week view of a space", weeks, statements),
            measure(app, "day view, all spaces", days, statements),
            measure(app, "slot search, one month", searches, statements)]
    print("\n| operation | runs | median ms | p95 ms | SQL statements |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for label, runs, median, p95, queries in rows:
        print(f"| {label} | {runs} | {median:.1f} | {p95:.1f} | {queries} |")


if __name__ == "__main__":
    main()
