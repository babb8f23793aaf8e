"""The longest a booking can hold its space (14 days and a day of buffer), which every
time-range lookup relies on to read only the index entries near the time asked."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from booking.domain import spaces as space_rules
from booking.domain.errors import DomainError
from booking.extensions import db
from tests.conftest import local

FORTNIGHT = 14 * 24 * 60


def test_a_fortnight_booking_blocks_and_shows_until_its_last_day(
        api, client, login, member, make_member, make_space, make_booking, token_for):
    space = make_space(max_minutes=FORTNIGHT, opening_hours={
        day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})
    start = local(2026, 12, 1, 8)
    make_booking(space, make_member(), start, start + timedelta(days=14), title="Décor")
    headers = token_for(member)
    late = start + timedelta(days=13, hours=10)
    response = api("POST", "/bookings", headers, json={
        "space_id": space.id, "start": late.isoformat(),
        "end": (late + timedelta(hours=2)).isoformat(), "title": "Répétition"})
    assert response.status_code == 409
    assert [c["start"] for c in response.json["conflicts"]] == ["2026-12-01T08:00:00+01:00"]
    day = f"start={(late - timedelta(hours=1)).isoformat()}&end={late.isoformat()}"
    listed = api("GET", "/bookings?" + day.replace("+", "%2B"), headers).json
    assert [b["start"] for b in listed] == ["2026-12-01T08:00:00+01:00"]
    login(member)
    week = client.get(f"/calendar/week?space={space.id}&date=2026-12-14").get_data(as_text=True)
    assert "start=2026-12-14T" not in week and "start=2026-12-15T09" in week  # free after


def test_the_database_refuses_a_booking_holding_its_space_over_fifteen_days(
        member, make_space, make_booking):
    space = make_space(max_minutes=FORTNIGHT, buffer_minutes=24 * 60)
    start = local(2026, 12, 1, 8)
    make_booking(space, member, start, start + timedelta(days=14))  # with its day: 15
    with pytest.raises(IntegrityError, match="block_within_longest"):
        make_booking(space, member, start + timedelta(days=20),
                     start + timedelta(days=34, minutes=1))
    db.session.rollback()


@pytest.mark.parametrize("field, value", [("max_minutes", FORTNIGHT + 30),
                                          ("buffer_minutes", 24 * 60 + 1)])
def test_a_space_cannot_allow_longer(app, comanager, make_space, field, value):
    space = make_space(max_minutes=FORTNIGHT)
    values = {"name": space.name, "min_minutes": 30, "max_minutes": FORTNIGHT, field: value}
    with pytest.raises(DomainError):
        space_rules.save_space(db.session, comanager, space, values)
