"""Week, month and day calendars and the slot search: right places, privacy, few queries."""
from datetime import UTC, datetime

import pytest

from tests.conftest import local

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # Monday 2 March 2026, 09:00 in Brussels


@pytest.fixture
def app_config():
    return {"FROZEN_NOW": NOW}


def test_week_view_shows_own_titles_and_hides_others(client, login, member, make_member,
                                                     make_space, make_booking):
    space = make_space()
    make_booking(space, member, local(2026, 3, 3, 18), local(2026, 3, 3, 20), title="Mon quartet")
    make_booking(space, make_member(), local(2026, 3, 4, 18), local(2026, 3, 4, 20),
                 title="Secret des autres")
    login(member)
    body = client.get(f"/calendar/week?space={space.id}&date=2026-03-04").get_data(as_text=True)
    assert "Mon quartet" in body and "Secret des autres" not in body
    assert "Réservé" in body
    assert "cal-booking status-confirmed own" in body


def test_titles_are_shown_when_the_space_allows(client, login, member, make_member, make_space,
                                                make_booking):
    space = make_space(show_titles=True)
    make_booking(space, make_member(), local(2026, 3, 4, 18), local(2026, 3, 4, 20),
                 title="Concert de la fanfare")
    login(member)
    body = client.get(f"/calendar/week?space={space.id}&date=2026-03-04").get_data(as_text=True)
    assert "Concert de la fanfare" in body



def test_calendar_links_a_booking_page_only_for_whoever_may_open_it(
        client, login, member, make_member, comanager, make_space, make_booking):
    space = make_space()
    own = make_booking(space, member, local(2026, 3, 3, 18), local(2026, 3, 3, 20))
    other = make_booking(space, make_member(name="Autre"), local(2026, 3, 4, 18),
                         local(2026, 3, 4, 20), title="Secret des autres")
    url = f"/calendar/week?space={space.id}&date=2026-03-04"
    login(member)
    body = client.get(url).get_data(as_text=True)
    assert f'href="/bookings/{own.id}"' in body and f'href="/bookings/{other.id}"' not in body
    client.post("/logout")
    login(comanager)
    body = client.get(url).get_data(as_text=True)
    assert f'href="/bookings/{other.id}"' in body and "Secret des autres" in body

def test_booking_is_drawn_at_its_local_time_rows(client, login, member, make_space,
                                                 make_booking):
    space = make_space()  # opens 08:00: row 2 is 08:00, one row per quarter hour
    make_booking(space, member, local(2026, 3, 4, 18), local(2026, 3, 4, 20))
    login(member)
    body = client.get(f"/calendar/week?space={space.id}&date=2026-03-04").get_data(as_text=True)
    # Wednesday is the third day column (c-4); 18:00 is 40 quarters after 08:00.
    assert "c-4 rs-42 re-50" in body


def test_free_cells_link_to_a_prefilled_booking_form(client, login, member, make_space):
    space = make_space(min_minutes=60)
    login(member)
    body = client.get(f"/calendar/week?space={space.id}&date=2026-03-04").get_data(as_text=True)
    link = f"/bookings/new?space={space.id}&amp;start=2026-03-04T18:00&amp;end=2026-03-04T19:00"
    assert link in body
    # The past is not offered: Monday 08:00 is before "now" (09:00).
    assert "start=2026-03-02T08:00" not in body
    form = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert 'value="2026-03-04T18:00"' in form and 'value="2026-03-04T19:00"' in form


def test_closure_is_shaded_in_the_week(client, login, comanager, member, make_space):
    space = make_space()
    login(comanager)
    client.post("/spaces/closures", data={"space_id": space.id, "start": "2026-03-05T08:00",
                                          "end": "2026-03-05T12:00", "reason": "Peinture"})
    client.post("/logout")
    login(member)
    body = client.get(f"/calendar/week?space={space.id}&date=2026-03-05").get_data(as_text=True)
    assert "cal-closure" in body and "Peinture" in body


def test_month_and_day_views_list_bookings(client, login, member, make_space, make_booking):
    space_a, space_b = make_space(name="Studio A"), make_space(name="Studio B")
    make_booking(space_a, member, local(2026, 3, 20, 18), local(2026, 3, 20, 20), title="Filage")
    make_booking(space_b, member, local(2026, 3, 20, 10), local(2026, 3, 20, 12), title="Prise")
    login(member)
    month = client.get(f"/calendar/month?space={space_a.id}&date=2026-03-01").get_data(
        as_text=True)
    assert "Filage" in month and "Prise" not in month
    day = client.get("/calendar/day?date=2026-03-20").get_data(as_text=True)
    assert "Filage" in day and "Prise" in day and "Studio A" in day and "Studio B" in day


