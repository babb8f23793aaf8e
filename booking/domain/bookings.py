"""Booking a space: creating, seeing, changing, cancelling, approving and rejecting bookings,
and the lists people read (their own bookings, the approvals queue). Functions flush; the
caller commits once per user action.

Whether a time is free lives in `availability`, series in `series`, closures in `closures`;
the names the HTML views, the API and the CLI call are importable from here too.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload

from ..models import ACTIVE_STATUSES, Booking, BookingSeries, Closure, Member, RefusedBooking, Space
from . import equipment, quotas, schedule, waitlist
from .availability import (
    BookingConflict,
    ClosureConflict,
    active_bookings_between,
    check_free,
    check_rules,
    flush_or_conflict,
    lock_space_for_booking,
    rules_for,
    schedule_message,
)
from .closures import bookings_hit_by, closures_between, create_closure
from .errors import BookingRefused, DomainError
from .governance import charter_gate
from .notifications import events as notices
from .series import Occurrence, create_series, preview_series
from .wording import describe_slots

# Public names, with those defined beside this module that the API and the demo data reach here.
__all__ = [
    "BookingConflict", "BookingRefused", "ClosureConflict", "NotAllowed", "Occurrence",
    "active_bookings_between", "approve_booking", "awaiting_approval", "awaiting_approval_count",
    "booking_for", "bookings_hit_by", "can_change", "can_see_booking", "cancel_booking",
    "cancel_for_closure", "closures_between", "create_booking", "create_closure", "create_series",
    "is_late_cancellation", "past_bookings_query", "preview_series", "record_refusal",
    "reject_booking", "rules_for", "schedule_message", "title_visible_to", "upcoming_bookings",
    "update_booking",
]


class NotAllowed(DomainError):
    """The person may not do this to this booking."""


# --- creating --------------------------------------------------------------------------------

def create_booking(session: Session, *, space: Space, member: Member, start: datetime,
                   end: datetime, title: str, note: str = "", now: datetime, tz: str,
                   series: BookingSeries | None = None,
                   equipment_wanted: Sequence[equipment.EquipmentRequest] = ()) -> Booking:
    """Book [start, end) for the member, or raise BookingRefused saying why and what to do."""
    charter_gate(session, member)
    rules = rules_for(space, tz)
    check_rules(space, rules, start, end, now)
    lock_space_for_booking(session, space.id)
    check_free(session, space, rules, start, end, now, member_id=member.id)
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
    flush_or_conflict(session, space, rules, (start, end), now)
    equipment.reserve_equipment(session, booking, equipment_wanted)
    if series is None:
        notices.booking_created(session, booking)
    return booking


def record_refusal(session: Session, *, member_id: int | None, space_id: int, start: datetime,
                   end: datetime, reason: str, now: datetime) -> None:
    """Keep a refused attempt for the unmet-demand report (conflicts, closures, quotas)."""
    if reason in ("conflict", "closure", "quota"):
        session.add(RefusedBooking(member_id=member_id, space_id=space_id, start_at=start,
                                   end_at=end, reason=reason, at=now))


# --- changing --------------------------------------------------------------------------------

def can_see_booking(booking: Booking, viewer: Member) -> bool:
    """A booking's page, note, reasons and calendar file belong to its member and co-managers."""
    return booking.member_id == viewer.id or viewer.is_comanager


def title_visible_to(booking: Booking, viewer: Member, show_titles: bool | None = None) -> bool:
    """Other members see a booking's title only where the space shows titles (`show_titles`:
    the space's setting, when the booking is a plain row without its space)."""
    if show_titles is None:
        show_titles = booking.space.show_titles
    return can_see_booking(booking, viewer) or show_titles


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
    if not by_closure:
        notices.bookings_cancelled(session, targets, actor, reason)
    waitlist.slots_freed(session, targets, now)
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
                check_rules(space, rules, new_start, new_end, now)
                check_free(session, space, rules, new_start, new_end, now, target_ids)
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
    flush_or_conflict(session, space, rules, (start, end), now)
    if moved:
        equipment.recheck_moved(session, targets)
    notices.bookings_changed(session, targets, actor)
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
    notices.booking_decided(session, booking)


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
    notices.booking_decided(session, booking)
    waitlist.slots_freed(session, [booking], now)


