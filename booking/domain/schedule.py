"""When a space can be booked: opening hours, conflicts, recurring series and free slots.

Pure rules (stdlib, zoneinfo and dateutil only) so they can be tested and reused without
Flask or a database. Instants come in timezone-aware and go out in UTC; wall-clock
reasoning (opening hours, the slot grid, weekly rehearsals at 19:00) happens in the
space's own time zone, which is what keeps DST switch days right.
"""
from __future__ import annotations

import heapq
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import islice
from zoneinfo import ZoneInfo

from dateutil.rrule import MONTHLY, WEEKLY, rrule, weekday

Interval = tuple[datetime, datetime]

MIDNIGHT = time(0, 0)
_DAY_MINUTES = 24 * 60
_FREQUENCIES = {"weekly": WEEKLY, "monthly": MONTHLY}


class ScheduleError(ValueError):
    """A booking's times break one of the space's rules.

    `code` is stable so the web layer can pick a translated message; `params` fill it in.
    """

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    def __str__(self) -> str:
        if not self.params:
            return self.code
        details = ", ".join(f"{key}={value!r}" for key, value in sorted(self.params.items()))
        return f"{self.code} ({details})"


@dataclass(frozen=True)
class SpaceRules:
    """How one room or workshop may be booked; opening hours are local wall-clock ranges."""

    tz: str
    opening_hours: dict[int, list[tuple[time, time]]]
    slot_minutes: int = 30
    min_minutes: int = 30
    max_minutes: int = 12 * 60
    horizon_days: int = 90
    notice_minutes: int = 0
    buffer_minutes: int = 0

    def __post_init__(self) -> None:
        """Refuse rules that would make every later answer silently wrong."""
        try:
            ZoneInfo(self.tz)
        except (KeyError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.tz!r}") from exc
        if self.slot_minutes <= 0 or self.min_minutes <= 0:
            raise ValueError("slot_minutes and min_minutes must be positive")
        if self.max_minutes < self.min_minutes:
            raise ValueError("max_minutes must not be below min_minutes")
        if min(self.horizon_days, self.notice_minutes, self.buffer_minutes) < 0:
            raise ValueError("horizon_days, notice_minutes and buffer_minutes must not be negative")
        for day, ranges in self.opening_hours.items():
            if day not in range(7):
                raise ValueError(f"weekday {day!r} is not 0 (Monday) .. 6 (Sunday)")
            for opening, closing in ranges:
                _check_local_range(opening, closing)


def overlaps(a: Interval, b: Interval) -> bool:
    """Half-open overlap: touching intervals and empty intervals never overlap."""
    a_start, a_end = _span(a)
    b_start, b_end = _span(b)
    return a_start < a_end and b_start < b_end and a_start < b_end and b_start < a_end


def find_conflicts(
    candidate: Interval,
    bookings: Iterable[Interval],
    buffer_minutes: int = 0,
    closures: Iterable[Interval] = (),
) -> list[Interval]:
    """What stands in the candidate's way, in start order (UTC).

    Bookings need the buffer on both sides (a workshop is cleaned between two teams);
    a closure is the space itself being unavailable, so plain overlap is enough.
    """
    if buffer_minutes < 0:
        raise ValueError("buffer_minutes must not be negative")
    start, end = _span(candidate)
    pad = timedelta(minutes=buffer_minutes)
    low, high = start - pad, end + pad
    # Aware datetimes compare as instants whatever their zone: only the hits are converted
    # (the suggestion search asks this of a hundred bookings for each candidate).
    hits = [_span(b) for b in bookings if b[0] < high and low < b[1] and b[0] < b[1]
            ] if low < high else []
    if start < end:
        hits += [_span(c) for c in closures if c[0] < end and start < c[1] and c[0] < c[1]]
    return sorted(hits)


def opening_windows(rules: SpaceRules, start: datetime, end: datetime) -> list[Interval]:
    """UTC windows when the space is open within [start, end), adjacent ranges merged."""
    start, end = _utc(start), _utc(end)
    if start >= end:
        return []
    return _local_daily_windows(
        ZoneInfo(rules.tz), lambda day: rules.opening_hours.get(day.weekday(), ()), start, end
    )


