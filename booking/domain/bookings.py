"""Booking a space: the rules, the lock that prevents double booking, series, approvals,
cancellations and closures. Functions flush; the caller commits once per user action."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from ..models import (
    ACTIVE_STATUSES,
    Booking,
    BookingSeries,
    Closure,
    Member,
    RefusedBooking,
    Space,
)
from ..models.spaces import WEEKDAY_KEYS
from . import quotas, schedule
from .errors import BookingRefused, DomainError
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


class NotAllowed(DomainError):
    """The person may not do this to this booking."""


@dataclass(frozen=True)
class Occurrence:
    """One date of a recurring series as previewed: `problem` is None when it can be booked."""

    start: datetime
    end: datetime
    problem: str | None = None

    @property
    def free(self) -> bool:
        return self.problem is None


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


def closures_between(session: Session, space_id: int | None, start: datetime,
                     end: datetime) -> list[Closure]:
    """Closures of this space (and those of every space) that meet [start, end); all closures
    when space_id is None."""
    query = select(Closure).where(Closure.start_at < end, Closure.end_at > start)
    if space_id is not None:
        query = query.where(or_(Closure.space_id == space_id, Closure.space_id.is_(None)))
    return list(session.execute(query.order_by(Closure.start_at)).scalars())


def nearest_free(session: Session, space: Space, rules: SpaceRules, wanted: Interval,
                 now: datetime, exclude_ids: Iterable[int] = (), n: int = 3) -> list[Interval]:
    reach = timedelta(days=NEAREST_SEARCH_DAYS + 1)
    start, end = wanted[0] - reach, wanted[1] + reach
    busy = [(b.start_at, b.end_at) for b in
            active_bookings_between(session, space.id, start, end, exclude_ids)]
    closed = [(c.start_at, c.end_at) for c in closures_between(session, space.id, start, end)]
    try:
        candidates = schedule.nearest_free_slots(rules, wanted, busy, closed, now=now, n=n * 20,
                                                 search_days=NEAREST_SEARCH_DAYS)
    except (ScheduleError, ValueError):
        return []
    return distinct_nearest(candidates, wanted[0], n)


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


def _check_free(session: Session, space: Space, rules: SpaceRules, start: datetime,
                end: datetime, now: datetime, exclude_ids: Iterable[int] = ()) -> None:
    exclude_ids = list(exclude_ids)
    closures = closures_between(session, space.id, start, end)
    if closures:
        raise ClosureConflict(_l(
            "The space is closed then (%(reason)s). Choose another time.",
            reason=closures[0].reason))
    blocked_until = end + timedelta(minutes=space.buffer_minutes)
    taken = active_bookings_between(session, space.id, start, blocked_until, exclude_ids)
    if taken:
        raise _conflict(session, space, rules, (start, end), now, exclude_ids,
                        [(b.start_at, b.end_at) for b in taken])


def _conflict(session, space, rules, wanted, now, exclude_ids=(),
              taken: Sequence[Interval] | None = None) -> BookingConflict:
    """The refusal for a taken time: the bookings in the way and the nearest free times."""
    if taken is None:
        blocked_until = wanted[1] + timedelta(minutes=space.buffer_minutes)
        taken = [(b.start_at, b.end_at) for b in active_bookings_between(
            session, space.id, wanted[0], blocked_until, exclude_ids)]
    nearest = nearest_free(session, space, rules, wanted, now, exclude_ids)
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


def _check_rules(space: Space, rules: SpaceRules, start: datetime, end: datetime,
                 now: datetime) -> None:
    if not space.active:
        raise BookingRefused(_l("This space is archived: it takes no new bookings."))
    try:
        schedule.check_booking_times(rules, start, end, now)
    except ScheduleError as error:
        raise BookingRefused(schedule_message(error), code=error.code) from None


def _flush_or_conflict(session: Session, space: Space, rules: SpaceRules, wanted: Interval,
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


# --- creating --------------------------------------------------------------------------------

def create_booking(session: Session, *, space: Space, member: Member, start: datetime,
                   end: datetime, title: str, note: str = "", now: datetime, tz: str,
                   series: BookingSeries | None = None) -> Booking:
    """Book [start, end) for the member, or raise BookingRefused saying why and what to do."""
    rules = rules_for(space, tz)
    _check_rules(space, rules, start, end, now)
    lock_space_for_booking(session, space.id)
    _check_free(session, space, rules, start, end, now)
    decision = quotas.check_quotas(session, member, space, [(start, end)], tz)
    booking = Booking(
        space=space, member=member, series=series, start_at=start, end_at=end,
        blocked_until=end + timedelta(minutes=space.buffer_minutes),
        status="pending" if space.needs_approval or decision.pending[0] else "confirmed",
        overage_minutes=decision.overage_minutes[0],
        title=title.strip(), note=(note or "").strip(), sequence=0,
        created_at=now, updated_at=now,
    )
    session.add(booking)
    _flush_or_conflict(session, space, rules, (start, end), now)
    return booking


def record_refusal(session: Session, *, member_id: int | None, space_id: int, start: datetime,
                   end: datetime, reason: str, now: datetime) -> None:
    """Keep a refused attempt for the unmet-demand report (conflicts, closures, quotas)."""
    if reason in ("conflict", "closure", "quota"):
        session.add(RefusedBooking(member_id=member_id, space_id=space_id, start_at=start,
                                   end_at=end, reason=reason, at=now))


def preview_series(session: Session, *, space: Space, first: Interval, freq: str,
                   interval: int, count: int | None, until: date | None, now: datetime,
                   tz: str) -> list[Occurrence]:
    """Every date of the series and, for each, why it cannot be booked (None if it can).

    Two queries whatever the length of the series: bookings and closures over its span.
    """
    rules = rules_for(space, tz)
    try:
        dates = schedule.expand_recurrence(first, tz, freq, interval, count=count, until=until)
    except ScheduleError as error:
        raise BookingRefused(schedule_message(error), code=error.code) from None
    except ValueError:
        raise BookingRefused(_l("Give either a number of repetitions or an end date after "
                                "the first date.")) from None
    span_start, span_end = dates[0][0], dates[-1][1]
    buffer = timedelta(minutes=space.buffer_minutes)
    busy = active_bookings_between(session, space.id, span_start - buffer, span_end + buffer)
    closures = closures_between(session, space.id, span_start, span_end)
    occurrences = []
    for start, end in dates:
        problem = None
        try:
            _check_rules(space, rules, start, end, now)
        except BookingRefused as error:
            problem = str(error.message)
        if problem is None:
            hit = [c for c in closures if c.start_at < end and c.end_at > start]
            if hit:
                problem = str(_l("closed (%(reason)s)", reason=hit[0].reason))
        if problem is None:
            blocked_until = end + buffer
            if any(b.start_at < blocked_until and b.blocked_until > start for b in busy):
                problem = str(_l("already taken"))
        occurrences.append(Occurrence(start, end, problem))
    return occurrences


def create_series(session: Session, *, space: Space, member: Member, first: Interval,
                  freq: str, interval: int, count: int | None, until: date | None,
                  title: str, note: str, now: datetime, tz: str
                  ) -> tuple[BookingSeries, list[Booking], list[Occurrence]]:
    """Book the free dates of a series; the others are returned as skipped, with the reason."""
    lock_space_for_booking(session, space.id)
    occurrences = preview_series(session, space=space, first=first, freq=freq,
                                 interval=interval, count=count, until=until, now=now, tz=tz)
    free = [o for o in occurrences if o.free]
    if not free:
        raise BookingRefused(_l("None of the dates of this series is free. Choose another "
                                "time or space."))
    decision = quotas.check_quotas(session, member, space, [(o.start, o.end) for o in free], tz)
    series = BookingSeries(space_id=space.id, member_id=member.id, freq=freq, interval=interval,
                           count=count, until=until, created_at=now)
    session.add(series)
    rules = rules_for(space, tz)
    created = []
    for index, occurrence in enumerate(free):
        booking = Booking(
            space=space, member=member, series=series, start_at=occurrence.start,
            end_at=occurrence.end,
            blocked_until=occurrence.end + timedelta(minutes=space.buffer_minutes),
            status="pending" if space.needs_approval or decision.pending[index] else "confirmed",
            overage_minutes=decision.overage_minutes[index],
            title=title.strip(), note=(note or "").strip(), created_at=now, updated_at=now)
        session.add(booking)
        created.append(booking)
    _flush_or_conflict(session, space, rules, first, now)
    return series, created, [o for o in occurrences if not o.free]


# --- changing --------------------------------------------------------------------------------

def can_see_booking(booking: Booking, viewer: Member) -> bool:
    """A booking's page, note, reasons and calendar file belong to its member and co-managers."""
    return booking.member_id == viewer.id or viewer.is_comanager


