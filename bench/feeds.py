"""Calendar feed speed: a member's feed of 10,000 events.

Prints, in milliseconds (median and p95), the full build of the feed through the Flask test
client (token check, aggregate, query, events, serialization), a 304 answer to a calendar app
whose copy is current, and the floor: `icalendar` itself building and serializing the same
10,000 events from values already in memory. Targets: full build within 1.5x the floor, 304
under 2 % of the full build.

    .venv/bin/python bench/feeds.py                      # SQLite file in a temp folder
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/bench .venv/bin/python bench/feeds.py
"""
from __future__ import annotations

import os
import random
import statistics
import time as clock
from datetime import UTC, datetime, timedelta

from dataset import db, migrated_app
from icalendar import Calendar, Event
from sqlalchemy import event, insert, select, text

from booking.domain.feed_tokens import hash_feed_token
from booking.models import Booking, Member, Space

EVENTS = 10_000
SPACES = 10
FULL_RUNS = int(os.environ.get("BENCH_FULL_RUNS", "9"))
CACHED_RUNS = int(os.environ.get("BENCH_CACHED_RUNS", "50"))
NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
TOKEN = "bench-token-" + "x" * 31
STATUSES = ["confirmed"] * 90 + ["pending"] * 6 + ["cancelled"] * 4


def build(app) -> None:
    """One member with 10,000 bookings from 90 days back on, in 10 spaces."""
    with app.app_context():
        db.session.execute(insert(Member), [{
            "email": "feed@example.org", "name": "Léa Musicienne", "role": "member",
            "active": True, "phone": "", "feed_token": hash_feed_token(TOKEN)}])
        db.session.execute(insert(Space), [
            {"name": f"Studio {i}", "kind": "rehearsal_room", "opening_hours": {},
             "slot_minutes": 30, "min_minutes": 30, "max_minutes": 480, "horizon_days": 400,
             "notice_minutes": 0, "buffer_minutes": 0, "cancel_notice_hours": 48,
             "capacity": 8, "active": True, "address": f"Rue du Théâtre {i}, 1000 Bruxelles"}
            for i in range(SPACES)])
        rng = random.Random(42)
        first = NOW - timedelta(days=89)
        rows = []
        for i in range(EVENTS):
            start = first + timedelta(hours=3 * i)
            status = rng.choice(STATUSES)
            rows.append({
                "space_id": i % SPACES + 1, "member_id": 1, "start_at": start,
                "end_at": start + timedelta(hours=2), "blocked_until": start + timedelta(hours=2),
                "status": status, "title": f"Répétition n° {i}, scène; acte {i % 5}",
                "note": "Apporter les partitions" if i % 3 == 0 else "",
                "sequence": rng.randint(0, 3), "created_at": NOW - timedelta(days=100),
                "updated_at": NOW - timedelta(days=rng.randint(1, 20)),
                "cancelled_at": NOW - timedelta(days=2) if status == "cancelled" else None,
                "decision_reason": "", "cancel_reason": "", "late_cancellation": False})
        for i in range(0, len(rows), 5000):
            db.session.execute(insert(Booking), rows[i:i + 5000])
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()


def floor_values(app) -> list[tuple]:
    """The values of the feed's events, loaded before timing the floor."""
    with app.app_context():
        return db.session.execute(
            select(Booking.id, Booking.start_at, Booking.end_at, Booking.status, Booking.title,
                   Booking.note, Booking.sequence, Booking.updated_at, Space.name, Space.address)
            .join(Space, Space.id == Booking.space_id).order_by(Booking.start_at)).all()


def icalendar_floor(values: list[tuple]) -> bytes:
    """icalendar alone: the same properties for the same events, serialized."""
    status = {"pending": "TENTATIVE", "confirmed": "CONFIRMED", "cancelled": "CANCELLED"}
    calendar = Calendar()
    for name, value in (("prodid", "-//Bench//EN"), ("version", "2.0"),
                        ("calscale", "GREGORIAN"), ("method", "PUBLISH"),
                        ("x-wr-calname", "Mes réservations"),
                        ("x-wr-timezone", "Europe/Brussels")):
        calendar.add(name, value)
    for (booking_id, start, end, state, title, note, sequence, updated_at, space,
         address) in values:
        url = f"http://127.0.0.1:5000/bookings/{booking_id}"
        item = Event()
        item.add("uid", f"booking-{booking_id}@127.0.0.1")
        item.add("dtstamp", updated_at)
        item.add("dtstart", start)
        item.add("dtend", end)
        item.add("summary", f"{title} · {space}")
        item.add("location", f"{space}, {address}")
        item.add("description", f"{note}\n\nPage de la réservation : {url}" if note
                 else f"Page de la réservation : {url}")
        item.add("url", url)
        item.add("status", status[state])
        item.add("sequence", sequence)
        item.add("last-modified", updated_at)
        calendar.add_component(item)
    return calendar.to_ical()


def timed(function, runs: int) -> tuple[float, float, list]:
    timings, results = [], []
    for _ in range(runs):
        started = clock.perf_counter()
        results.append(function())
        timings.append((clock.perf_counter() - started) * 1000)
    timings.sort()
    return (statistics.median(timings), timings[min(len(timings) - 1, int(len(timings) * .95))],
            results)


def main() -> None:
    app, url = migrated_app(FROZEN_NOW=NOW, BASE_URL="http://127.0.0.1:5000")
    build(app)
    statements: list[str] = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    client = app.test_client()
    feed_url = f"/feeds/{TOKEN}/member.ics"

    def full():
        statements.clear()
        response = client.get(feed_url)
        assert response.status_code == 200, response.status_code
        return response, len(statements)

    def cached():
        statements.clear()
        response = client.get(feed_url, headers={"If-None-Match": etag})
        assert response.status_code == 304, response.status_code
        return response, len(statements)

    full()  # warm up: templates, translations, connection
    full_median, full_p95, results = timed(full, FULL_RUNS)
    body = results[-1][0].data
    events = body.count(b"BEGIN:VEVENT")
    assert events == EVENTS, events
    etag = results[-1][0].headers["ETag"]
    full_queries = results[-1][1]
    cached_median, cached_p95, results = timed(cached, CACHED_RUNS)
    cached_queries = results[-1][1]
    values = floor_values(app)
    floor_median, floor_p95, results = timed(lambda: icalendar_floor(values), FULL_RUNS)

    print(f"Feed of {events:,} events ({len(body) / 1e6:.1f} MB), {url.split(':')[0]}.")
    print("\n| operation | runs | median ms | p95 ms | SQL statements |")
    print("| --- | ---: | ---: | ---: | ---: |")
    print(f"| icalendar alone: build and serialize (floor) | {FULL_RUNS} | {floor_median:.0f} | "
          f"{floor_p95:.0f} | 0 |")
    print(f"| full feed request | {FULL_RUNS} | {full_median:.0f} | {full_p95:.0f} | "
          f"{full_queries} |")
    print(f"| 304 Not Modified request | {CACHED_RUNS} | {cached_median:.2f} | "
          f"{cached_p95:.2f} | {cached_queries} |")
    ratio, share = full_median / floor_median, cached_median / full_median
    print(f"\nfull / floor = {ratio:.2f} (target <= 1.5: {'ok' if ratio <= 1.5 else 'MISSED'}); "
          f"304 / full = {share:.2%} (target < 2 %: {'ok' if share < 0.02 else 'MISSED'})")


if __name__ == "__main__":
    main()
