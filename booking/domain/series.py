"""Recurring bookings: a series' dates previewed with why each cannot be booked, and booking
the free ones. Each date becomes an ordinary booking linked to its series."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ..models import Booking, BookingParticipant, BookingSeries, Member, Space
from . import quotas, schedule
from .availability import (
    active_bookings_between,
    check_rules,
    flush_or_conflict,
    lock_space_for_booking,
    rules_for,
    schedule_message,
)
from .closures import closures_between
from .errors import BookingRefused
from .governance import charter_gate
from .notifications import events as notices
from .schedule import Interval, ScheduleError


@dataclass(frozen=True)
class Occurrence:
    """One date of a recurring series as previewed: `problem` is None when it can be booked."""

    start: datetime
    end: datetime
    problem: str | None = None

    @property
    def free(self) -> bool:
        return self.problem is None


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
            check_rules(space, rules, start, end, now)
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
                  title: str, note: str, now: datetime, tz: str,
                  booked_by: Member | None = None, participants: Sequence[Member] = (),
                  for_organisation: bool = False
                  ) -> tuple[BookingSeries, list[Booking], list[Occurrence]]:
    """Book the free dates of a series; the others are returned as skipped, with the reason.
    Who books and takes part as in `bookings.create_booking`."""
    from .bookings import check_booker

    booker = check_booker(member, booked_by, for_organisation)
    charter_gate(session, member)
    lock_space_for_booking(session, space.id)
    occurrences = preview_series(session, space=space, first=first, freq=freq,
                                 interval=interval, count=count, until=until, now=now, tz=tz)
    free = [o for o in occurrences if o.free]
    if not free:
        raise BookingRefused(_l("None of the dates of this series is free. Choose another "
                                "time or space."))
    decision = quotas.check_quotas(session, member, space, [(o.start, o.end) for o in free], tz,
                                   for_organisation=for_organisation)
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
            title=title.strip(), note=(note or "").strip(), created_at=now, updated_at=now,
            created_by_id=booker.id,
            organisation_id=member.organisation_id if for_organisation else None,
            participants=[BookingParticipant(member_id=p.id) for p in participants])
        session.add(booking)
        created.append(booking)
    flush_or_conflict(session, space, rules, [(b.start_at, b.end_at) for b in created], now)
    skipped = [o for o in occurrences if not o.free]
    notices.series_created(session, series, created, skipped, booker, participants)
    return series, created, skipped
