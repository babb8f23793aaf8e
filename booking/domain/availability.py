"""Whether a time can be booked: the space's rules, its closures and other bookings, the
nearest free times offered instead, and the write lock that prevents double booking."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, time, timedelta

from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import literal, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from ..models import ACTIVE_STATUSES, Booking, Closure, Space, WaitlistEntry
from ..models.spaces import WEEKDAY_KEYS
from . import schedule
from .closures import closure_conditions, closures_between
from .errors import BookingRefused
from .schedule import Interval, ScheduleError, SpaceRules
from .wording import describe_duration, describe_slots

NEAREST_SEARCH_DAYS = 7


class BookingConflict(BookingRefused):
    reason = "conflict"

    def __init__(self, message, nearest: Sequence[Interval] = (),
                 conflicts: Sequence[Interval] = ()):
        super().__init__(message)
        self.nearest = list(nearest)
        self.conflicts = list(conflicts)


class ClosureConflict(BookingRefused):
    reason = "closure"


# --- rules -----------------------------------------------------------------------------------

def parse_opening_hours(opening_hours: dict) -> dict[int, list[tuple[time, time]]]:
    """{"mon": [["08:00", "23:00"]], ...} as the schedule module wants it; "24:00" is midnight."""
    parsed: dict[int, list[tuple[time, time]]] = {}
    for index, key in enumerate(WEEKDAY_KEYS):
        ranges = []
        for opening, closing in opening_hours.get(key, []) or []:
            ranges.append((_parse_clock(opening), _parse_clock(closing)))
        parsed[index] = ranges
    return parsed


def _parse_clock(value: str) -> time:
    if value in ("24:00", "24:00:00"):
        return time(0, 0)
    hours, minutes = value.split(":")[:2]
    return time(int(hours), int(minutes))


def rules_for(space: Space, tz: str) -> SpaceRules:
    return SpaceRules(
        tz=tz, opening_hours=parse_opening_hours(space.opening_hours or {}),
        slot_minutes=space.slot_minutes, min_minutes=space.min_minutes,
        max_minutes=space.max_minutes, horizon_days=space.horizon_days,
        notice_minutes=space.notice_minutes, buffer_minutes=space.buffer_minutes,
    )


def schedule_message(error: ScheduleError):
    """A person's words for a broken rule, saying what to do instead."""
    p = error.params
    messages = {
        "end_not_after_start": lambda: _l("The end must come after the start. Check the times."),
        "in_past": lambda: _l("This time is already past. Choose a time from now on."),
        "off_step": lambda: _l(
            "Bookings here start and end on the %(step)d-minute grid (for example 10:00 or "
            "10:%(step)02d). Adjust the times.", step=p.get("step", 30)),
        "too_short": lambda: _l("A booking here lasts at least %(duration)s. Make it longer.",
                                duration=describe_duration(p["minutes"])),
        "too_long": lambda: _l(
            "A booking here lasts at most %(duration)s. Make it shorter or split it in two.",
            duration=describe_duration(p["minutes"])),
        "within_notice": lambda: _l(
            "This space must be booked at least %(duration)s in advance. Choose a later time.",
            duration=describe_duration(p["minutes"])),
        "beyond_horizon": lambda: _l(
            "This space can be booked up to %(days)d days ahead. Choose an earlier date.",
            days=p["days"]),
        "outside_opening": lambda: _l(
            "The space is closed at that time. Check its opening hours and choose a time "
            "when it is open."),
        "too_many_occurrences": lambda: _l(
            "A series can have at most %(max)d dates. Choose an earlier end date or fewer "
            "repetitions.", max=p["max"]),
    }
    return messages.get(error.code, lambda: _l("These times cannot be booked."))()


# --- queries ---------------------------------------------------------------------------------