@pytest.mark.parametrize("path", ["/calendar/week?space={space}&date=2026-03-04",
                                  "/calendar/month?space={space}&date=2026-03-04",
                                  "/calendar/day?date=2026-03-04",
                                  ("/bookings/find?kind=rehearsal_room&duration=120"
                                   "&date_from=2026-03-02&date_to=2026-03-09")])
def test_calendar_pages_run_a_bounded_number_of_queries(client, login, member, make_member,
                                                         make_space, make_booking,
                                                         count_queries, path):
    spaces = [make_space(), make_space()]
    others = [make_member() for _ in range(3)]
    login(member)
    url = path.format(space=spaces[0].id)

    def add_bookings(day):
        for i, other in enumerate(others):
            for space in spaces:
                make_booking(space, other, local(2026, 3, day, 9 + 2 * i),
                             local(2026, 3, day, 10 + 2 * i))

    add_bookings(3)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    for day in (4, 5, 6):
        add_bookings(day)
    with count_queries() as many:
        assert client.get(url).status_code == 200
    # member, spaces, settings, quota rules, bookings, closures, bookings one takes part in,
    # the space's guide, unread notices: the same whatever the number of bookings.
    assert many.count == few.count <= 9, many.statements


def test_find_a_slot_skips_taken_and_closed_times(client, login, member, make_member, make_space,
                                                  make_booking):
    evenings = {d: [["18:00", "22:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    space = make_space(name="Studio Bemol", opening_hours=evenings)
    make_booking(space, make_member(), local(2026, 3, 3, 18), local(2026, 3, 3, 22))
    login(member)
    body = client.get("/bookings/find?kind=rehearsal_room&duration=120&date_from=2026-03-03"
                      "&date_to=2026-03-04").get_data(as_text=True)
    assert "Studio Bemol" in body
    assert "start=2026-03-03T" not in body  # Tuesday evening is taken
    assert "start=2026-03-04T18:00" in body and "start=2026-03-04T20:00" in body


def test_find_a_slot_refuses_a_reversed_range(client, login, member, make_space):
    make_space()
    login(member)
    body = client.get("/bookings/find?kind=rehearsal_room&duration=120&date_from=2026-03-09"
                      "&date_to=2026-03-02").get_data(as_text=True)
    assert "Studio" not in body.split("</form>")[-1]


def test_free_cells_are_offered_only_where_the_shortest_booking_fits(client, login, member,
                                                                     make_space, make_booking):
    """A cell at 21:30 in a space closing at 22:00 with 1 h minimum cannot be booked: no link."""
    space = make_space(min_minutes=60, slot_minutes=30,
                       opening_hours={d: [["09:00", "22:00"]] for d in
                                      ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})
    make_booking(space, member, local(2026, 3, 4, 18), local(2026, 3, 4, 19))
    login(member)
    body = client.get(f"/calendar/week?space={space.id}&date=2026-03-04").get_data(as_text=True)
    assert "le mercredi 4 mars à 21:00" in body
    assert "le mercredi 4 mars à 21:30" not in body
    assert "le mercredi 4 mars à 17:00" in body
    assert "le mercredi 4 mars à 17:30" not in body  # would run into the 18:00 booking
    assert "le mercredi 4 mars à 18:30" not in body



def test_free_cells_follow_adjacent_ranges_midnight_and_the_clock_change(client, login, member,
                                                                          make_space):
    """The grid reads each day's opening windows once: a 1 h cell over two adjacent ranges is
    offered, one past closing is not; a space open until midnight offers 23:00, also on the
    Sunday the clocks go forward (29 March 2026, no 02:00-03:00 that night)."""
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    split = make_space(min_minutes=60, opening_hours={
        d: [["10:00", "12:00"], ["12:00", "14:00"]] for d in days})
    late = make_space(min_minutes=60, opening_hours={
        d: [["01:00", "04:00"], ["20:00", "24:00"]] for d in days})
    login(member)
    body = client.get(f"/calendar/week?space={split.id}&date=2026-03-04").get_data(as_text=True)
    assert "le mercredi 4 mars à 11:30" in body  # 11:30-12:30 spans both ranges
    assert "le mercredi 4 mars à 13:00" in body and "le mercredi 4 mars à 13:30" not in body
    assert "le mercredi 4 mars à 09:30" not in body
    body = client.get(f"/calendar/week?space={late.id}&date=2026-03-29").get_data(as_text=True)
    assert "le dimanche 29 mars à 23:00" in body and "le dimanche 29 mars à 23:30" not in body
    assert "le dimanche 29 mars à 01:00" in body
    assert "le dimanche 29 mars à 03:00" in body and "le dimanche 29 mars à 03:30" not in body
