"""Equipment and the waiting list under parallel requests: never more units than there are,
a freed slot booked once, an offer accepted once. Run on SQLite and PostgreSQL."""
from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from booking.domain import bookings as rules
from booking.domain import waitlist
from booking.extensions import db
from booking.models import Booking, BookingEquipment, EquipmentItem, Space, WaitlistEntry
from tests.conftest import local

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
PARALLEL = 10


@pytest.fixture
def app_config():
    return {"FROZEN_NOW": NOW, "API_RATE_LIMIT": "100000 per minute"}


def _in_parallel(app, calls):
    """Run each call(client) in its own thread, released together; returns their results."""
    barrier = threading.Barrier(len(calls))
    results, lock = [], threading.Lock()

    def run(call):
        client = app.test_client()
        barrier.wait()
        try:
            outcome = call(client)
        except Exception as error:  # noqa: BLE001 - reported by the assertions
            outcome = ("error", repr(error))
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == len(calls), results
    return results


def test_parallel_bookings_in_different_spaces_never_exceed_the_quantity(
        app, make_member, make_space, token_for):
    """Ten rooms, one van pool of 3: the space locks do not serialize these, the item's do."""
    item = EquipmentItem(name="Van", quantity=3, description="", hourly_weight_pct=0,
                         active=True)
    db.session.add(item)
    db.session.commit()
    item_id = item.id
    spaces = [make_space().id for _ in range(PARALLEL)]
    headers = [token_for(make_member()) for _ in range(PARALLEL)]

    def call_for(i):
        def call(client):
            response = client.post("/api/v1/bookings", headers=headers[i], json={
                "space_id": spaces[i], "start": "2026-12-01T18:00:00+01:00",
                "end": "2026-12-01T20:00:00+01:00", "title": f"Tournée {i}",
                "equipment": [{"item_id": item_id, "quantity": 1}]})
            return response.status_code, response.get_json()
        return call

    results = _in_parallel(app, [call_for(i) for i in range(PARALLEL)])
    codes = sorted(code for code, _ in results)
    assert codes == [201] * 3 + [422] * (PARALLEL - 3), results
    assert all(body["type"].endswith("equipment-unavailable")
               for code, body in results if code == 422)
    db.session.expire_all()
    held = db.session.execute(select(func.sum(BookingEquipment.quantity))).scalar()
    assert held == 3
    assert db.session.execute(select(func.count(Booking.id))).scalar() == 3


def _taken_slot_with_line(make_member, make_space, make_booking, auto_book):
    space = make_space()
    holder = make_member()
    start, end = local(2026, 12, 2, 18), local(2026, 12, 2, 20)
    halves = [make_booking(space, holder, start, local(2026, 12, 2, 19)),
              make_booking(space, holder, local(2026, 12, 2, 19), end)]
    waiting = [make_member() for _ in range(3)]
    for member in waiting:
        waitlist.join_waitlist(db.session, space=space, member=member, start=start, end=end,
                               auto_book=auto_book, now=NOW, tz="Europe/Brussels")
    db.session.commit()
    return space, holder, halves, waiting


def test_two_freed_slot_handlers_book_the_slot_once(app, make_member, make_space,
                                                    make_booking, token_for):
    """The two bookings in the way are cancelled at once: both handlers serve the line, the
    waited-for time is booked once, for the first in line."""
    space, holder, halves, waiting = _taken_slot_with_line(make_member, make_space,
                                                           make_booking, auto_book=True)
    headers = token_for(holder)
    ids = [b.id for b in halves]

    def cancel(booking_id):
        def call(client):
            response = client.post(f"/api/v1/bookings/{booking_id}/cancel", headers=headers,
                                   json={})
            return response.status_code, response.get_json()
        return call

    results = _in_parallel(app, [cancel(i) for i in ids])
    assert sorted(code for code, _ in results) == [200, 200], results
    db.session.expire_all()
    active = db.session.execute(select(Booking).where(
        Booking.space_id == space.id, Booking.status.in_(("pending", "confirmed")))
    ).scalars().all()
    assert [b.member_id for b in active] == [waiting[0].id]
    statuses = db.session.execute(select(WaitlistEntry.member_id, WaitlistEntry.status)
                                  .order_by(WaitlistEntry.id)).all()
    assert [s for _m, s in statuses] == ["booked", "waiting", "waiting"]


