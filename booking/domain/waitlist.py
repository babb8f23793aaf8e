"""The waiting list of taken slots: members queue for a time; when it frees (a cancellation,
a rejection, a closure lifted, a no-show released), the first in line whose time is now free
is booked directly (when they asked for it and every rule passes) or offered the slot, held
for them a while (the space's `waitlist_offer_minutes`). Expired offers pass to the next.

Freeing runs under the space's booking lock, so two handlers of one freed slot are serialized
and cannot book it twice; the booking itself still goes through `create_booking`.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, joinedload

from ..models import WAITLIST_OPEN, Booking, Member, Space, WaitlistEntry
from .accounts import get_settings, record_audit
from .availability import busy_between, check_rules, lock_space_for_booking, rules_for
from .closures import closures_between
from .errors import DomainError
from .notifications import notify

MAX_OPEN_ENTRIES = 20


class WaitlistNotAllowed(DomainError):
    """The entry is someone else's, or no longer in a state allowing this."""


def _overlapping(space_id: int, start: datetime, end: datetime) -> list:
    return [WaitlistEntry.space_id == space_id, WaitlistEntry.start_at < end,
            WaitlistEntry.end_at > start]


def _held_by_others(session: Session, space_id: int, member_id: int, start: datetime,
                    end: datetime, now: datetime) -> bool:
    return session.execute(select(WaitlistEntry.id).where(
        *_overlapping(space_id, start, end), WaitlistEntry.status == "offered",
        WaitlistEntry.offer_expires_at > now, WaitlistEntry.member_id != member_id)
    ).first() is not None


def is_taken(session: Session, space: Space, member_id: int, start: datetime, end: datetime,
             now: datetime) -> bool:
    """Whether something stops the member booking [start, end) now: a booking in the way
    (buffer included), a closure, or an offer made to someone else."""
    blocked_until = end + timedelta(minutes=space.buffer_minutes)
    return bool(busy_between(session, space.id, start - timedelta(minutes=space.buffer_minutes),
                             blocked_until)
                or closures_between(session, space.id, start, end)
                or _held_by_others(session, space.id, member_id, start, end, now))


# --- joining and leaving ---------------------------------------------------------------------

def join_waitlist(session: Session, *, space: Space, member: Member, start: datetime,
                  end: datetime, auto_book: bool, now: datetime, tz: str) -> WaitlistEntry:
    """Queue the member for a taken time; a free time is to be booked, not waited for."""
    check_rules(space, rules_for(space, tz), start, end, now)
    if not is_taken(session, space, member.id, start, end, now):
        raise DomainError(_l("This time is free: book it directly instead of waiting."))
    mine = session.execute(select(WaitlistEntry.id, WaitlistEntry.space_id,
                                  WaitlistEntry.start_at, WaitlistEntry.end_at).where(
        WaitlistEntry.member_id == member.id, WaitlistEntry.status.in_(WAITLIST_OPEN),
        WaitlistEntry.end_at > now)).all()
    if any(row.space_id == space.id and row.start_at < end and row.end_at > start
           for row in mine):
        raise DomainError(_l("You are already on the waiting list for this time. See your "
                             "place in My waiting list."))
    if len(mine) >= MAX_OPEN_ENTRIES:
        raise DomainError(lazy_ngettext(
            "You wait for %(num)d time already. Leave it first.",
            "You wait for %(num)d times already. Leave one of them first.", MAX_OPEN_ENTRIES))
    entry = WaitlistEntry(space_id=space.id, member_id=member.id, start_at=start, end_at=end,
                          auto_book=auto_book, status="waiting", created_at=now,
                          updated_at=now)
    session.add(entry)
    session.flush()
    return entry


def entry_for(session: Session, entry_id: int, viewer: Member) -> WaitlistEntry | None:
    """The entry with its space, or None; WaitlistNotAllowed when it is someone else's
    (co-managers may see and remove any)."""
    entry = session.execute(select(WaitlistEntry).options(joinedload(WaitlistEntry.space))
                            .where(WaitlistEntry.id == entry_id)).scalar_one_or_none()
    if entry is not None and entry.member_id != viewer.id and not viewer.is_comanager:
        raise WaitlistNotAllowed(_l("This waiting-list entry is someone else's."))
    return entry


def leave_waitlist(session: Session, entry: WaitlistEntry, *, actor: Member,
                   now: datetime) -> None:
    """Leave the line (kept, marked cancelled); a declined offer passes to the next. A
    co-manager doing this to someone else's entry takes them off it, as remove_entry does but
    with no reason given: the member is still told, and it is audited."""
    if entry.member_id != actor.id:
        if not actor.is_comanager:
            raise WaitlistNotAllowed(_l("This waiting-list entry is someone else's."))
        _take_off(session, entry, actor, "", now)
        return
    if not entry.is_open:
        raise WaitlistNotAllowed(_l("This entry is no longer waiting: nothing to leave."))
    was_offered = entry.status == "offered"
    entry.status, entry.updated_at = "cancelled", now
    session.flush()
    if was_offered:
        range_freed(session, entry.space_id, entry.start_at, entry.end_at, now)