def title_visible_to(booking: Booking, viewer: Member) -> bool:
    """Other members see a booking's title only where the space shows titles."""
    return can_see_booking(booking, viewer) or booking.space.show_titles


def is_late_cancellation(booking: Booking, now: datetime) -> bool:
    """Cancelling inside the space's notice is late: the hours still count."""
    return now > booking.start_at - timedelta(hours=booking.space.cancel_notice_hours)


def booking_for(session: Session, booking_id: int, viewer: Member) -> Booking | None:
    """The booking with its space and member, or None when it does not exist.

    Raises NotAllowed when it exists but `viewer` may not see it."""
    booking = session.execute(
        select(Booking).options(joinedload(Booking.space), joinedload(Booking.member))
        .where(Booking.id == booking_id)).scalar_one_or_none()
    if booking is not None and not can_see_booking(booking, viewer):
        raise NotAllowed(_l("This booking is someone else's."))
    return booking


def can_change(booking: Booking, actor: Member, now: datetime) -> bool:
    """Members change their own bookings that have not ended; co-managers any that has not."""
    if not booking.is_active or booking.end_at <= now:
        return False
    return can_see_booking(booking, actor)


def _series_targets(session: Session, booking: Booking, scope: str, now: datetime) -> list[Booking]:
    if scope == "one" or booking.series_id is None:
        return [booking]
    query = select(Booking).where(
        Booking.series_id == booking.series_id, Booking.status.in_(ACTIVE_STATUSES),
        Booking.end_at > now,
    ).order_by(Booking.start_at)
    if scope == "following":
        query = query.where(Booking.start_at >= booking.start_at)
    return list(session.execute(query).scalars())


