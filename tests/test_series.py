"""Recurring bookings: preview every date, book only the free ones, change or cancel a series."""
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from booking.extensions import db
from booking.models import Booking, BookingSeries
from tests.conftest import form_time, local

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def app_config():
    return {"FROZEN_NOW": NOW}


def _series_form(space, start, end, **extra):
    return {"space_id": space.id, "start": form_time(start), "end": form_time(end),
            "title": "Répétition hebdo", "note": "", "repeat": "weekly", "interval": 1, **extra}


def test_preview_shows_every_date_and_the_clashes_then_books_only_free_ones(
        client, login, member, make_member, make_space, make_booking):
    space = make_space()
    make_booking(space, make_member(), local(2026, 3, 17, 19), local(2026, 3, 17, 21))
    login(member)
    form = _series_form(space, local(2026, 3, 3, 19), local(2026, 3, 3, 21), count=4)
    preview = client.post("/bookings/new", data=form).get_data(as_text=True)
    assert preview.count('class="free"') == 3 and preview.count('class="clash"') == 1
    assert db.session.execute(select(Booking).where(Booking.member_id == member.id)).first() is None
    response = client.post("/bookings/new", data={**form, "confirm": "1"})
    assert response.status_code == 302
    mine = db.session.execute(select(Booking).where(Booking.member_id == member.id)
                              .order_by(Booking.start_at)).scalars().all()
    assert [b.start_at for b in mine] == [local(2026, 3, 3, 19), local(2026, 3, 10, 19),
                                          local(2026, 3, 24, 19)]
    assert len({b.series_id for b in mine}) == 1


def test_weekly_series_keeps_local_time_across_the_spring_switch(client, login, member,
                                                                 make_space):
    space = make_space()
    login(member)
    client.post("/bookings/new", data={**_series_form(
        space, local(2026, 3, 24, 19), local(2026, 3, 24, 21), count=2), "confirm": "1"})
    starts = db.session.execute(select(Booking.start_at).order_by(Booking.start_at)).scalars().all()
    assert starts == [datetime(2026, 3, 24, 18, tzinfo=UTC), datetime(2026, 3, 31, 17, tzinfo=UTC)]


def test_monthly_series_on_the_second_tuesday_until_a_date(client, login, member, make_space):
    space = make_space(horizon_days=365)
    login(member)
    client.post("/bookings/new", data={**_series_form(
        space, local(2026, 3, 10, 19), local(2026, 3, 10, 21), repeat="monthly",
        until="2026-06-30"), "confirm": "1"})
    days = [b.astimezone(UTC).date() for b in db.session.execute(
        select(Booking.start_at).order_by(Booking.start_at)).scalars()]
    assert days == [date(2026, 3, 10), date(2026, 4, 14), date(2026, 5, 12), date(2026, 6, 9)]
    series = db.session.execute(select(BookingSeries)).scalar_one()
    assert (series.freq, series.until) == ("monthly", date(2026, 6, 30))


def test_series_needs_a_count_or_an_end_date(client, login, member, make_space):
    space = make_space()
    login(member)
    response = client.post("/bookings/new", data=_series_form(
        space, local(2026, 3, 3, 19), local(2026, 3, 3, 21)))
    assert response.status_code == 200
    assert db.session.execute(select(Booking)).first() is None


def _make_series(client, space, weeks=4):
    client.post("/bookings/new", data={**_series_form(
        space, local(2026, 3, 3, 19), local(2026, 3, 3, 21), count=weeks), "confirm": "1"})
    return db.session.execute(select(Booking).order_by(Booking.start_at)).scalars().all()


def test_cancel_this_and_following(client, login, member, make_space):
    space = make_space()
    login(member)
    dates = _make_series(client, space)
    client.post(f"/bookings/{dates[2].id}/cancel", data={"scope": "following", "reason": ""})
    db.session.expire_all()
    assert [b.status for b in dates] == ["confirmed", "confirmed", "cancelled", "cancelled"]


def test_cancel_all_dates_still_to_come(client, login, member, make_space):
    space = make_space()
    login(member)
    dates = _make_series(client, space)
    client.post(f"/bookings/{dates[1].id}/cancel", data={"scope": "all", "reason": ""})
    db.session.expire_all()
    assert {b.status for b in dates} == {"cancelled"}
    assert all(b.sequence == 1 for b in dates)


def test_move_one_date_of_a_series(client, login, member, make_space):
    space = make_space()
    login(member)
    dates = _make_series(client, space)
    client.post(f"/bookings/{dates[1].id}/edit", data={
        "start": form_time(local(2026, 3, 10, 20)), "end": form_time(local(2026, 3, 10, 22)),
        "title": "Répétition hebdo", "note": "", "scope": "one"})
    db.session.expire_all()
    assert [b.start_at for b in dates] == [local(2026, 3, 3, 19), local(2026, 3, 10, 20),
                                           local(2026, 3, 17, 19), local(2026, 3, 24, 19)]


def test_move_this_and_following_shifts_each_date_or_none(client, login, member, make_member,
                                                          make_space, make_booking):
    space = make_space()
    login(member)
    dates = _make_series(client, space)
    blocker = make_booking(space, make_member(), local(2026, 3, 24, 21), local(2026, 3, 24, 22))
    response = client.post(f"/bookings/{dates[1].id}/edit", data={
        "start": form_time(local(2026, 3, 10, 20)), "end": form_time(local(2026, 3, 10, 22)),
        "title": "Répétition hebdo", "note": "", "scope": "following"})
    assert response.status_code == 200  # 24 March would clash with the blocker
    db.session.expire_all()
    assert [b.start_at for b in dates][1:] == [local(2026, 3, 10, 19), local(2026, 3, 17, 19),
                                               local(2026, 3, 24, 19)]
    blocker.status = "cancelled"
    db.session.commit()
    client.post(f"/bookings/{dates[1].id}/edit", data={
        "start": form_time(local(2026, 3, 10, 20)), "end": form_time(local(2026, 3, 10, 22)),
        "title": "Répétition hebdo", "note": "", "scope": "following"})
    db.session.expire_all()
    assert [b.start_at for b in dates] == [local(2026, 3, 3, 19), local(2026, 3, 10, 20),
                                           local(2026, 3, 17, 20), local(2026, 3, 24, 20)]