def active_bookings_between(session: Session, space_ids: int | Iterable[int], start: datetime,
                            end: datetime, exclude_ids: Iterable[int] = ()) -> list[Booking]:
    """Active bookings whose blocked range [start_at, blocked_until) meets [start, end).

    One query for any number of spaces, members loaded with them (calendars show names).
    """
    ids = [space_ids] if isinstance(space_ids, int) else list(space_ids)
    if not ids:
        return []
    query = select(Booking).options(joinedload(Booking.member)).where(
        Booking.space_id.in_(ids),
        Booking.status.in_(ACTIVE_STATUSES),
        Booking.start_at < end,
        Booking.blocked_until > start,
    ).order_by(Booking.start_at)
    exclude_ids = list(exclude_ids)
    if exclude_ids:
        query = query.where(Booking.id.not_in(exclude_ids))
    return list(session.execute(query).scalars())

def busy_between(session: Session, space_id: int, start: datetime, end: datetime,
                 exclude_ids: Iterable[int] = ()) -> list[Interval]:
    """(start, end) of the space's active bookings whose blocked range meets [start, end): two
    columns, no objects, for the free-time search (the schedule adds the buffer itself)."""
    query = select(Booking.start_at, Booking.end_at).where(
        *_busy_conditions(space_id, start, end, exclude_ids))
    return [(s, e) for s, e in session.execute(query)]


def _busy_conditions(space_id: int, start: datetime, end: datetime,
                     exclude_ids: Iterable[int]) -> list:
    conditions = [Booking.space_id == space_id, Booking.status.in_(ACTIVE_STATUSES),
                  Booking.start_at < end, Booking.blocked_until > start]
    exclude_ids = list(exclude_ids)
    if exclude_ids:
        conditions.append(Booking.id.not_in(exclude_ids))
    return conditions


def nearest_free(session: Session, space: Space, rules: SpaceRules, wanted: Interval,
                 now: datetime, exclude_ids: Iterable[int] = (), n: int = 3,
                 closed: Sequence[Interval] | None = None) -> list[Interval]:
    """The n nearest free times: one two-column query, then computed in memory. `closed`: the
    closures over the search window when the caller has them already."""
    start, end = search_window(wanted)
    busy = busy_between(session, space.id, start, end, exclude_ids)
    if closed is None:
        closed = [(c.start_at, c.end_at) for c in closures_between(session, space.id, start, end)]
    try:
        candidates = schedule.nearest_free_slots(rules, wanted, busy, closed, now=now, n=n * 20,
                                                 search_days=NEAREST_SEARCH_DAYS)
    except (ScheduleError, ValueError):
        return []
    return distinct_nearest(candidates, wanted[0], n)


def search_window(wanted: Interval) -> Interval:
    """Where the nearest free times are looked for: a week either side, and a day's margin."""
    reach = timedelta(days=NEAREST_SEARCH_DAYS + 1)
    return wanted[0] - reach, wanted[1] + reach


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


# --- the write lock --------------------------------------------------------------------------

