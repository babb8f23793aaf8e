"""When a Mutualise space can be booked: conflicts, opening hours, booking rules, series."""
from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from booking.domain.schedule import (
    ScheduleError,
    SpaceRules,
    check_booking_times,
    expand_recurrence,
    find_conflicts,
    opening_windows,
    overlaps,
    within_opening_hours,
)
from tests.domain.schedule_cases import (
    ALL_DAY,
    AUTUMN_SWITCH,
    BRUSSELS,
    BXL,
    MIDNIGHT,
    MONDAY,
    NOW,
    SPRING_SWITCH,
    SUNDAY,
    TUESDAY,
    WEEK_BEFORE_AUTUMN_SWITCH,
    bxl,
    hours_of,
    studio,
    utc,
    workshop,
)

SCHEDULE_PATH = Path(__file__).resolve().parents[2] / "booking" / "domain" / "schedule.py"


def test_module_imports_without_flask():
    """The rules must stay reusable outside the web app: load the file with no app stack."""
    code = (
        "import importlib.util, sys\n"
        "for name in ('flask', 'flask_babel', 'sqlalchemy', 'werkzeug', 'booking'):\n"
        "    sys.modules[name] = None\n"
        f"spec = importlib.util.spec_from_file_location('schedule', {str(SCHEDULE_PATH)!r})\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "sys.modules['schedule'] = module\n"
        "spec.loader.exec_module(module)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# Conflicts


def test_touching_bookings_do_not_conflict():
    morning = (bxl(MONDAY, 9), bxl(MONDAY, 11))
    next_team = (bxl(MONDAY, 11), bxl(MONDAY, 13))
    assert not overlaps(morning, next_team)
    assert find_conflicts(next_team, [morning]) == []


def test_overlapping_bookings_conflict():
    morning = (bxl(MONDAY, 9), bxl(MONDAY, 11))
    late_morning = (bxl(MONDAY, 10, 30), bxl(MONDAY, 12))
    assert overlaps(morning, late_morning)
    assert find_conflicts(late_morning, [morning]) == [morning]


def test_overlap_compares_instants_not_wall_clocks():
    brussels_ten = (bxl(MONDAY, 10), bxl(MONDAY, 11))
    same_hour_in_utc = (utc(2026, 6, 1, 8, 30), utc(2026, 6, 1, 9))
    assert overlaps(brussels_ten, same_hour_in_utc)


def test_buffer_makes_adjacent_bookings_conflict():
    painting = (bxl(MONDAY, 9), bxl(MONDAY, 11))
    next_team = (bxl(MONDAY, 11), bxl(MONDAY, 13))
    assert find_conflicts(next_team, [painting], buffer_minutes=30) == [painting]


def test_buffer_also_protects_the_booking_after():
    next_team = (bxl(MONDAY, 11), bxl(MONDAY, 13))
    candidate = (bxl(MONDAY, 9), bxl(MONDAY, 10, 45))
    assert find_conflicts(candidate, [next_team], buffer_minutes=30) == [next_team]


def test_gap_as_long_as_the_buffer_is_enough():
    painting = (bxl(MONDAY, 9), bxl(MONDAY, 11))
    after_cleaning = (bxl(MONDAY, 11, 30), bxl(MONDAY, 13))
    assert find_conflicts(after_cleaning, [painting], buffer_minutes=30) == []


def test_closure_blocks_booking():
    maintenance = (bxl(MONDAY, 0), bxl(TUESDAY, 0))
    assert find_conflicts((bxl(MONDAY, 14), bxl(MONDAY, 16)), [], closures=[maintenance]) == [
        maintenance
    ]


def test_buffer_does_not_apply_to_closures():
    closure = (bxl(MONDAY, 9), bxl(MONDAY, 11))
    right_after = (bxl(MONDAY, 11), bxl(MONDAY, 12))
    assert find_conflicts(right_after, [], buffer_minutes=60, closures=[closure]) == []


def test_conflicts_come_back_in_start_order_in_utc():
    late = (bxl(MONDAY, 15), bxl(MONDAY, 17))
    early = (bxl(MONDAY, 9), bxl(MONDAY, 11))
    closure = (bxl(MONDAY, 12), bxl(MONDAY, 13))
    conflicts = find_conflicts((bxl(MONDAY, 10), bxl(MONDAY, 16)), [late, early],
                               closures=[closure])
    assert conflicts == [early, closure, late]
    assert all(moment.tzinfo is UTC for interval in conflicts for moment in interval)


# Opening hours


def test_opening_windows_follow_several_ranges_a_day():
    windows = opening_windows(workshop(), bxl(MONDAY, 0), bxl(TUESDAY, 0))
    assert windows == [(bxl(MONDAY, 9), bxl(MONDAY, 12)), (bxl(MONDAY, 13), bxl(MONDAY, 18))]
    assert all(moment.tzinfo is UTC for window in windows for moment in window)


def test_sunday_is_closed():
    assert opening_windows(workshop(), bxl(SUNDAY, 0), bxl(SUNDAY, 23)) == []
    assert not within_opening_hours(workshop(), (bxl(SUNDAY, 10), bxl(SUNDAY, 12)))


def test_opening_windows_are_clipped_to_the_asked_range():
    windows = opening_windows(workshop(), bxl(MONDAY, 10), bxl(MONDAY, 14))
    assert windows == [(bxl(MONDAY, 10), bxl(MONDAY, 12)), (bxl(MONDAY, 13), bxl(MONDAY, 14))]


def test_adjacent_ranges_give_one_window():
    rules = SpaceRules(tz=BRUSSELS, opening_hours={0: [(time(8), time(12)), (time(12), time(18))]})
    assert opening_windows(rules, bxl(MONDAY, 0), bxl(TUESDAY, 0)) == [
        (bxl(MONDAY, 8), bxl(MONDAY, 18))
    ]


def test_open_until_midnight_joins_the_next_day_opening_at_midnight():
    late_nights = {0: [(time(20), MIDNIGHT)], 1: [(MIDNIGHT, time(2))]}
    rules = SpaceRules(tz=BRUSSELS, opening_hours=late_nights)
    assert opening_windows(rules, bxl(MONDAY, 0), bxl(date(2026, 6, 3), 0)) == [
        (bxl(MONDAY, 20), bxl(TUESDAY, 2))
    ]


@pytest.mark.parametrize(("day", "hours"), [(SPRING_SWITCH, 23), (AUTUMN_SWITCH, 25), (MONDAY, 24)])
def test_a_full_day_lasts_as_long_as_the_clocks_say(day, hours):
    day_after = day + timedelta(days=1)
    windows = opening_windows(studio(), bxl(day, 0) - timedelta(days=1), bxl(day_after, 0))
    assert hours_of(windows[-1]) == 24 + hours
    single = SpaceRules(tz=BRUSSELS, opening_hours={day.weekday(): [(MIDNIGHT, MIDNIGHT)]})
    (window,) = opening_windows(single, bxl(day, 0) - timedelta(days=2), bxl(day_after, 12))
    assert window == (bxl(day, 0), bxl(day_after, 0))
    assert hours_of(window) == hours


def test_booking_spanning_two_adjacent_ranges_is_within_opening_hours():
    rules = SpaceRules(tz=BRUSSELS, opening_hours={0: [(time(8), time(12)), (time(12), time(18))]})
    assert within_opening_hours(rules, (bxl(MONDAY, 11), bxl(MONDAY, 14)))
    check_booking_times(rules, bxl(MONDAY, 11), bxl(MONDAY, 14), NOW)


def test_booking_over_the_lunch_break_is_outside_opening_hours():
    assert within_opening_hours(workshop(), (bxl(MONDAY, 9), bxl(MONDAY, 12)))
    assert not within_opening_hours(workshop(), (bxl(MONDAY, 11), bxl(MONDAY, 14)))


def test_rules_refuse_a_range_that_ends_before_it_starts():
    with pytest.raises(ValueError):
        SpaceRules(tz=BRUSSELS, opening_hours={0: [(time(18), time(9))]})


# Booking rules


def test_a_regular_booking_passes():
    assert check_booking_times(workshop(), bxl(MONDAY, 9), bxl(MONDAY, 11), NOW) is None


def _code_and_params(rules, start, end, now=NOW):
    with pytest.raises(ScheduleError) as caught:
        check_booking_times(rules, start, end, now)
    return caught.value.code, caught.value.params


@pytest.mark.parametrize(
    ("rules", "start", "end", "code", "params"),
    [
        pytest.param(workshop(), bxl(MONDAY, 11), bxl(MONDAY, 10), "end_not_after_start", {},
                     id="end_not_after_start"),
        pytest.param(workshop(), bxl(MONDAY, 11), bxl(MONDAY, 11), "end_not_after_start", {},
                     id="empty"),
        pytest.param(workshop(), NOW - timedelta(days=1), NOW - timedelta(hours=22), "in_past", {},
                     id="in_past"),
        pytest.param(workshop(), bxl(MONDAY, 9, 15), bxl(MONDAY, 10), "off_step", {"step": 30},
                     id="off_step_start"),
        pytest.param(workshop(), bxl(MONDAY, 9), bxl(MONDAY, 10, 10), "off_step", {"step": 30},
                     id="off_step_end"),
        pytest.param(workshop(min_minutes=60), bxl(MONDAY, 9), bxl(MONDAY, 9, 30), "too_short",
                     {"minutes": 60}, id="too_short"),
        pytest.param(workshop(max_minutes=120), bxl(MONDAY, 13), bxl(MONDAY, 16), "too_long",
                     {"minutes": 120}, id="too_long"),
        pytest.param(workshop(notice_minutes=90), NOW + timedelta(hours=1),
                     NOW + timedelta(hours=2), "within_notice", {"hours": 1.5, "minutes": 90},
                     id="within_notice"),
        pytest.param(workshop(horizon_days=3), bxl(MONDAY, 9), bxl(MONDAY, 10), "beyond_horizon",
                     {"days": 3}, id="beyond_horizon"),
        pytest.param(workshop(), bxl(MONDAY, 18), bxl(MONDAY, 19), "outside_opening", {},
                     id="outside_opening"),
        pytest.param(workshop(), bxl(SUNDAY, 10), bxl(SUNDAY, 11), "outside_opening", {},
                     id="closed_day"),
    ],
)
def test_each_broken_rule_has_its_code(rules, start, end, code, params):
    assert _code_and_params(rules, start, end) == (code, params)


def test_the_first_broken_rule_is_reported():
    past_and_backwards = (NOW - timedelta(hours=1), NOW - timedelta(hours=2))
    assert _code_and_params(workshop(), *past_and_backwards)[0] == "end_not_after_start"
    past_and_off_step = (NOW - timedelta(minutes=50), NOW + timedelta(minutes=10))
    assert _code_and_params(workshop(), *past_and_off_step)[0] == "in_past"
    short_and_outside = (bxl(SUNDAY, 10), bxl(SUNDAY, 10, 30))
    assert _code_and_params(workshop(min_minutes=60), *short_and_outside)[0] == "too_short"


def test_start_exactly_at_notice_or_horizon_is_allowed():
    rules = studio(notice_minutes=120, horizon_days=2)
    check_booking_times(rules, NOW + timedelta(hours=2), NOW + timedelta(hours=3), NOW)
    check_booking_times(rules, NOW + timedelta(days=2), NOW + timedelta(days=2, hours=1), NOW)


def test_slot_grid_counts_from_local_midnight():
    mumbai = SpaceRules(tz="Asia/Kolkata", opening_hours=ALL_DAY, slot_minutes=60, min_minutes=60)
    nine_local = datetime(2026, 6, 1, 9, tzinfo=ZoneInfo("Asia/Kolkata"))
    assert nine_local.astimezone(UTC).minute == 30
    check_booking_times(mumbai, nine_local, nine_local + timedelta(hours=1), NOW)
    on_the_utc_hour = utc(2026, 6, 1, 4)
    assert _code_and_params(mumbai, on_the_utc_hour, on_the_utc_hour + timedelta(hours=1)) == (
        "off_step",
        {"step": 60},
    )


def test_booking_over_the_autumn_switch_lasts_an_extra_real_hour():
    start, end = bxl(AUTUMN_SWITCH, 1), bxl(AUTUMN_SWITCH, 4)
    assert hours_of((start, end)) == 4
    assert _code_and_params(studio(max_minutes=180), start, end, WEEK_BEFORE_AUTUMN_SWITCH) == (
        "too_long",
        {"minutes": 180},
    )
    check_booking_times(studio(max_minutes=240), start, end, WEEK_BEFORE_AUTUMN_SWITCH)


def test_booking_from_two_on_the_autumn_switch_lasts_three_hours():
    start, end = bxl(AUTUMN_SWITCH, 2), bxl(AUTUMN_SWITCH, 4)
    check_booking_times(studio(min_minutes=180, max_minutes=180), start, end,
                        WEEK_BEFORE_AUTUMN_SWITCH)


def test_booking_from_the_repeated_two_oclock_lasts_two_hours():
    second_two_oclock = bxl(AUTUMN_SWITCH, 2, fold=1)
    end = bxl(AUTUMN_SWITCH, 4)
    assert hours_of((second_two_oclock, end)) == 2
    check_booking_times(studio(max_minutes=120), second_two_oclock, end, WEEK_BEFORE_AUTUMN_SWITCH)


def test_booking_over_the_spring_switch_lasts_an_hour_less():
    start, end = bxl(SPRING_SWITCH, 1), bxl(SPRING_SWITCH, 4)
    assert _code_and_params(studio(min_minutes=150), start, end, utc(2026, 3, 1)) == (
        "too_short",
        {"minutes": 150},
    )


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        check_booking_times(workshop(), datetime(2026, 6, 1, 9), datetime(2026, 6, 1, 10), NOW)


# Recurring series


def test_weekly_rehearsal_stays_at_seven_pm_across_the_spring_switch():
    first = (bxl(date(2026, 3, 19), 19), bxl(date(2026, 3, 19), 21))
    series = expand_recurrence(first, BRUSSELS, "weekly", count=4)
    assert [start for start, _ in series] == [
        utc(2026, 3, 19, 18),
        utc(2026, 3, 26, 18),
        utc(2026, 4, 2, 17),
        utc(2026, 4, 9, 17),
    ]
    assert {start.astimezone(BXL).strftime("%a %H:%M") for start, _ in series} == {"Thu 19:00"}
    assert all(hours_of(occurrence) == 2 for occurrence in series)


def test_weekly_every_other_week():
    first = (bxl(MONDAY, 10), bxl(MONDAY, 12))
    series = expand_recurrence(first, BRUSSELS, "weekly", interval=2, count=3)
    assert [start.astimezone(BXL).date() for start, _ in series] == [
        MONDAY,
        date(2026, 6, 15),
        date(2026, 6, 29),
    ]


def test_series_keeps_wall_clock_times_when_an_occurrence_spans_the_switch():
    first = (bxl(date(2026, 10, 18), 1), bxl(date(2026, 10, 18), 4))
    _, on_switch_day = expand_recurrence(first, BRUSSELS, "weekly", count=2)
    assert on_switch_day == (bxl(AUTUMN_SWITCH, 1), bxl(AUTUMN_SWITCH, 4))
    assert hours_of(on_switch_day) == 4


def test_monthly_on_the_second_tuesday():
    first = (bxl(date(2026, 1, 13), 19), bxl(date(2026, 1, 13), 22))
    series = expand_recurrence(first, BRUSSELS, "monthly", count=5)
    assert [start.astimezone(BXL).date() for start, _ in series] == [
        date(2026, 1, 13),
        date(2026, 2, 10),
        date(2026, 3, 10),
        date(2026, 4, 14),
        date(2026, 5, 12),
    ]
    assert {start.astimezone(BXL).time() for start, _ in series} == {time(19)}


def test_monthly_from_a_fifth_week_falls_on_the_last_weekday():
    fifth_tuesday = date(2026, 3, 31)
    first = (bxl(fifth_tuesday, 19), bxl(fifth_tuesday, 21))
    series = expand_recurrence(first, BRUSSELS, "monthly", until=date(2026, 7, 31))
    assert [start.astimezone(BXL).date() for start, _ in series] == [
        fifth_tuesday,
        date(2026, 4, 28),
        date(2026, 5, 26),
        date(2026, 6, 30),
        date(2026, 7, 28),
    ]


def test_monthly_every_third_month():
    first = (bxl(date(2026, 1, 13), 19), bxl(date(2026, 1, 13), 22))
    series = expand_recurrence(first, BRUSSELS, "monthly", interval=3, count=3)
    assert [start.astimezone(BXL).date() for start, _ in series] == [
        date(2026, 1, 13),
        date(2026, 4, 14),
        date(2026, 7, 14),
    ]


def test_until_is_an_inclusive_local_date():
    just_after_midnight = (bxl(MONDAY, 0, 30), bxl(MONDAY, 2))
    assert just_after_midnight[0].astimezone(UTC).date() == date(2026, 5, 31)
    series = expand_recurrence(just_after_midnight, BRUSSELS, "weekly", until=date(2026, 6, 15))
    assert len(series) == 3
    series = expand_recurrence(just_after_midnight, BRUSSELS, "weekly", until=date(2026, 6, 14))
    assert len(series) == 2


def test_count_and_until_give_the_same_series():
    first = (bxl(MONDAY, 10), bxl(MONDAY, 12))
    by_count = expand_recurrence(first, BRUSSELS, "weekly", count=4)
    by_until = expand_recurrence(first, BRUSSELS, "weekly", until=date(2026, 6, 22))
    assert by_count == by_until
    assert by_count[0] == first


@pytest.mark.parametrize("limits", [{}, {"count": 3, "until": date(2026, 7, 1)}])
def test_exactly_one_of_count_or_until(limits):
    with pytest.raises(ValueError):
        expand_recurrence((bxl(MONDAY, 10), bxl(MONDAY, 12)), BRUSSELS, "weekly", **limits)


@pytest.mark.parametrize(
    "limits", [{"count": 201}, {"until": date(2027, 12, 31), "max_occurrences": 52}]
)
def test_too_many_occurrences_are_refused(limits):
    with pytest.raises(ScheduleError) as caught:
        expand_recurrence((bxl(MONDAY, 10), bxl(MONDAY, 12)), BRUSSELS, "weekly", **limits)
    assert caught.value.code == "too_many_occurrences"
    assert caught.value.params == {"max": limits.get("max_occurrences", 200)}


def test_unknown_frequency_is_refused():
    with pytest.raises(ValueError):
        expand_recurrence((bxl(MONDAY, 10), bxl(MONDAY, 12)), BRUSSELS, "daily", count=2)
