"""How much notifications add to creating a booking: the same bookings created with the
outbox on (a confirmation row written in the booking's transaction) and off (as before
notifications existed), alternating one booking each, so both see the same database and the
same machine load. It must not grow by more than 10 %.

    .venv/bin/python bench/notifications.py                 # SQLite file in a temp folder
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/bench \
        .venv/bin/python bench/notifications.py
"""
from __future__ import annotations

import os
import statistics
import time as clock
from datetime import timedelta

from dataset import NOW, TZ, db, migrated_app, wall
from sqlalchemy import event

from booking.domain import bookings as rules
from booking.domain.notifications import events
from booking.models import Member, Space

RUNS = int(os.environ.get("BENCH_RUNS", "300"))
OPEN = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def setup(app) -> tuple[list[int], list[int]]:
    with app.app_context():
        spaces = [Space(name=f"Studio {i}", kind="rehearsal_room", opening_hours=OPEN,
                        min_minutes=30, max_minutes=600, horizon_days=3650) for i in range(10)]
        members = [Member(email=f"m{i}@example.org", name=f"Member {i}", role="member")
                   for i in range(50)]
        members.append(Member(email="boss@example.org", name="Boss", role="comanager"))
        db.session.add_all(spaces + members)
        db.session.commit()
        return [s.id for s in spaces], [m.id for m in members[:50]]


def create(app, space_ids, member_ids, slot: int, counter: list) -> float:
    """Create one booking (an hour of its own) and commit; milliseconds."""
    with app.app_context():
        space = db.session.get(Space, space_ids[slot % len(space_ids)])
        member = db.session.get(Member, member_ids[slot % len(member_ids)])
        start = wall(NOW.astimezone(TZ).date() + timedelta(days=1 + slot // 200),
                     0) + timedelta(hours=(slot // len(space_ids)) % 20)
        counter.clear()
        started = clock.perf_counter()
        rules.create_booking(db.session, space=space, member=member, start=start,
                             end=start + timedelta(hours=1), title="Répétition", now=NOW,
                             tz=str(TZ))
        db.session.commit()
        return (clock.perf_counter() - started) * 1000


def main() -> None:
    app, url = migrated_app()
    space_ids, member_ids = setup(app)
    statements: list[str] = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute",
                     lambda *args: statements.append(args[2]))
    real = events.booking_created
    timings = {"on": [], "off": []}
    queries = {"on": 0, "off": 0}
    for slot in range(RUNS * 2):  # alternate one by one, so both modes share the noise
        mode = "on" if slot % 2 == 0 else "off"
        events.booking_created = real if mode == "on" else (lambda session, booking: None)
        timings[mode].append(create(app, space_ids, member_ids, slot, statements))
        queries[mode] = max(queries[mode], len(statements))
    events.booking_created = real
    print(f"Creating a booking and committing, {RUNS} runs each "
          f"({url.split(':')[0]}):")
    print("\n| notifications | runs | median ms | p95 ms | SQL statements |")
    print("| --- | ---: | ---: | ---: | ---: |")
    medians = {}
    for mode in ("off", "on"):
        values = sorted(timings[mode])
        medians[mode] = statistics.median(values)
        p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
        print(f"| {mode} | {len(values)} | {medians[mode]:.2f} | {p95:.2f} | {queries[mode]} |")
    growth = (medians["on"] / medians["off"] - 1) * 100
    print(f"\nGrowth of the median with notifications on: {growth:+.1f} % (limit +10 %).")
    if growth > 10:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
