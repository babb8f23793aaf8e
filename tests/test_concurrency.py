"""No double booking, ever: parallel requests for one slot, and the database's own guard."""
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from booking.extensions import db
from booking.models import Booking
from tests.conftest import form_time, local

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
PARALLEL = 20


@pytest.fixture
def app_config():
    return {"FROZEN_NOW": NOW, "LOGIN_RATE_LIMIT": "1000 per minute"}


def test_twenty_parallel_requests_for_one_slot_book_it_exactly_once(app, login, make_member,
                                                                    make_space):
    space_id = make_space(buffer_minutes=15).id  # threads must not touch the test's session
    clients = []
    for _ in range(PARALLEL):
        client = app.test_client()
        member = make_member()
        response = client.post("/login", data={"email": member.email,
                                               "password": "correct horse battery"})
        assert response.status_code == 302
        clients.append(client)
    barrier = threading.Barrier(PARALLEL)
    results: list[tuple[int, str]] = []
    lock = threading.Lock()

    def attempt(client, offset):
        """One member's request; any exception is kept as a failed result, not lost."""
        # Half ask for 18:00-20:00, half for 19:00-21:00: all overlap one another.
        start = local(2026, 3, 4, 18) + timedelta(hours=offset % 2)
        barrier.wait()
        try:
            response = client.post("/bookings/new", data={
                "space_id": space_id, "start": form_time(start),
                "end": form_time(start + timedelta(hours=2)), "title": f"Essai {offset}",
                "note": "", "repeat": "none"})
            outcome = (response.status_code, response.get_data(as_text=True))
        except Exception as error:  # noqa: BLE001 - reported by the assertions below
            outcome = (-1, repr(error))
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=attempt, args=(c, i)) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == PARALLEL
    successes = [code for code, _ in results if code == 302]
    refusals = [body for code, body in results if code == 200]
    assert len(successes) == 1
    assert len(refusals) == PARALLEL - 1
    assert all("déjà pris" in body for body in refusals)
    db.session.expire_all()
    active = db.session.execute(select(func.count(Booking.id)).where(
        Booking.status.in_(("pending", "confirmed")))).scalar()
    assert active == 1


def test_the_database_itself_refuses_an_overlap(app, make_member, make_space):
    """PostgreSQL: the exclusion constraint. SQLite: the write lock a booking takes."""
    space = make_space(buffer_minutes=30)
    member = make_member()
    start = local(2026, 3, 4, 18)
    insert = text(
        "INSERT INTO bookings (space_id, member_id, start_at, end_at, blocked_until, status, "
        "title, note, sequence, created_at, updated_at, decision_reason, cancel_reason, "
        "late_cancellation) VALUES (:space, :member, :start, :end, :blocked, 'confirmed', 't', "
        "'', 0, :start, :start, '', '', false)")

    def params(begin):
        naive = db.engine.dialect.name == "sqlite"
        as_stored = (lambda d: d.replace(tzinfo=None)) if naive else (lambda d: d)
        return {"space": space.id, "member": member.id, "start": as_stored(begin),
                "end": as_stored(begin + timedelta(hours=2)),
                "blocked": as_stored(begin + timedelta(hours=2, minutes=30))}

    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(insert, params(start))
        # 20:15 starts inside the 30-minute buffer after 20:00: refused by PostgreSQL itself.
        with pytest.raises(IntegrityError, match="bookings_no_overlap"), \
                db.engine.begin() as connection:
            connection.execute(insert, params(start + timedelta(hours=2, minutes=15)))
        # A cancelled booking does not hold the slot.
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE bookings SET status = 'cancelled'"))
            connection.execute(insert, params(start + timedelta(hours=2, minutes=15)))
    else:
        holder = db.engine.raw_connection()
        holder.driver_connection.execute("BEGIN IMMEDIATE")
        other = db.engine.raw_connection()
        other.driver_connection.execute("PRAGMA busy_timeout = 100")
        with pytest.raises(Exception, match="locked"):
            other.driver_connection.execute("BEGIN IMMEDIATE")
        holder.driver_connection.rollback()
        holder.close()
        other.close()
