"""Phones get a day view and a list; the calendar opens on the member's own room."""
import re
from datetime import UTC, datetime

import pytest

from tests.conftest import local

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # Monday 2 March 2026, 09:00 in Brussels


@pytest.fixture
def app_config():
    return {"FROZEN_NOW": NOW}


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_without_a_choice_the_page_carries_the_week_and_the_list_for_the_width_to_pick(
        client, login, member, make_space):
    space = make_space()
    login(member)
    page = _page(client, f"/calendar/week?space={space.id}&date=2026-03-04")
    assert 'class="layout-wide"' in page and 'class="layout-narrow"' in page
    assert page.count('class="agenda-day"') == 7


def test_list_view_shows_each_day_with_its_bookings_and_free_ranges(
        client, login, member, make_space, make_booking):
    space = make_space(opening_hours={d: [["18:00", "23:00"]] for d in
                                      ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})
    make_booking(space, member, local(2026, 3, 4, 19), local(2026, 3, 4, 21), title="Quartet")
    login(member)
    page = _page(client, f"/calendar/week?space={space.id}&date=2026-03-04&view=agenda")
    assert "layout-wide" not in page and "cal-free" not in page
    wednesday = page[page.index("mercredi 4 mars"):page.index("jeudi 5 mars")]
    times = re.findall(r'agenda-when">([^<]+)<', wednesday)
    assert times == ["18:00–19:00", "19:00–21:00", "21:00–23:00"]
    assert "Quartet" in wednesday and "Libre : réserver" in wednesday
    assert '<span class="visually-hidden"> (Réserver' in wednesday


def test_day_view_of_one_space_shows_one_column_and_moves_by_a_day(
        client, login, member, make_space):
    space = make_space()
    login(member)
    page = _page(client, f"/calendar/week?space={space.id}&date=2026-03-04&view=day")
    assert "calendar cols-1" in page and "mercredi 4 mars 2026" in page
    assert "date=2026-03-05" in page and "date=2026-03-03" in page  # next and previous days


def test_the_chosen_layout_is_remembered(client, login, member, make_space):
    space = make_space()
    login(member)
    _page(client, f"/calendar/week?space={space.id}&view=agenda")
    page = _page(client, f"/calendar/week?space={space.id}&date=2026-03-11")
    assert "agenda-day" in page and "calendar cols-" not in page
    page = _page(client, f"/calendar/week?space={space.id}&view=auto")
    assert 'class="layout-wide"' in page


def test_calendar_opens_on_the_members_most_used_space_then_on_the_one_they_chose(
        client, login, member, make_space, make_booking):
    first, usual = make_space(name="Atelier A"), make_space(name="Studio Z")
    for day in (3, 4):
        make_booking(usual, member, local(2026, 3, day, 18), local(2026, 3, day, 20))
    login(member)
    selected = re.compile(r'<option value="(\d+)" selected>')
    assert selected.search(_page(client, "/calendar/week")).group(1) == str(usual.id)
    _page(client, f"/calendar/week?space={first.id}")
    assert selected.search(_page(client, "/calendar/week")).group(1) == str(first.id)


def test_pending_bookings_and_closures_are_drawn_differently(client, login, member, make_space,
                                                             make_booking):
    space = make_space()
    make_booking(space, member, local(2026, 3, 4, 18), local(2026, 3, 4, 20), status="pending")
    login(member)
    page = _page(client, f"/calendar/week?space={space.id}&date=2026-03-04&view=week")
    assert "status-pending" in page
    css = client.get("/static/css/app.css").get_data(as_text=True)
    rules = dict(re.findall(r"(\.cal-booking\.status-pending|\.cal-closure)[^{]*\{([^}]*)\}", css))
    assert "repeating-linear-gradient" in rules[".cal-booking.status-pending"]
    assert rules[".cal-booking.status-pending"] != rules[".cal-closure"]
    free = re.search(r"\.cal-free \{([^}]*)\}", css.split("free time is shown plainly")[1]).group(1)
    assert "transparent" not in free and "background" in free