def _bump(booking: Booking, now: datetime) -> None:
    booking.sequence += 1
    booking.updated_at = now


def cancel_booking(session: Session, booking: Booking, *, actor: Member, reason: str,
                   now: datetime, scope: str = "one", by_closure: bool = False) -> list[Booking]:
    """Cancel (never delete) the booking, or its series from it on, or all its future dates.

    A cancellation closer to the start than the space's notice is marked late (it still
    counts for quotas and costs), unless a closure forced it.
    """
    if not can_change(booking, actor, now):
        raise NotAllowed(_l("This booking can no longer be cancelled by you: it is over, "
                            "already cancelled, or someone else's."))
    targets = _series_targets(session, booking, scope, now)
    for target in targets:
        late = is_late_cancellation(target, now)
        target.status = "cancelled"
        target.cancelled_at = now
        target.cancelled_by_id = actor.id
        target.cancel_reason = (reason or "").strip()
        target.late_cancellation = not by_closure and late
        _bump(target, now)
    session.flush()
    return targets


def update_booking(session: Session, booking: Booking, *, actor: Member, start: datetime,
                   end: datetime, title: str, note: str, now: datetime, tz: str,
                   scope: str = "one") -> list[Booking]:
    """Move or rename a booking, or its series (each date shifted as this one is).

    All the dates must be free, or nothing changes. On a space that needs approval, a
    member's move sends the booking back to the queue.
    """
    if not can_change(booking, actor, now):
        raise NotAllowed(_l("This booking can no longer be changed by you: it is over, "
                            "cancelled, or someone else's."))
    space = booking.space
    rules = rules_for(space, tz)
    shift = start - booking.start_at
    length = end - start
    targets = _series_targets(session, booking, scope, now)
    lock_space_for_booking(session, space.id)
    target_ids = [t.id for t in targets]
    moved = shift != timedelta(0) or length != booking.end_at - booking.start_at
    new_times = [(start, end) if t.id == booking.id else
                 (_shift_local(t.start_at, shift, tz), _shift_local(t.start_at, shift, tz) + length)
                 for t in targets]
    decision = quotas.QuotaDecision([False] * len(targets), [t.overage_minutes for t in targets])
    if moved:
        decision = quotas.check_quotas(session, booking.member, space, new_times, tz, target_ids)
    for position, target in enumerate(targets):
        new_start, new_end = new_times[position]
        if moved:
            try:
                _check_rules(space, rules, new_start, new_end, now)
                _check_free(session, space, rules, new_start, new_end, now, target_ids)
            except BookingRefused as error:
                if len(targets) == 1:
                    raise
                raise BookingRefused(_l("The date %(date)s cannot be moved: %(why)s",
                                        date=describe_slots([(new_start, new_end)]),
                                        why=error.message)) from None
        target.start_at, target.end_at = new_start, new_end
        target.blocked_until = new_end + timedelta(minutes=space.buffer_minutes)
        target.title = title.strip()
        target.note = (note or "").strip()
        if moved and not actor.is_comanager and (space.needs_approval
                                                  or decision.pending[position]):
            target.status = "pending"
        target.overage_minutes = decision.overage_minutes[position]
        _bump(target, now)
    _flush_or_conflict(session, space, rules, (start, end), now)
    return targets


