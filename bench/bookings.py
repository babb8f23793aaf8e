"""Booking speed on a big data set: 10 spaces, 300 members, 100,000 bookings over two years.

Prints median and p95 (milliseconds) and SQL statements per request for: creating a booking,
the week view of a space, the all-spaces day view, a slot search over one month, and the
member's home page (their next bookings, quotas and balance).

    .venv/bin/python bench/bookings.py                      # SQLite file in a temp folder
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/bench \
        .venv/bin/python bench/bookings.py
"""
from __future__ import annotations

import os
import random
import statistics
import time as clock
from datetime import timedelta

from dataset import BOOKINGS, DAYS, MEMBERS, NOW, PASSWORD, SPACES, TZ, db, make_app, print_table
from sqlalchemy import event

RUNS = int(os.environ.get("BENCH_RUNS", "40"))


def measure(app, label: str, paths_or_posts, counter, email: str = "m1@example.org"
            ) -> tuple[str, int, float, float, int]:
    client = app.test_client()
    client.post("/login", data={"email": email, "password": PASSWORD})
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
    started = clock.perf_counter()
    app, url = make_app()
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
            measure(app, "slot search, one month", searches, statements),
            measure(app, "home page", ["/dashboard"] * RUNS, statements)]
    print_table(rows)


if __name__ == "__main__":
    main()
