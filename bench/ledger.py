"""Ledger speed on the 100,000-booking data set with 500 expenses: preview and post one usage
allocation, compute every balance, render a member's statement (median and p95 in ms).

    .venv/bin/python bench/ledger.py
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/bench \
        .venv/bin/python bench/ledger.py
"""
from __future__ import annotations

import os
import random
import statistics
import time as clock

from dataset import BOOKINGS, DAYS, MEMBERS, PASSWORD, db, make_app, print_table
from sqlalchemy import event, insert, select

from booking.domain import ledger
from booking.domain.periods import month_end, month_start
from booking.models import Expense, Member

RUNS = int(os.environ.get("BENCH_RUNS", "20"))
EXPENSES = 500


def main() -> None:
    app, url = make_app()
    rng = random.Random(3)
    months = sorted({month_start(d) for d in DAYS})
    with app.app_context():
        rows = []
        for i in range(EXPENSES):
            first = months[i % len(months)]
            last = month_end(first)
            rows.append({"label": f"Cost {i}", "category": "rent",
                         "amount_cents": rng.randint(1_000, 500_000), "spent_on": first,
                         "period_start": first, "period_end": last, "method": "usage",
                         "mixed_percent": 0, "mixed_base": "shares", "spread_months": 1})
        db.session.execute(insert(Expense), rows)
        db.session.commit()
        expense_ids = db.session.execute(select(Expense.id).order_by(Expense.id)).scalars().all()
    statements: list[str] = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    print(f"Data set: {MEMBERS} members, {BOOKINGS:,} bookings, {EXPENSES} expenses "
          f"({url.split(':')[0]}).")

    def timed(label, action):
        timings, counts = [], []
        for i in range(RUNS):
            statements.clear()
            started = clock.perf_counter()
            action(i)
            timings.append((clock.perf_counter() - started) * 1000)
            counts.append(len(statements))
        timings.sort()
        return (label, RUNS, statistics.median(timings),
                timings[min(RUNS - 1, int(RUNS * 0.95))], max(counts))

    def preview(i):
        with app.test_request_context():
            expense = db.session.get(Expense, expense_ids[i])
            ledger.preview_allocation(db.session, expense, 0, "Europe/Brussels")
            db.session.remove()

    def post(i):
        with app.test_request_context():
            expense = db.session.get(Expense, expense_ids[100 + i])
            actor = db.session.get(Member, 1)
            ledger.post_allocation(db.session, expense, 0, actor=actor, tz="Europe/Brussels")
            db.session.commit()
            db.session.remove()

    def balances(_i):
        with app.app_context():
            ledger.balances(db.session)
            db.session.remove()

    rows = [timed("preview one usage allocation (300 members)", preview),
            timed("post one usage allocation", post),
            timed("all balances (one query)", balances)]
    client = app.test_client()
    client.post("/login", data={"email": "m1@example.org", "password": PASSWORD})
    rows.append(timed("member statement page", lambda _i: client.get("/ledger/statement")))
    print_table(rows)


if __name__ == "__main__":
    main()
