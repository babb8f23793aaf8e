"""Usage speed on the 100,000-booking data set: the monthly usage report for 300 members and
one quota check, median and p95 in milliseconds, with the SQL statements each runs.

    .venv/bin/python bench/usage.py
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/bench .venv/bin/python bench/usage.py
"""
from __future__ import annotations

import os
import statistics
import time as clock
from datetime import timedelta

from dataset import BOOKINGS, MEMBERS, NOW, PASSWORD, db, make_app, print_table
from sqlalchemy import event, select, update

from booking.domain import quotas
from booking.models import Member, Plan, QuotaRule, Space

RUNS = int(os.environ.get("BENCH_RUNS", "30"))


def timed(label: str, action, counter: list) -> tuple[str, int, float, float, int]:
    timings, statements = [], []
    for _ in range(RUNS):
        counter.clear()
        started = clock.perf_counter()
        action()
        timings.append((clock.perf_counter() - started) * 1000)
        statements.append(len(counter))
    timings.sort()
    return (label, RUNS, statistics.median(timings),
            timings[min(RUNS - 1, int(RUNS * 0.95))], max(statements))


def main() -> None:
    app, url = make_app()
    with app.app_context():
        plan = Plan(name="Musicien·ne", monthly_fee_cents=2500, shares=1)
        db.session.add(plan)
        db.session.flush()
        db.session.add(QuotaRule(plan_id=plan.id, space_kind="rehearsal_room", period="month",
                                 limit_minutes=20 * 60, over_limit="overage",
                                 peak_weight_pct=150, peak_weekends=True))
        db.session.execute(update(Member).values(plan_id=plan.id))
        db.session.commit()
    print(f"Data set: {MEMBERS} members, {BOOKINGS:,} bookings ({url.split(':')[0]}).")
    statements: list[str] = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))

    client = app.test_client()
    client.post("/login", data={"email": "m0@example.org", "password": PASSWORD})
    month = NOW.date().replace(day=1) - timedelta(days=1)

    def report():
        assert client.get(f"/usage/?period=month&date={month.isoformat()}").status_code == 200

    def quota_check():
        with app.app_context(), app.test_request_context():
            member = db.session.execute(select(Member).where(Member.id == 2)).scalar_one()
            space = db.session.get(Space, 1)
            start = NOW + timedelta(days=3)
            quotas.check_quotas(db.session, member, space, [(start, start + timedelta(hours=2))],
                                "Europe/Brussels")

    rows = [timed("usage report, one month, 300 members", report, statements),
            timed("one quota check (member, month)", quota_check, statements)]
    print_table(rows)


if __name__ == "__main__":
    main()