def lock_space_for_booking(session: Session, space_id: int) -> None:
    """Serialize booking writes for a space, so the conflict check and the insert are atomic.

    PostgreSQL: a row lock on the space (the exclusion constraint remains the last word).
    SQLite: BEGIN IMMEDIATE takes the database's write lock before we read; other writers
    wait for our commit and then see our booking.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        driver = connection.connection.driver_connection
        if not driver.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        session.execute(select(Space.id).where(Space.id == space_id).with_for_update())


def check_free(session: Session, space: Space, rules: SpaceRules, start: datetime,
                end: datetime, now: datetime, exclude_ids: Iterable[int] = (),
                member_id: int | None = None) -> None:
    """Refuse a closed or taken time, from one statement: the closures over the whole window
    the nearest free times would be searched in (so a refusal reads them only once), the
    bookings in the way, and (given `member_id`) a freed slot held for someone else on the
    waiting list."""
    exclude_ids = list(exclude_ids)
    window = search_window((start, end))
    blocked_until = end + timedelta(minutes=space.buffer_minutes)
    taken = select(literal(False), Booking.start_at, Booking.end_at, literal("")).where(
        *_busy_conditions(space.id, start, blocked_until, exclude_ids))
    closed = select(literal(True), Closure.start_at, Closure.end_at, Closure.reason).where(
        *closure_conditions(space.id, *window))
    parts = [closed, taken]
    if member_id is not None:
        parts.append(select(literal(None), WaitlistEntry.start_at, WaitlistEntry.offer_expires_at,
                            literal("")).where(*offer_conditions(space.id, member_id, start,
                                                                 end, now)))
    rows = session.execute(union_all(*parts)).all()
    hit = sorted((s, reason) for is_closure, s, e, reason in rows
                 if is_closure and s < end and e > start)
    if hit:
        raise ClosureConflict(_l(
            "The space is closed then (%(reason)s). Choose another time.", reason=hit[0][1]))
    in_the_way = sorted((s, e) for is_closure, s, e, _reason in rows if is_closure is False)
    if in_the_way:
        raise _conflict(session, space, rules, (start, end), now, exclude_ids, in_the_way,
                        closed=[(s, e) for is_closure, s, e, _reason in rows if is_closure])
    held = [expires for is_closure, _s, expires, _reason in rows if is_closure is None]
    if held:
        raise BookingRefused(_l(
            "This time has just been freed and is offered to the first member on its waiting "
            "list until %(when)s. Join the waiting list or choose another time.",
            when=format_datetime(min(held), "EEEE d MMMM HH:mm")), code="held_for_waitlist")


def offer_conditions(space_id: int, member_id: int, start: datetime, end: datetime,
                     now: datetime) -> list:
    """Offers still valid on the space over [start, end), made to someone else."""
    return [WaitlistEntry.space_id == space_id, WaitlistEntry.status == "offered",
            WaitlistEntry.offer_expires_at > now, WaitlistEntry.member_id != member_id,
            WaitlistEntry.start_at < end, WaitlistEntry.end_at > start]


def _conflict(session, space, rules, wanted, now, exclude_ids=(),
              taken: Sequence[Interval] | None = None,
              closed: Sequence[Interval] | None = None) -> BookingConflict:
    """The refusal for a taken time: the bookings in the way and the nearest free times."""
    if taken is None:
        blocked_until = wanted[1] + timedelta(minutes=space.buffer_minutes)
        taken = sorted(busy_between(session, space.id, wanted[0], blocked_until, exclude_ids))
    nearest = nearest_free(session, space, rules, wanted, now, exclude_ids, closed=closed)
    if nearest and space.buffer_minutes:
        return BookingConflict(_l(
            "This time is already taken (a buffer of %(buffer)d min is kept between bookings). "
            "Nearest free times: %(slots)s.", buffer=space.buffer_minutes,
            slots=describe_slots(nearest)), nearest, taken)
    if nearest:
        return BookingConflict(_l(
            "This time is already taken. Nearest free times: %(slots)s.",
            slots=describe_slots(nearest)), nearest, taken)
    return BookingConflict(_l(
        "This time is already taken, and no free time of the same length was found within "
        "a week. Try a shorter booking or another space."), (), taken)


def check_rules(space: Space, rules: SpaceRules, start: datetime, end: datetime,
                 now: datetime) -> None:
    if not space.active:
        raise BookingRefused(_l("This space is archived: it takes no new bookings."))
    try:
        schedule.check_booking_times(rules, start, end, now)
    except ScheduleError as error:
        raise BookingRefused(schedule_message(error), code=error.code) from None


def flush_or_conflict(session: Session, space: Space, rules: SpaceRules, wanted: Interval,
                       now: datetime) -> None:
    """Flush; if the database's exclusion constraint says no, it is a conflict like any other.

    The failed transaction is rolled back first, so the nearest free times can be looked up.
    """
    try:
        session.flush()
    except IntegrityError as error:
        if "bookings_no_overlap" not in str(error.orig):
            raise
        session.rollback()
        raise _conflict(session, space, rules, wanted, now) from None
