"""Check-in and no-shows, on spaces that require them: a member checks in from a few minutes
before the start (the booking's button, or the space's door link); a booking still not
checked in some minutes after its start is a no-show (the scheduled job). A no-show costs
its hours in the quota (like a late cancellation) or a fee posted to the ledger, and frees the
rest of the slot when the space says so: the booking is then cancelled (kept, never deleted),
and the waiting list is served."""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from ..models import ACTIVE_STATUSES, Booking, LedgerEntry, Member, Space
from .accounts import get_settings, record_audit
from .errors import DomainError
from .notifications import notify
from .waitlist import slots_freed

# The job looks this far back: a worker down for longer leaves older bookings alone.
LOOK_BACK = timedelta(days=2)


class CheckInRefused(DomainError):
    """The booking cannot be checked in now."""


def check_in_opens(booking: Booking) -> datetime:
    return booking.start_at - timedelta(minutes=booking.space.checkin_opens_minutes)


def no_show_after(booking: Booking) -> datetime:
    return booking.start_at + timedelta(minutes=booking.space.checkin_grace_minutes)


def can_check_in(booking: Booking, member: Member, now: datetime) -> bool:
    """The button shows: the member's confirmed booking, on a space requiring check-in, from
    the opening of check-in to its end, not checked in nor marked no-show yet."""
    return (booking.space.checkin_required and booking.member_id == member.id
            and booking.status == "confirmed" and booking.checked_in_at is None
            and booking.no_show_at is None and check_in_opens(booking) <= now < booking.end_at)


def check_in(session: Session, booking: Booking, *, member: Member, now: datetime) -> None:
    if booking.member_id != member.id:
        raise CheckInRefused(_l("Only the member who booked can check in."))
    if not booking.space.checkin_required:
        raise CheckInRefused(_l("This space does not need a check-in."))
    if booking.checked_in_at is not None:
        raise CheckInRefused(_l("You are already checked in."))
    if booking.no_show_at is not None or booking.status != "confirmed":
        raise CheckInRefused(_l("This booking can no longer be checked in: it was marked as a "
                                "no-show or is not confirmed. Ask a co-manager."))
    if now < check_in_opens(booking):
        raise CheckInRefused(lazy_ngettext(
            "Check-in opens %(num)d minute before the start. Come back then.",
            "Check-in opens %(num)d minutes before the start. Come back then.",
            booking.space.checkin_opens_minutes))
    if now >= booking.end_at:
        raise CheckInRefused(_l("This booking is over."))
    booking.checked_in_at = now
    session.flush()
    record_audit(session, member, "booking.check_in", "booking", booking.id)


def current_booking_at(session: Session, space_id: int, member_id: int,
                       now: datetime) -> Booking | None:
    """The member's booking at the space that is on now or whose check-in is open (the
    door link), the soonest first."""
    candidates = session.execute(
        select(Booking).options(joinedload(Booking.space))
        .join(Space, Space.id == Booking.space_id)
        .where(Booking.space_id == space_id, Booking.member_id == member_id,
               Booking.status.in_(ACTIVE_STATUSES), Booking.end_at > now,
               Booking.start_at <= now + timedelta(days=1))
        .order_by(Booking.start_at)).scalars().all()
    return next((b for b in candidates if check_in_opens(b) <= now), None)


# --- the scheduled job -----------------------------------------------------------------------

def mark_no_shows(session: Session, now: datetime) -> int:
    """Mark the bookings past their grace without check-in; each is claimed by a conditional
    update, so two workers at once mark it once. Returns how many were marked."""
    due = session.execute(
        select(Booking).options(joinedload(Booking.space), joinedload(Booking.member)
                                .joinedload(Member.organisation))
        .join(Space, Space.id == Booking.space_id)
        .where(Space.checkin_required.is_(True), Booking.status == "confirmed",
               Booking.checked_in_at.is_(None), Booking.no_show_at.is_(None),
               Booking.start_at <= now, Booking.start_at > now - LOOK_BACK)
        .order_by(Booking.start_at, Booking.id)).scalars().all()
    tz = None
    marked = 0
    for booking in due:
        if no_show_after(booking) > now:
            continue
        claimed = session.execute(
            update(Booking).where(Booking.id == booking.id, Booking.no_show_at.is_(None),
                                  Booking.checked_in_at.is_(None))
            .values(no_show_at=now).execution_options(synchronize_session=False)).rowcount
        if claimed != 1:
            continue
        session.refresh(booking)
        tz = tz or get_settings(session).timezone
        _apply_no_show(session, booking, now, tz)
        marked += 1
    return marked


def _apply_no_show(session: Session, booking: Booking, now: datetime, tz: str) -> None:
    space = booking.space
    released = space.checkin_release and booking.end_at > now
    fee = space.no_show_fee_cents if space.no_show_cost == "fee" else 0
    if released:
        booking.status = "cancelled"
        booking.cancelled_at = now
        booking.cancel_reason = str(lazy_ngettext(
            "No-show: not checked in within %(num)d minute of the start.",
            "No-show: not checked in within %(num)d minutes of the start.",
            space.checkin_grace_minutes))
        # "quota": the hours count anyway, as a late cancellation's do.
        booking.late_cancellation = space.no_show_cost == "quota"
        booking.sequence += 1
        booking.updated_at = now
    session.flush()
    if fee > 0:
        _post_fee(session, booking, fee, now, tz)
    notify(session, booking.member, "booking_no_show", booking=booking, released=released,
           fee_cents=fee)
    record_audit(session, None, "booking.no_show", "booking", booking.id,
                 "released" if released else "")
    if released:
        slots_freed(session, [booking], now)


def _post_fee(session: Session, booking: Booking, fee: int, now: datetime, tz: str) -> None:
    """The fee as a ledger entry, dated today (the next open day's month if this one is
    closed is the co-managers' correction to make: nothing is posted in a closed month)."""
    from .ledger.accounts import account_of, is_closed  # the ledger package imports usage

    day = now.astimezone(ZoneInfo(tz)).date()
    if is_closed(session, day):
        return
    member_id, organisation_id = account_of(booking.member)
    session.add(LedgerEntry(
        member_id=member_id, organisation_id=organisation_id, amount_cents=fee, kind="fee",
        entry_date=day, description=str(_l("No-show fee, %(space)s", space=booking.space.name)),
        basis=json.dumps({"method": "no_show", "booking_id": booking.id}),
        basis_member_id=booking.member_id, author_id=None))
    session.flush()


# --- the report ------------------------------------------------------------------------------

@dataclass(frozen=True)
class NoShowRow:
    """A member's no-shows at one space over the period."""

    member_id: int
    member_name: str
    space_id: int
    count: int
    minutes: float


def no_shows(session: Session, start: datetime, end: datetime) -> list[NoShowRow]:
    """No-shows of bookings starting in [start, end), per member and space (one query)."""
    rows = session.execute(
        select(Booking.member_id, Member.name, Booking.space_id, Booking.start_at,
               Booking.end_at)
        .join(Member, Member.id == Booking.member_id)
        .where(Booking.no_show_at.is_not(None), Booking.start_at >= start,
               Booking.start_at < end)).all()
    grouped: dict[tuple[int, str, int], list[float]] = defaultdict(lambda: [0, 0.0])
    for member_id, name, space_id, a, b in rows:
        entry = grouped[(member_id, name, space_id)]
        entry[0] += 1
        entry[1] += (b - a).total_seconds() / 60
    return sorted((NoShowRow(m, n, s, int(c), round(mins, 2))
                   for (m, n, s), (c, mins) in grouped.items()),
                  key=lambda r: (r.member_name.lower(), r.space_id))