def test_an_offer_accepted_several_times_at_once_books_once(app, make_member, make_space,
                                                            make_booking, token_for):
    space, holder, halves, waiting = _taken_slot_with_line(make_member, make_space,
                                                           make_booking, auto_book=False)
    for booking in halves:
        rules.cancel_booking(db.session, booking, actor=holder, reason="", now=NOW)
    db.session.commit()
    entry = db.session.execute(select(WaitlistEntry).where(
        WaitlistEntry.member_id == waiting[0].id)).scalar_one()
    assert entry.status == "offered"
    entry_id = entry.id
    headers = token_for(waiting[0])
    others = [token_for(m) for m in waiting[1:]]

    def accept(client):
        response = client.post(f"/api/v1/waitlist/{entry_id}/accept", headers=headers,
                               json={"title": "Enfin"})
        return response.status_code, response.get_json()

    def book_it_instead(i):
        def call(client):
            response = client.post("/api/v1/bookings", headers=others[i], json={
                "space_id": space.id, "start": "2026-12-02T18:00:00+01:00",
                "end": "2026-12-02T20:00:00+01:00", "title": "Moi"})
            return response.status_code, response.get_json()
        return call

    results = _in_parallel(app, [accept] * 4 + [book_it_instead(0), book_it_instead(1)])
    created = [body for code, body in results if code == 201]
    assert len(created) == 1, results
    assert created[0]["member_id"] == waiting[0].id
    db.session.expire_all()
    active = db.session.execute(select(Booking).where(
        Booking.space_id == space.id, Booking.status.in_(("pending", "confirmed")))
    ).scalars().all()
    assert [b.member_id for b in active] == [waiting[0].id]


def test_parallel_equipment_changes_and_bookings_never_exceed_the_quantity(
        app, make_member, make_space, make_booking, token_for):
    """Five existing bookings ask for a van while five new bookings do, in ten rooms, with a
    pool of 3: a change takes the lock a new booking takes, so three get one in all."""
    item = EquipmentItem(name="Van", quantity=3, description="", hourly_weight_pct=0,
                         active=True)
    db.session.add(item)
    db.session.commit()
    item_id = item.id
    members = [make_member() for _ in range(PARALLEL)]
    headers = [token_for(m) for m in members]
    spaces = [make_space().id for _ in range(PARALLEL)]
    existing = [make_booking(db.session.get(Space, spaces[i]), members[i],
                             local(2026, 12, 1, 18), local(2026, 12, 1, 20)).id
                for i in range(PARALLEL // 2)]
    wanted = [{"item_id": item_id, "quantity": 1}]

    def change(i):
        def call(client):
            response = client.put(f"/api/v1/bookings/{existing[i]}/equipment",
                                  headers=headers[i], json={"equipment": wanted})
            return response.status_code, response.get_json()
        return call

    def create(i):
        def call(client):
            response = client.post("/api/v1/bookings", headers=headers[i], json={
                "space_id": spaces[i], "start": "2026-12-01T19:00:00+01:00",
                "end": "2026-12-01T21:00:00+01:00", "title": f"Tournée {i}",
                "equipment": wanted})
            return response.status_code, response.get_json()
        return call

    results = _in_parallel(app, [change(i) for i in range(PARALLEL // 2)]
                           + [create(i) for i in range(PARALLEL // 2, PARALLEL)])
    codes = [code for code, _ in results]
    assert sum(code in (200, 201) for code in codes) == 3, results
    assert all(body["type"].endswith("equipment-unavailable")
               for code, body in results if code == 422), results
    db.session.expire_all()
    held = db.session.execute(select(func.sum(BookingEquipment.quantity))).scalar()
    assert held == 3