def cancel_for_closure(session: Session, closure: Closure, *, actor: Member, message: str,
                       now: datetime) -> list[Booking]:
    """Cancel the future bookings a closure hits, with the co-managers' message as reason."""
    hit = [b for b in bookings_hit_by(session, closure.space_id, closure.start_at,
                                      closure.end_at) if b.end_at > now]
    for booking in hit:
        cancel_booking(session, booking, actor=actor, reason=message, now=now,
                       by_closure=True)
        notices.bookings_cancelled(session, [booking], actor, message, closure=closure)
    return hit


# --- lists -----------------------------------------------------------------------------------

def upcoming_bookings(session: Session, member_id: int, now: datetime, *,
                      active_only: bool = False, limit: int = 200) -> list[Booking]:
    """The member's bookings not over yet, soonest first, with their space.

    "My bookings" shows cancelled and rejected ones too; the home page only active ones."""
    query = select(Booking).options(joinedload(Booking.space)).where(
        Booking.member_id == member_id, Booking.end_at > now)
    if active_only:
        query = query.where(Booking.status.in_(ACTIVE_STATUSES))
    return list(session.execute(query.order_by(Booking.start_at).limit(limit)).scalars())


def past_bookings_query(member_id: int, now: datetime) -> Select:
    """The member's bookings that are over, latest first (a query, so the page can paginate)."""
    return (select(Booking).options(joinedload(Booking.space))
            .where(Booking.member_id == member_id, Booking.end_at <= now)
            .order_by(Booking.start_at.desc()))


def awaiting_approval(session: Session, now: datetime) -> list[Booking]:
    """The co-managers' queue: pending bookings not over yet, soonest first."""
    return list(session.execute(
        select(Booking).options(joinedload(Booking.space), joinedload(Booking.member))
        .where(Booking.status == "pending", Booking.end_at > now)
        .order_by(Booking.start_at)).scalars())


def awaiting_approval_count(session: Session, now: datetime) -> int:
    return session.execute(select(func.count(Booking.id)).where(
        Booking.status == "pending", Booking.end_at > now)).scalar_one()


def bookings_in_period(session: Session, *, start: datetime, end: datetime,
                       member_id: int | None = None, space_id: int | None = None,
                       limit: int) -> list[Booking]:
    """Bookings overlapping [start, end), with their space, in time order, at most `limit`.

    With `member_id`: that member's bookings in any status (their own history, cancellations
    included). Without: every member's active bookings, what the calendar shows."""
    query = _in_period(select(Booking).options(joinedload(Booking.space)), start, end,
                       member_id, space_id)
    return list(session.execute(query.limit(limit)).scalars())


LISTED_COLUMNS = (Booking.id, Booking.space_id, Booking.member_id, Booking.series_id,
                  Booking.start_at, Booking.end_at, Booking.title, Booking.note, Booking.status,
                  Booking.sequence, Booking.late_cancellation, Booking.cancel_reason,
                  Booking.decision_reason, Booking.updated_at, Booking.checked_in_at,
                  Booking.no_show_at)


def booking_rows_in_period(session: Session, *, start: datetime, end: datetime,
                           member_id: int | None = None, space_id: int | None = None,
                           limit: int) -> list:
    """The same bookings as plain rows of the columns a listing shows, and the space's
    `show_titles`: hundreds are serialised without building an object per booking."""
    query = select(*LISTED_COLUMNS, Space.show_titles).join(Space, Space.id == Booking.space_id)
    query = _in_period(query, start, end, member_id, space_id)
    return list(session.execute(query.limit(limit)))


def _in_period(query, start: datetime, end: datetime, member_id: int | None,
               space_id: int | None):
    query = query.where(Booking.start_at < end, Booking.end_at > start)
    if member_id is not None:
        query = query.where(Booking.member_id == member_id)
    else:
        query = query.where(Booking.status.in_(ACTIVE_STATUSES))
    if space_id is not None:
        query = query.where(Booking.space_id == space_id)
    return query.order_by(Booking.start_at, Booking.id)