def within_opening_hours(rules: SpaceRules, interval: Interval) -> bool:
    """True when the whole interval is open, even if it spans two adjacent ranges."""
    start, end = _span(interval)
    return within_windows(opening_windows(rules, start, end), (start, end))


def within_windows(windows: Iterable[Interval], interval: Interval) -> bool:
    """True when one of these merged opening windows (opening_windows) holds the whole
    interval: a calendar reads a day's windows once and asks this of each of its cells."""
    start, end = _span(interval)
    return start < end and any(a <= start and end <= b for a, b in windows)


def check_booking_times(rules: SpaceRules, start: datetime, end: datetime, now: datetime) -> None:
    """Raise ScheduleError for the first rule the times break: the member fixes one at a time.

    Durations and delays are real elapsed time; the grid and opening hours are local.
    """
    start, end, now = _utc(start), _utc(end), _utc(now)
    if end <= start:
        raise ScheduleError("end_not_after_start")
    if start < now:
        raise ScheduleError("in_past")
    zone = ZoneInfo(rules.tz)
    if not (_on_grid(start, zone, rules.slot_minutes) and _on_grid(end, zone, rules.slot_minutes)):
        raise ScheduleError("off_step", step=rules.slot_minutes)
    length = end - start
    if length < timedelta(minutes=rules.min_minutes):
        raise ScheduleError("too_short", minutes=rules.min_minutes)
    if length > timedelta(minutes=rules.max_minutes):
        raise ScheduleError("too_long", minutes=rules.max_minutes)
    if start < now + timedelta(minutes=rules.notice_minutes):
        raise ScheduleError(
            "within_notice", hours=rules.notice_minutes / 60, minutes=rules.notice_minutes
        )
    if start > now + timedelta(days=rules.horizon_days):
        raise ScheduleError("beyond_horizon", days=rules.horizon_days)
    if not within_opening_hours(rules, (start, end)):
        raise ScheduleError("outside_opening")


def expand_recurrence(
    first: Interval,
    tz: str,
    freq: str,
    interval: int = 1,
    count: int | None = None,
    until: date | None = None,
    max_occurrences: int = 200,
) -> list[Interval]:
    """A recurring series as UTC intervals, `first` included, at the same local wall-clock times.

    A rehearsal at 19:00 stays at 19:00 in Brussels across DST, so its UTC instant moves.
    "monthly" keeps the nth weekday of `first` (2nd Tuesday); a 5th week means "last".
    `until` is a local date, inclusive. A wall-clock time that does not exist on some day
    (spring-forward gap) lands just after the gap.
    """
    if (count is None) == (until is None):
        raise ValueError("give exactly one of count or until")
    if freq not in _FREQUENCIES:
        raise ValueError(f"freq must be one of {sorted(_FREQUENCIES)}, not {freq!r}")
    if interval < 1:
        raise ValueError("interval must be at least 1")
    start, end = _span(first)
    if end <= start:
        raise ScheduleError("end_not_after_start")
    zone = ZoneInfo(tz)
    local_start = start.astimezone(zone).replace(tzinfo=None)
    wall_length = end.astimezone(zone).replace(tzinfo=None) - local_start

    options: dict[str, object] = {}
    if freq == "monthly":
        week = (local_start.day - 1) // 7 + 1
        options["byweekday"] = weekday(local_start.weekday(), -1 if week == 5 else week)
    if count is not None:
        if count < 1:
            raise ValueError("count must be at least 1")
        if count > max_occurrences:
            raise ScheduleError("too_many_occurrences", max=max_occurrences)
        options["count"] = count
    else:
        if until < local_start.date():
            raise ValueError("until is before the first occurrence")
        options["until"] = datetime.combine(until, time.max)

    rule = rrule(_FREQUENCIES[freq], dtstart=local_start, interval=interval, **options)
    days = [moment.date() for moment in islice(rule, max_occurrences + 1)]
    if len(days) > max_occurrences:
        raise ScheduleError("too_many_occurrences", max=max_occurrences)
    series = [(start, end)]
    for day in days[1:]:
        wall_start = datetime.combine(day, local_start.time())
        series.append((_wall_to_utc(wall_start, zone),
                       _wall_to_utc(wall_start + wall_length, zone)))
    return series


