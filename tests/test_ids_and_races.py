"""Numbers in URLs beyond what an id can be are 404 everywhere (not an overflow in PostgreSQL),
and a series that loses a race to the database's exclusion constraint answers with the real
conflict."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from booking.domain import bookings  # before series: their imports form a cycle
from booking.domain import series as series_rules
from booking.extensions import db
from booking.models import Booking
from tests.conftest import TEST_DATABASE_URL, local


@pytest.mark.parametrize("number", ["2147483648", "9223372036854775808", "-1", "-2147483649"])
def test_ids_out_of_range_are_404_problems_in_the_api(api, member, token_for, number):
    headers = token_for(member)
    for path in (f"/bookings/{number}", f"/spaces/{number}/availability"):
        response = api("GET", path, headers)
        assert response.status_code == 404, path
        assert response.mimetype == "application/problem+json"


def test_the_largest_id_is_a_plain_404(api, member, token_for):
    assert api("GET", "/bookings/2147483647", token_for(member)).status_code == 404


@pytest.mark.parametrize("number", ["2147483648", "-5"])
def test_ids_out_of_range_are_404_pages_on_the_site(client, login, member, number):
    login(member)
    response = client.get(f"/bookings/{number}")
    assert response.status_code == 404
    assert "<html" in response.get_data(as_text=True)


def test_a_query_string_number_out_of_range_finds_nothing(api, client, login, member,
                                                          token_for):
    response = api("GET", "/bookings?space_id=2147483648", token_for(member))
    assert response.status_code in (200, 404, 422)
    login(member)
    assert client.get("/bookings/new?space=99999999999").status_code in (200, 404)


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="the exclusion constraint is PostgreSQL's")
def test_a_series_losing_the_race_names_the_taken_date_and_never_suggests_it(
        api, member, make_member, token_for, make_space, make_booking, monkeypatch):
    space = make_space()
    taken = (local(2026, 12, 15, 18), local(2026, 12, 15, 20))
    make_booking(space, make_member(), *taken)
    # The other booking commits between our check and our insert: our check saw a free week.
    real_preview = series_rules.preview_series

    def preview_without_the_rival(session, **kwargs):
        return [series_rules.Occurrence(o.start, o.end) for o in real_preview(session, **kwargs)]

    monkeypatch.setattr(series_rules, "preview_series", preview_without_the_rival)
    response = api("POST", "/bookings", token_for(member), json={
        "space_id": space.id, "start": "2026-12-01T18:00:00+01:00",
        "end": "2026-12-01T20:00:00+01:00", "title": "Répétition",
        "recurrence": {"freq": "weekly", "interval": 1, "count": 3}})
    assert response.status_code == 409, response.json
    assert response.json["type"].endswith("booking-conflict")
    assert [c["start"] for c in response.json["conflicts"]] == ["2026-12-15T18:00:00+01:00"]
    assert all(s["start"] != "2026-12-15T18:00:00+01:00" for s in response.json["suggestions"])
    assert db.session.execute(select(func.count(Booking.id)).where(
        Booking.member_id == member.id)).scalar_one() == 0


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="the exclusion constraint is PostgreSQL's")
def test_a_single_booking_losing_the_race_is_a_409_with_the_rival_and_writes_nothing(
        api, member, make_member, token_for, make_space, make_booking, monkeypatch):
    space = make_space()
    rival = make_booking(space, make_member(), local(2026, 12, 15, 18), local(2026, 12, 15, 20))
    # The rival commits between our check and our insert: our check saw the time free.
    monkeypatch.setattr(bookings, "check_free", lambda *args, **kwargs: None)
    response = api("POST", "/bookings", token_for(member), json={
        "space_id": space.id, "start": "2026-12-15T19:00:00+01:00",
        "end": "2026-12-15T21:00:00+01:00", "title": "Répétition"})
    assert response.status_code == 409, response.json
    assert response.json["type"].endswith("booking-conflict")
    assert [c["start"] for c in response.json["conflicts"]] == ["2026-12-15T18:00:00+01:00"]
    assert response.json["suggestions"]
    assert db.session.execute(select(func.count(Booking.id)).where(
        Booking.member_id == member.id)).scalar_one() == 0
    assert db.session.get(Booking, rival.id).status == "confirmed"