def remove_entry(session: Session, entry: WaitlistEntry, *, actor: Member, reason: str,
                 now: datetime) -> None:
    """A co-manager takes an entry off its line (kept, marked removed) and tells the member
    why; a held offer passes to the next."""
    if not actor.is_comanager:
        raise WaitlistNotAllowed(_l("Only co-managers take someone off a waiting list."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Say why the entry is removed: the member will read it."))
    _take_off(session, entry, actor, reason, now)


def _take_off(session: Session, entry: WaitlistEntry, actor: Member, reason: str,
              now: datetime) -> None:
    """Claimed like an offer, so a removal racing the member's accept or another
    co-manager's removal happens once."""
    was_offered = entry.status == "offered"
    if not entry.is_open or not _claim(session, entry, entry.status, "removed", now):
        raise WaitlistNotAllowed(_l("This entry is no longer waiting: it was served, left or "
                                    "removed meanwhile. Reload the page."))
    record_audit(session, actor, "waitlist.remove", "waitlist_entry", entry.id, reason)
    notify(session, entry.member, "waitlist_removed", link="/waitlist",
           space=entry.space.name, start=entry.start_at.isoformat(),
           end=entry.end_at.isoformat(), reason=reason, by=actor.name)
    if was_offered:
        range_freed(session, entry.space_id, entry.start_at, entry.end_at, now)


# --- where one stands ------------------------------------------------------------------------

def positions(session: Session, entries: Sequence[WaitlistEntry]) -> dict[int, int]:
    """Each open entry's place in its line (1 = next): open entries of the same space whose
    time overlaps it and that joined earlier, one query for all the entries."""
    open_entries = [e for e in entries if e.is_open]
    if not open_entries:
        return {}
    earlier = WaitlistEntry.__table__.alias("earlier")
    rows = session.execute(
        select(WaitlistEntry.id, func.count(earlier.c.id))
        .join(earlier, (earlier.c.space_id == WaitlistEntry.space_id)
              & (earlier.c.start_at < WaitlistEntry.end_at)
              & (earlier.c.end_at > WaitlistEntry.start_at)
              & (earlier.c.id <= WaitlistEntry.id)
              & earlier.c.status.in_(WAITLIST_OPEN))
        .where(WaitlistEntry.id.in_([e.id for e in open_entries]))
        .group_by(WaitlistEntry.id)).all()
    return {entry_id: int(count) for entry_id, count in rows}


def waitlist_of(session: Session, member_id: int, now: datetime) -> list[WaitlistEntry]:
    """The member's entries not over yet, soonest first, with their space."""
    return list(session.execute(
        select(WaitlistEntry).options(joinedload(WaitlistEntry.space))
        .where(WaitlistEntry.member_id == member_id, WaitlistEntry.end_at > now)
        .order_by(WaitlistEntry.start_at, WaitlistEntry.id)).scalars())


def open_entries(session: Session, now: datetime) -> list[WaitlistEntry]:
    """Every line still open (waiting, or offered), for the co-managers: by space, then time,
    then order of joining; with the space and the member, one query."""
    return list(session.execute(
        select(WaitlistEntry)
        .options(joinedload(WaitlistEntry.space), joinedload(WaitlistEntry.member))
        .join(Space, Space.id == WaitlistEntry.space_id)
        .where(WaitlistEntry.status.in_(WAITLIST_OPEN), WaitlistEntry.end_at > now)
        .order_by(Space.name, Space.id, WaitlistEntry.start_at, WaitlistEntry.id)).scalars())


# --- when a slot frees -----------------------------------------------------------------------

def slots_freed(session: Session, bookings: Iterable[Booking], now: datetime) -> None:
    """Bookings stopped holding their time (cancelled, rejected, no-show released). One query
    over the span of them all, however many dates a series had."""
    freed = [(b.space_id, max(b.start_at, now), b.blocked_until) for b in bookings
             if b.end_at > now]
    for space_id in sorted({space_id for space_id, _s, _e in freed}):
        spans = [(s, e) for sid, s, e in freed if sid == space_id]
        range_freed(session, space_id, min(s for s, _e in spans), max(e for _s, e in spans),
                    now)


def range_freed(session: Session, space_id: int | None, start: datetime, end: datetime,
                now: datetime) -> list[WaitlistEntry]:
    """Offer (or book) the freed time to the first in line whose time is now free, for the
    space or, with `space_id` None (a closure of every space lifted), for every space.
    Returns the entries served."""
    query = select(WaitlistEntry.space_id).where(
        WaitlistEntry.status == "waiting", WaitlistEntry.start_at < end,
        WaitlistEntry.end_at > start, WaitlistEntry.start_at > now).distinct()
    if space_id is not None:
        query = query.where(WaitlistEntry.space_id == space_id)
    served: list[WaitlistEntry] = []
    for sid in sorted(session.execute(query).scalars()):
        served += _serve_space(session, sid, start, end, now)
    return served


def _serve_space(session: Session, space_id: int, start: datetime, end: datetime,
                 now: datetime) -> list[WaitlistEntry]:
    lock_space_for_booking(session, space_id)
    space = session.get(Space, space_id)
    entries = session.execute(
        select(WaitlistEntry).options(joinedload(WaitlistEntry.member))
        .where(*_overlapping(space_id, start, end), WaitlistEntry.status == "waiting",
               WaitlistEntry.start_at > now)
        .order_by(WaitlistEntry.id)).scalars().all()
    served = []
    for entry in entries:
        if is_taken(session, space, entry.member_id, entry.start_at, entry.end_at, now):
            continue
        if entry.auto_book and _book_for(session, entry, space, now):
            served.append(entry)
            continue
        if _offer(session, entry, space, now):
            served.append(entry)
    return served


def _claim(session: Session, entry: WaitlistEntry, from_status: str, to_status: str,
           now: datetime, **values) -> bool:
    """Move the entry on only if nobody else did meanwhile (two handlers, two clicks)."""
    done = session.execute(
        update(WaitlistEntry).where(WaitlistEntry.id == entry.id,
                                    WaitlistEntry.status == from_status)
        .values(status=to_status, updated_at=now, **values)
        .execution_options(synchronize_session=False)).rowcount == 1
    if done:
        session.refresh(entry)
    return done


def _book_for(session: Session, entry: WaitlistEntry, space: Space, now: datetime) -> bool:
    """Book the freed time for the member who asked for it, if every rule passes."""
    from . import bookings

    tz = get_settings(session).timezone
    try:
        with session.begin_nested():
            booking = bookings.create_booking(
                session, space=space, member=entry.member, start=entry.start_at,
                end=entry.end_at, title=str(_l("Booked from the waiting list")), now=now, tz=tz)
            if not _claim(session, entry, "waiting", "booked", now, booking_id=booking.id):
                raise WaitlistNotAllowed(_l("Someone else served this entry."))
    except DomainError:
        return False
    notify(session, entry.member, "waitlist_booked", booking=booking)
    return True


def _offer(session: Session, entry: WaitlistEntry, space: Space, now: datetime) -> bool:
    expires = min(now + timedelta(minutes=space.waitlist_offer_minutes), entry.start_at)
    if not _claim(session, entry, "waiting", "offered", now, offered_at=now,
                  offer_expires_at=expires):
        return False
    notify(session, entry.member, "waitlist_offer", link="/waitlist",
           space=space.name, start=entry.start_at.isoformat(), end=entry.end_at.isoformat(),
           expires=expires.isoformat())
    return True


def accept_offer(session: Session, entry: WaitlistEntry, *, member: Member, title: str,
                 now: datetime, tz: str) -> Booking:
    """Book the offered time. Two accepts at once book it once: the entry is claimed first."""
    if entry.member_id != member.id:
        raise WaitlistNotAllowed(_l("This waiting-list entry is someone else's."))
    if entry.status != "offered" or entry.offer_expires_at is None \
            or entry.offer_expires_at <= now:
        raise WaitlistNotAllowed(_l("This offer is no longer valid. Join the waiting list "
                                    "again or choose another time."))
    from . import bookings

    space = session.get(Space, entry.space_id)
    lock_space_for_booking(session, space.id)
    if not _claim(session, entry, "offered", "booked", now):
        raise WaitlistNotAllowed(_l("This offer is no longer valid. Join the waiting list "
                                    "again or choose another time."))
    booking = bookings.create_booking(session, space=space, member=member, start=entry.start_at,
                                      end=entry.end_at, title=title, now=now, tz=tz)
    entry.booking_id = booking.id
    session.flush()
    return booking


def expire_offers(session: Session, now: datetime) -> int:
    """Offers not taken in time pass to the next in line (the scheduled job)."""
    due = session.execute(select(WaitlistEntry).where(
        WaitlistEntry.status == "offered", WaitlistEntry.offer_expires_at <= now)
        .order_by(WaitlistEntry.id)).scalars().all()
    count = 0
    for entry in due:
        if _claim(session, entry, "offered", "expired", now):
            count += 1
            range_freed(session, entry.space_id, entry.start_at, entry.end_at, now)
    return count


__all__ = ["WaitlistNotAllowed", "accept_offer", "entry_for", "expire_offers", "is_taken",
           "join_waitlist", "leave_waitlist", "open_entries", "positions", "range_freed",
           "remove_entry", "slots_freed", "waitlist_of"]