def free_slots(
    rules: SpaceRules,
    start: datetime,
    end: datetime,
    duration_minutes: int,
    bookings: Iterable[Interval],
    closures: Iterable[Interval] = (),
    now: datetime | None = None,
    time_of_day: tuple[time, time] | None = None,
    limit: int = 50,
) -> list[Interval]:
    """Bookable slots of the given length in [start, end), in start order, at most `limit`.

    Every slot would pass check_booking_times (notice and horizon only when `now` is given)
    and find_conflicts. Slots start at every grid point, so they may overlap each other.
    """
    slots = _iter_free_slots(
        rules, start, end, duration_minutes, bookings, closures, now, time_of_day
    )
    return list(islice(slots, max(limit, 0)))


def nearest_free_slots(
    rules: SpaceRules,
    wanted: Interval,
    bookings: Iterable[Interval],
    closures: Iterable[Interval] = (),
    now: datetime | None = None,
    n: int = 3,
    search_days: int = 7,
) -> list[Interval]:
    """The n free slots as long as `wanted` starting closest to it (ties: earlier), in start order.

    Feeds "this slot is taken; nearest free: ...". If `wanted` is itself free it comes first.
    """
    start, end = _span(wanted)
    length = end - start
    if length <= timedelta(0) or length % timedelta(minutes=1):
        raise ValueError("wanted must last a positive whole number of minutes")
    reach = timedelta(days=search_days)
    slots = _iter_free_slots(
        rules,
        start - reach,
        start + reach + length,
        length // timedelta(minutes=1),
        bookings,
        closures,
        now,
        None,
    )
    closest = heapq.nsmallest(n, slots, key=lambda slot: (abs(slot[0] - start), slot[0]))
    return sorted(closest)


def _iter_free_slots(
    rules: SpaceRules,
    start: datetime,
    end: datetime,
    duration_minutes: int,
    bookings: Iterable[Interval],
    closures: Iterable[Interval],
    now: datetime | None,
    time_of_day: tuple[time, time] | None,
) -> Iterator[Interval]:
    """Sweep the open windows against the merged busy blocks once, jumping over each block."""
    if duration_minutes <= 0:
        raise ValueError("duration_minutes must be positive")
    if duration_minutes < rules.min_minutes:
        raise ScheduleError("too_short", minutes=rules.min_minutes)
    if duration_minutes > rules.max_minutes:
        raise ScheduleError("too_long", minutes=rules.max_minutes)
    start, end = _utc(start), _utc(end)
    latest_start = None
    if now is not None:
        now = _utc(now)
        start = max(start, now + timedelta(minutes=rules.notice_minutes))
        latest_start = now + timedelta(days=rules.horizon_days)
    zone = ZoneInfo(rules.tz)
    windows = opening_windows(rules, start, end)
    if time_of_day is not None:
        _check_local_range(*time_of_day)
        windows = _intersect(
            windows, _local_daily_windows(zone, lambda day: [time_of_day], start, end)
        )
    busy = _busy_blocks(bookings, closures, rules.buffer_minutes, start, end)
    length = timedelta(minutes=duration_minutes)
    step = rules.slot_minutes
    tiniest = timedelta(microseconds=1)
    blocker = 0
    for window_start, window_end in windows:
        slot_start = _next_grid_point(window_start, rules.tz, step)
        while slot_start + length <= window_end:
            if latest_start is not None and slot_start > latest_start:
                return
            slot_end = slot_start + length
            while blocker < len(busy) and busy[blocker][1] <= slot_start:
                blocker += 1
            if blocker < len(busy) and busy[blocker][0] < slot_end:
                slot_start = _next_grid_point(busy[blocker][1], rules.tz, step)
                continue
            if _on_grid(slot_end, zone, step):
                yield slot_start, slot_end
            slot_start = _next_grid_point(slot_start + tiniest, rules.tz, step)


