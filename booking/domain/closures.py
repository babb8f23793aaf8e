"""Closures: periods when one space, or every space, cannot be booked, and the bookings they hit.

Only active bookings (pending or confirmed) count as hit: cancelled and rejected ones hold no
time. Cancelling the hit bookings is `bookings.cancel_for_closure` (it is a cancellation).
Removing a closure keeps its row, cancelled (`Closure.active()` is false), for the feeds:
every query of closures that block or are listed adds `Closure.active()`.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload

from ..models import ACTIVE_STATUSES, Booking, Closure, Member
from .accounts import record_audit
from .errors import DomainError


def closures_between(session: Session, space_id: int | None, start: datetime,
                     end: datetime) -> list[Closure]:
    """Closures of this space (and those of every space) that meet [start, end); all closures
    when space_id is None."""
    query = select(Closure).where(*closure_conditions(space_id, start, end))
    return list(session.execute(query.order_by(Closure.start_at)).scalars())


def closure_conditions(space_id: int | None, start: datetime, end: datetime) -> list:
    """What makes a closure meet [start, end) for this space (None: any space)."""
    conditions = [Closure.active(), Closure.start_at < end, Closure.end_at > start]
    if space_id is not None:
        conditions.append(or_(Closure.space_id == space_id, Closure.space_id.is_(None)))
    return conditions


def upcoming_closures(session: Session, now: datetime) -> list[Closure]:
    """Closures not over yet, with their space, soonest first."""
    return list(session.execute(
        select(Closure).options(joinedload(Closure.space))
        .where(Closure.active(), Closure.end_at > now).order_by(Closure.start_at)).scalars())


def _hits(space_id: int | None, start: datetime, end: datetime) -> list:
    """What makes a booking hit by a closure of `space_id` (None: every space) over [start, end)."""
    conditions = [Booking.status.in_(ACTIVE_STATUSES), *Booking.meeting(start, end)]
    if space_id is not None:
        conditions.append(Booking.space_id == space_id)
    return conditions


def bookings_hit_by(session: Session, space_id: int | None, start: datetime,
                    end: datetime) -> list[Booking]:
    """Active bookings a closure of this space (None: every space) over [start, end) hits."""
    return list(session.execute(
        select(Booking).options(joinedload(Booking.member), joinedload(Booking.space))
        .where(*_hits(space_id, start, end)).order_by(Booking.start_at)).scalars())


def hit_counts(session: Session, closures: list[Closure]) -> dict[int, int]:
    """How many active bookings each closure hits, in one query; closures hitting none are
    left out."""
    ids = [c.id for c in closures]
    if not ids:
        return {}
    space_matches = or_(Closure.space_id.is_(None), Booking.space_id == Closure.space_id)
    return dict(session.execute(
        select(Closure.id, func.count(Booking.id))
        .join(Booking, space_matches & Booking.status.in_(ACTIVE_STATUSES)
              & (Booking.start_at < Closure.end_at) & (Booking.end_at > Closure.start_at))
        .where(Closure.id.in_(ids)).group_by(Closure.id)).all())


def active_closure(session: Session, closure_id: int) -> Closure | None:
    """The closure if it exists and was not removed."""
    return session.execute(select(Closure).where(
        Closure.id == closure_id, Closure.active())).scalar_one_or_none()


def create_closure(session: Session, *, actor: Member, space_id: int | None, start: datetime,
                   end: datetime, reason: str, now: datetime) -> Closure:
    if end <= start:
        raise DomainError(_l("The end must come after the start. Check the times."))
    closure = Closure(space_id=space_id, start_at=start, end_at=end, reason=reason.strip(),
                      created_by_id=actor.id, created_at=now, updated_at=now)
    session.add(closure)
    session.flush()
    return closure


def delete_closure(session: Session, closure: Closure, *, actor: Member,
                   now: datetime) -> None:
    """Remove a closure: the space can be booked again then. Bookings it cancelled stay so,
    and the waiting list of the time it held is served.

    The row stays, cancelled with its sequence bumped, so feeds tell calendar apps to drop
    their copy (STATUS:CANCELLED) before it leaves the feed."""
    if closure.cancelled_at is not None:
        raise DomainError(_l("This closure was already removed. Reload the closures page."))
    record_audit(session, actor, "closure.delete", "closure", closure.id,
                 f"{closure.start_at.isoformat()}–{closure.end_at.isoformat()} {closure.reason}")
    closure.cancelled_at = now
    closure.sequence = (closure.sequence or 0) + 1
    closure.updated_at = now
    session.flush()
    from .waitlist import range_freed  # waitlist reads closures

    range_freed(session, closure.space_id, closure.start_at, closure.end_at, now)
