"""What to offer instead of a taken time, and which free times a member can book: plain
functions over plain values (intervals, the spaces' rules, a quota verdict), no database, so
the booking refusal, the slot search and the API compute them in memory from what was read
once."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..models import Space
from . import schedule
from .quotas import SlotVerdict
from .schedule import Interval, ScheduleError, SpaceRules

MAX_PER_KIND_OF_SUGGESTION = 2


@dataclass(frozen=True)
class BookableSlot:
    """A time the member can book in a space, and on what terms (approval, overage)."""

    space_id: int
    start: datetime
    end: datetime
    verdict: SlotVerdict = field(default_factory=lambda: SlotVerdict(True))

    @property
    def interval(self) -> Interval:
        return self.start, self.end


def closed_by_space(closures: Iterable[tuple[int | None, datetime, datetime]],
                    space_ids: Iterable[int]) -> dict[int, list[Interval]]:
    """Closures as intervals per space; a closure of every space (None) goes to each."""
    closed: dict[int, list[Interval]] = {space_id: [] for space_id in space_ids}
    for space_id, closure_start, closure_end in closures:
        for key in ([space_id] if space_id is not None else list(closed)):
            if key in closed:
                closed[key].append((closure_start, closure_end))
    return closed


def suggest_alternatives(wanted: Interval, spaces: Sequence[Space],
                         rules_by_space: dict[int, SpaceRules],
                         busy: dict[int, list[Interval]], closed: dict[int, list[Interval]],
                         now: datetime, judge: Callable[[Space, Interval], SlotVerdict],
                         per_kind: int = MAX_PER_KIND_OF_SUGGESTION,
                         search_days: int = 7) -> list[BookableSlot]:
    """What to offer instead of a taken time, best first: the same time on other days (the
    nearest first), the same time in other spaces of the kind, then other times of the same
    day; only times every rule and the member's quota allow. `spaces[0]` is the one asked."""
    space, rules = spaces[0], rules_by_space[spaces[0].id]
    zone = ZoneInfo(rules.tz)
    chosen: list[BookableSlot] = []

    def offer(candidate: Space, slot: Interval) -> bool:
        candidate_rules = rules_by_space[candidate.id]
        try:
            schedule.check_booking_times(candidate_rules, *slot, now)
        except ScheduleError:
            return False
        if schedule.find_conflicts(slot, busy[candidate.id], candidate_rules.buffer_minutes,
                                   closed[candidate.id]):
            return False
        verdict = judge(candidate, slot)
        if not verdict.bookable:
            return False
        chosen.append(BookableSlot(candidate.id, *slot, verdict))
        return True

    local_start = wanted[0].astimezone(zone).replace(tzinfo=None)
    length = wanted[1] - wanted[0]
    found = 0
    for days in (d * sign for d in range(1, search_days + 1) for sign in (1, -1)):
        start = schedule.local_to_utc(local_start + timedelta(days=days), rules.tz)
        if found < per_kind and offer(space, (start, start + length)):
            found += 1
    found = 0
    for other in spaces[1:]:
        if found < per_kind and offer(other, wanted):
            found += 1
    day = local_start.date()
    day_start = schedule.local_to_utc(datetime.combine(day, time(0)), rules.tz)
    day_end = schedule.local_to_utc(datetime.combine(day + timedelta(days=1), time(0)), rules.tz)
    try:
        same_day = schedule.free_slots(rules, day_start, day_end, length // timedelta(minutes=1),
                                       busy[space.id], closed[space.id], now=now, limit=500)
    except (ScheduleError, ValueError):
        same_day = []
    allowed = [slot for slot in same_day if judge(space, slot).bookable]
    for slot in distinct_nearest(allowed, wanted[0], per_kind):
        offer(space, slot)
    if not chosen:
        try:
            week = schedule.nearest_free_slots(rules, wanted, busy[space.id], closed[space.id],
                                               now=now, n=60, search_days=search_days)
        except (ScheduleError, ValueError):
            week = []
        allowed = [slot for slot in week if judge(space, slot).bookable]
        for slot in distinct_nearest(allowed, wanted[0], 3):
            offer(space, slot)
    return chosen


def distinct_nearest(slots: Sequence[Interval], start: datetime, n: int) -> list[Interval]:
    """The n slots closest to `start` that do not overlap one another, in time order.

    Offering 16:00, 16:30 and 17:00 is one choice said three times; offering the free time
    just before, just after and the next day gives the member real alternatives.
    """
    chosen: list[Interval] = []
    for slot in sorted(slots, key=lambda s: (abs(s[0] - start), s[0])):
        if all(slot[1] <= other[0] or slot[0] >= other[1] for other in chosen):
            chosen.append(slot)
            if len(chosen) == n:
                break
    return sorted(chosen)


def distinct_starts(slots: Iterable[Interval]) -> list[Interval]:
    """Slots that do not overlap the previous one kept, so a list reads as choices."""
    shown: list[Interval] = []
    for start, end in slots:
        if not shown or start >= shown[-1][1]:
            shown.append((start, end))
    return shown
