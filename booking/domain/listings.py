"""What the JSON API lists, with the filters that decide who sees what: the spaces a member
may book, the bookings of a period, the entries an allocation posted. One query each, with
what the answer shows loaded eagerly, so a long list costs no more queries than a short one."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ..models import ACTIVE_STATUSES, Booking, LedgerEntry, Member, Space


def spaces_visible_to(session: Session, viewer: Member) -> list[Space]:
    """Members see the spaces in use; co-managers also the archived ones. By kind, then name."""
    query = select(Space).order_by(Space.kind, Space.name)
    if not viewer.is_comanager:
        query = query.where(Space.active.is_(True))
    return list(session.execute(query).scalars())


def bookings_in_period(session: Session, *, start: datetime, end: datetime,
                       member_id: int | None = None, space_id: int | None = None,
                       limit: int) -> list[Booking]:
    """Bookings overlapping [start, end), with their space, in time order, at most `limit`.

    With `member_id`: that member's bookings in any status (their own history, cancellations
    included). Without: every member's active bookings, what the calendar shows."""
    query = select(Booking).options(joinedload(Booking.space)).where(
        Booking.start_at < end, Booking.end_at > start)
    if member_id is not None:
        query = query.where(Booking.member_id == member_id)
    else:
        query = query.where(Booking.status.in_(ACTIVE_STATUSES))
    if space_id is not None:
        query = query.where(Booking.space_id == space_id)
    return list(session.execute(query.order_by(Booking.start_at, Booking.id)
                                .limit(limit)).scalars())


def allocation_entries(session: Session, allocation_id: int) -> list[LedgerEntry]:
    """The ledger entries one posted allocation wrote, in the order they were written."""
    return list(session.execute(select(LedgerEntry).where(
        LedgerEntry.allocation_id == allocation_id).order_by(LedgerEntry.id)).scalars())