def _shift_local(moment: datetime, shift: timedelta, tz: str) -> datetime:
    """Shift by the same wall-clock amount, so a series keeps its local time across DST."""
    from zoneinfo import ZoneInfo

    local = moment.astimezone(ZoneInfo(tz)).replace(tzinfo=None)
    return schedule.local_to_utc(local + shift, tz)


def approve_booking(session: Session, booking: Booking, *, actor: Member, now: datetime) -> None:
    if booking.status != "pending":
        raise NotAllowed(_l("This booking is not waiting for approval any more."))
    booking.status = "confirmed"
    booking.decided_by_id, booking.decided_at = actor.id, now
    _bump(booking, now)
    session.flush()


def reject_booking(session: Session, booking: Booking, *, actor: Member, reason: str,
                   now: datetime) -> None:
    if booking.status != "pending":
        raise NotAllowed(_l("This booking is not waiting for approval any more."))
    if not reason.strip():
        raise DomainError(_l("Say why the booking is rejected: the member will read it."))
    booking.status = "rejected"
    booking.decided_by_id, booking.decided_at = actor.id, now
    booking.decision_reason = reason.strip()
    _bump(booking, now)
    session.flush()


# --- closures --------------------------------------------------------------------------------

def bookings_hit_by(session: Session, space_id: int | None, start: datetime,
                    end: datetime) -> list[Booking]:
    query = select(Booking).options(joinedload(Booking.member), joinedload(Booking.space)).where(
        Booking.status.in_(ACTIVE_STATUSES), Booking.start_at < end, Booking.end_at > start,
    ).order_by(Booking.start_at)
    if space_id is not None:
        query = query.where(Booking.space_id == space_id)
    return list(session.execute(query).scalars())


def create_closure(session: Session, *, actor: Member, space_id: int | None, start: datetime,
                   end: datetime, reason: str, now: datetime) -> Closure:
    if end <= start:
        raise DomainError(_l("The end must come after the start. Check the times."))
    closure = Closure(space_id=space_id, start_at=start, end_at=end, reason=reason.strip(),
                      created_by_id=actor.id, created_at=now, updated_at=now)
    session.add(closure)
    session.flush()
    return closure


def cancel_for_closure(session: Session, closure: Closure, *, actor: Member, message: str,
                       now: datetime) -> list[Booking]:
    """Cancel the future bookings a closure hits, with the co-managers' message as reason."""
    hit = [b for b in bookings_hit_by(session, closure.space_id, closure.start_at,
                                      closure.end_at) if b.end_at > now]
    for booking in hit:
        cancel_booking(session, booking, actor=actor, reason=message, now=now,
                       by_closure=True)
    return hit

