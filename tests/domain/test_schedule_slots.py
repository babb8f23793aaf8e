"""Where a Mutualise space is free: free slots, nearest free slots, and a property test that
free_slots agrees with the rules checked one candidate at a time."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booking.domain.schedule import (
    ScheduleError,
    SpaceRules,
    check_booking_times,
    find_conflicts,
    free_slots,
    nearest_free_slots,
)
from tests.domain.schedule_cases import (
    AUTUMN_SWITCH,
    BRUSSELS,
    BXL,
    MIDNIGHT,
    MONDAY,
    NOW,
    SATURDAY,
    SUNDAY,
    TUESDAY,
    bxl,
    local_starts,
    studio,
    workshop,
)

# Free slots


def test_free_slots_start_on_the_grid_inside_opening_hours():
    slots = free_slots(workshop(), bxl(MONDAY, 0), bxl(TUESDAY, 0), 60, [])
    assert local_starts(slots) == [
        "Mon 09:00", "Mon 09:30", "Mon 10:00", "Mon 10:30", "Mon 11:00",
        "Mon 13:00", "Mon 13:30", "Mon 14:00", "Mon 14:30", "Mon 15:00",
        "Mon 15:30", "Mon 16:00", "Mon 16:30", "Mon 17:00",
    ]
    assert all(end - start == timedelta(hours=1) for start, end in slots)
    assert all(moment.tzinfo is UTC for slot in slots for moment in slot)


def test_free_slots_keep_the_buffer_around_bookings():
    booked = [(bxl(MONDAY, 10), bxl(MONDAY, 11))]
    slots = free_slots(workshop(buffer_minutes=30), bxl(MONDAY, 9), bxl(MONDAY, 13), 30, booked)
    assert local_starts(slots) == ["Mon 09:00", "Mon 11:30"]
    without_buffer = free_slots(workshop(), bxl(MONDAY, 9), bxl(MONDAY, 13), 30, booked)
    assert local_starts(without_buffer) == ["Mon 09:00", "Mon 09:30", "Mon 11:00", "Mon 11:30"]


def test_free_slots_avoid_closures_without_buffer():
    closure = [(bxl(MONDAY, 10), bxl(MONDAY, 11))]
    slots = free_slots(workshop(buffer_minutes=30), bxl(MONDAY, 9), bxl(MONDAY, 12), 60, [],
                       closure)
    assert local_starts(slots) == ["Mon 09:00", "Mon 11:00"]


def test_free_slots_respect_notice():
    now = bxl(MONDAY, 8, 50)
    slots = free_slots(workshop(notice_minutes=60), bxl(MONDAY, 0), bxl(MONDAY, 12), 60, [],
                       now=now)
    assert local_starts(slots) == ["Mon 10:00", "Mon 10:30", "Mon 11:00"]


def test_free_slots_stop_at_the_horizon():
    now = bxl(MONDAY, 10)
    slots = free_slots(workshop(horizon_days=1), now, bxl(SATURDAY, 0), 60, [], now=now, limit=100)
    assert slots[-1][0] == bxl(TUESDAY, 10)


def test_free_slots_never_in_the_past():
    now = bxl(MONDAY, 14, 10)
    slots = free_slots(workshop(), bxl(MONDAY, 9), bxl(MONDAY, 18), 60, [], now=now)
    assert local_starts(slots)[0] == "Mon 14:30"


def test_free_slots_within_a_time_of_day():
    evenings = (time(14), time(17))
    slots = free_slots(
        workshop(), bxl(MONDAY, 0), bxl(date(2026, 6, 3), 0), 120, [], time_of_day=evenings
    )
    assert local_starts(slots) == ["Mon 14:00", "Mon 14:30", "Mon 15:00"] + [
        "Tue 14:00", "Tue 14:30", "Tue 15:00"
    ]


def test_free_slots_stay_within_the_asked_range_and_limit():
    slots = free_slots(workshop(), bxl(MONDAY, 10), bxl(MONDAY, 16), 60, [], limit=4)
    assert local_starts(slots) == ["Mon 10:00", "Mon 10:30", "Mon 11:00", "Mon 13:00"]
    assert free_slots(workshop(), bxl(SUNDAY, 0), bxl(SUNDAY, 23), 60, []) == []


def test_free_slots_on_the_autumn_switch_offer_the_repeated_hour():
    rules = studio(slot_minutes=60, min_minutes=60)
    slots = free_slots(rules, bxl(AUTUMN_SWITCH, 0), bxl(AUTUMN_SWITCH, 5), 60, [])
    assert [start.astimezone(BXL).strftime("%H:%M%z") for start, _ in slots] == [
        "00:00+0200", "01:00+0200", "02:00+0200", "02:00+0100", "03:00+0100", "04:00+0100",
    ]


def test_free_slots_refuse_a_length_the_rules_refuse():
    with pytest.raises(ScheduleError) as caught:
        free_slots(workshop(max_minutes=120), bxl(MONDAY, 0), bxl(TUESDAY, 0), 180, [])
    assert (caught.value.code, caught.value.params) == ("too_long", {"minutes": 120})


def test_free_slots_find_the_one_gap_among_thousands_of_bookings():
    first_day = date(2026, 6, 1)
    bookings = []
    for day_offset in range(90):
        day = first_day + timedelta(days=day_offset)
        for half_hour in range(48):
            start = bxl(day, 0) + timedelta(minutes=30 * half_hour)
            bookings.append((start, start + timedelta(minutes=30)))
    gap = bookings.pop(3000)
    bookings.reverse()
    slots = free_slots(studio(), bxl(first_day, 0), bxl(first_day, 0) + timedelta(days=90), 30,
                       bookings)
    assert slots == [gap]


# Nearest free slots


def test_nearest_free_slots_are_the_closest_returned_in_start_order():
    booked = [(bxl(MONDAY, 13), bxl(MONDAY, 16))]
    wanted = (bxl(MONDAY, 14), bxl(MONDAY, 15))
    nearest = nearest_free_slots(workshop(), wanted, booked, now=NOW)
    assert local_starts(nearest) == ["Mon 11:00", "Mon 16:00", "Mon 16:30"]


def test_nearest_free_slots_prefer_the_earlier_on_a_tie():
    booked = [(bxl(MONDAY, 13), bxl(MONDAY, 16))]
    wanted = (bxl(MONDAY, 14), bxl(MONDAY, 15))
    nearest = nearest_free_slots(workshop(), wanted, booked, now=NOW, n=4)
    assert local_starts(nearest) == ["Mon 11:00", "Mon 16:00", "Mon 16:30", "Mon 17:00"]
    nearest = nearest_free_slots(workshop(), wanted, booked, now=NOW, n=3)
    assert "Mon 17:00" not in local_starts(nearest)


def test_nearest_free_slots_look_on_other_days():
    monday_closed = [(bxl(MONDAY, 0), bxl(TUESDAY, 0))]
    wanted = (bxl(MONDAY, 10), bxl(MONDAY, 11))
    nearest = nearest_free_slots(workshop(), wanted, [], monday_closed, now=NOW)
    assert local_starts(nearest) == ["Tue 09:00", "Tue 09:30", "Tue 10:00"]


def test_nearest_free_slots_stay_within_search_days():
    wanted = (bxl(MONDAY, 10), bxl(MONDAY, 11))
    closed_until_saturday = [(bxl(date(2026, 5, 27), 0), bxl(SATURDAY, 0))]
    assert nearest_free_slots(workshop(), wanted, [], closed_until_saturday, now=NOW,
                              search_days=4) == []
    five_days_later = nearest_free_slots(
        workshop(), wanted, [], closed_until_saturday, now=NOW, search_days=5
    )
    assert local_starts(five_days_later) == ["Sat 10:00"]


def test_nearest_free_slots_keep_the_wanted_length():
    wanted = (bxl(MONDAY, 9), bxl(MONDAY, 11, 30))
    nearest = nearest_free_slots(workshop(), wanted, [wanted], now=NOW)
    assert all(end - start == timedelta(hours=2, minutes=30) for start, end in nearest)


# Property: free_slots agrees with the rules checked one candidate at a time

SWITCH_WEEKENDS = [
    bxl(date(2026, 3, 28), 0).astimezone(UTC),
    bxl(date(2026, 10, 24), 0).astimezone(UTC),
]
QUARTERS = 3 * 24 * 4 + 4
NIGHT_HOURS = {
    5: [(time(10), time(16)), (time(20), MIDNIGHT)],
    6: [(MIDNIGHT, time(3)), (time(9), time(12)), (time(12), time(14))],
    0: [(time(9), time(18))],
}
quarter_spans = st.tuples(st.integers(0, QUARTERS), st.integers(1, 16))


def in_time_of_day(slot, time_of_day) -> bool:
    if time_of_day is None:
        return True
    day = slot[0].astimezone(BXL).date()
    end_day = day + timedelta(days=1) if time_of_day[1] == MIDNIGHT else day
    earliest = datetime.combine(day, time_of_day[0], tzinfo=BXL)
    latest = datetime.combine(end_day, time_of_day[1], tzinfo=BXL)
    return earliest <= slot[0] and slot[1] <= latest


@settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    weekend_start=st.sampled_from(SWITCH_WEEKENDS),
    step=st.sampled_from([15, 30, 60]),
    slots_long=st.integers(1, 4),
    buffer=st.sampled_from([0, 15, 30]),
    notice=st.sampled_from([0, 45, 120]),
    horizon=st.sampled_from([1, 2, 90]),
    now_quarter=st.integers(-16, 48),
    time_of_day=st.sampled_from([None, (time(0), time(3)), (time(10), time(14)),
                                 (time(1), MIDNIGHT)]),
    booked=st.lists(quarter_spans, max_size=8),
    closed=st.lists(quarter_spans, max_size=2),
)
def test_free_slots_are_exactly_the_bookable_conflict_free_candidates(
    weekend_start, step, slots_long, buffer, notice, horizon, now_quarter, time_of_day, booked,
    closed
):
    """Over a DST weekend, sweeping must give what checking every quarter hour one by one gives."""

    def quarter(index: int) -> datetime:
        return weekend_start + timedelta(minutes=15 * index)

    rules = SpaceRules(
        tz=BRUSSELS,
        opening_hours=NIGHT_HOURS,
        slot_minutes=step,
        min_minutes=15,
        horizon_days=horizon,
        notice_minutes=notice,
        buffer_minutes=buffer,
    )
    bookings = [(quarter(first), quarter(first + quarters)) for first, quarters in booked]
    closures = [(quarter(first), quarter(first + quarters)) for first, quarters in closed]
    now = quarter(now_quarter)
    length = timedelta(minutes=step * slots_long)
    start, end = quarter(0), quarter(QUARTERS)

    def bookable(candidate) -> bool:
        try:
            check_booking_times(rules, *candidate, now)
        except ScheduleError:
            return False
        return not find_conflicts(candidate, bookings, buffer, closures) and in_time_of_day(
            candidate, time_of_day
        )

    candidates = [(quarter(i), quarter(i) + length) for i in range(QUARTERS)]
    expected = [c for c in candidates if c[1] <= end and bookable(c)]
    slots = free_slots(
        rules, start, end, step * slots_long, bookings, closures, now, time_of_day, limit=500
    )
    assert slots == expected
