"""Spaces, days and helpers shared by the scheduling tests (Brussels time, DST switches)."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from booking.domain.schedule import SpaceRules

BRUSSELS = "Europe/Brussels"
BXL = ZoneInfo(BRUSSELS)
MIDNIGHT = time(0, 0)
WEEKDAYS_WITH_LUNCH = [(time(9), time(12)), (time(13), time(18))]
# The decor workshop: lunch break on weekdays, short Saturday, closed on Sunday.
WORKSHOP_HOURS = {day: WEEKDAYS_WITH_LUNCH for day in range(5)} | {5: [(time(10), time(16))]}
ALL_DAY = {day: [(MIDNIGHT, MIDNIGHT)] for day in range(7)}


def bxl(day: date, hour: int, minute: int = 0, fold: int = 0) -> datetime:
    """A Brussels wall-clock time, the way members type it."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BXL, fold=fold)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def workshop(**overrides) -> SpaceRules:
    return SpaceRules(tz=BRUSSELS, opening_hours=WORKSHOP_HOURS, **overrides)


def studio(**overrides) -> SpaceRules:
    """A rehearsal studio open round the clock, for the DST cases."""
    return SpaceRules(tz=BRUSSELS, opening_hours=ALL_DAY, **overrides)


MONDAY = date(2026, 6, 1)
TUESDAY = date(2026, 6, 2)
SATURDAY = date(2026, 6, 6)
SUNDAY = date(2026, 6, 7)
NOW = bxl(date(2026, 5, 25), 8)
SPRING_SWITCH = date(2026, 3, 29)
AUTUMN_SWITCH = date(2026, 10, 25)
WEEK_BEFORE_AUTUMN_SWITCH = bxl(date(2026, 10, 18), 12)


def hours_of(interval) -> float:
    """Real elapsed hours: subtracting two Brussels times would give wall-clock hours."""
    start, end = (moment.astimezone(UTC) for moment in interval)
    return (end - start) / timedelta(hours=1)


def local_starts(slots) -> list[str]:
    return [slot[0].astimezone(BXL).strftime("%a %H:%M") for slot in slots]