def _busy_blocks(
    bookings: Iterable[Interval],
    closures: Iterable[Interval],
    buffer_minutes: int,
    start: datetime,
    end: datetime,
) -> list[Interval]:
    """Bookings widened by the buffer plus closures, sorted and merged, limited to [start, end)."""
    pad = timedelta(minutes=buffer_minutes)
    blocks = []
    for booking in bookings:
        booking_start, booking_end = _span(booking)
        if booking_start < booking_end:
            blocks.append((booking_start - pad, booking_end + pad))
    blocks += [_span(closure) for closure in closures]
    return _merge([(s, e) for s, e in blocks if s < end and e > start])


def _local_daily_windows(
    zone: ZoneInfo,
    ranges_for: Callable[[date], Iterable[tuple[time, time]]],
    start: datetime,
    end: datetime,
) -> list[Interval]:
    """Turn per-day local ranges into merged UTC windows clipped to [start, end)."""
    day = start.astimezone(zone).date() - timedelta(days=1)
    last_day = end.astimezone(zone).date() + timedelta(days=1)
    windows = []
    while day <= last_day:
        for opening, closing in ranges_for(day):
            closing_day = day + timedelta(days=1) if closing == MIDNIGHT else day
            windows.append(
                (
                    _wall_to_utc(datetime.combine(day, opening), zone),
                    _wall_to_utc(datetime.combine(closing_day, closing), zone),
                )
            )
        day += timedelta(days=1)
    return [
        (max(s, start), min(e, end)) for s, e in _merge(windows) if max(s, start) < min(e, end)
    ]


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort and join overlapping or touching intervals; empty ones are dropped."""
    merged: list[Interval] = []
    for start, end in sorted(iv for iv in intervals if iv[0] < iv[1]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _intersect(a: list[Interval], b: list[Interval]) -> list[Interval]:
    """Intersection of two sorted, merged interval lists."""
    result = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            result.append((start, end))
        if a[i][1] <= b[j][1]:
            i += 1
        else:
            j += 1
    return result


def _next_grid_point(moment: datetime, tz: str, step: int) -> datetime:
    """The first instant at or after `moment` whose local time is on the grid."""
    day = moment.astimezone(ZoneInfo(tz)).date() - timedelta(days=1)
    while True:
        points = _grid_of_day(day, tz, step)
        index = bisect_left(points, moment)
        if index < len(points):
            return points[index]
        day += timedelta(days=1)


@lru_cache(maxsize=2048)
def _grid_of_day(day: date, tz: str, step: int) -> tuple[datetime, ...]:
    """UTC instants of one local day's grid, sorted; the repeated autumn hour appears twice."""
    zone = ZoneInfo(tz)
    midnight = datetime.combine(day, MIDNIGHT)
    points = set()
    for minutes in range(0, _DAY_MINUTES, step):
        wall = midnight + timedelta(minutes=minutes)
        for fold in (0, 1):
            instant = wall.replace(tzinfo=zone, fold=fold).astimezone(UTC)
            if instant.astimezone(zone).date() == day and _on_grid(instant, zone, step):
                points.add(instant)
    return tuple(sorted(points))


def _on_grid(moment: datetime, zone: ZoneInfo, step: int) -> bool:
    """Whether the local wall-clock time is a whole multiple of `step` minutes after midnight."""
    local = moment.astimezone(zone)
    return (
        local.second == 0
        and local.microsecond == 0
        and (local.hour * 60 + local.minute) % step == 0
    )


def _check_local_range(opening: time, closing: time) -> None:
    """A local range must end after it starts; an end of 00:00 means midnight at the day's end."""
    if closing != MIDNIGHT and closing <= opening:
        raise ValueError(f"range {opening}-{closing} does not end after it starts")


def _wall_to_utc(wall: datetime, zone: ZoneInfo) -> datetime:
    """UTC instant of a naive local time; ambiguous means the first, a gap time lands after it."""
    return wall.replace(tzinfo=zone).astimezone(UTC)


def _utc(moment: datetime) -> datetime:
    """Normalise to UTC so comparisons and differences are real time, not wall-clock."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: pass a timezone-aware one")
    return moment.astimezone(UTC)


def _span(interval: Interval) -> Interval:
    start, end = interval
    return _utc(start), _utc(end)


def local_to_utc(wall: datetime, tz: str) -> datetime:
    """The UTC instant of a local wall-clock time typed by a person in the space's time zone."""
    return _wall_to_utc(wall.replace(tzinfo=None), ZoneInfo(tz))
