"""Booking a space: creating, seeing, changing, cancelling, approving and rejecting bookings,
and the lists people read (their own bookings, the approvals queue). Functions flush; the
caller commits once per user action.

Whether a time is free lives in `availability`, series in `series`, closures in `closures`;
the names the HTML views, the API and the CLI call are importable from here too.
"""
from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, case, func, inspect, literal, or_, select
from sqlalchemy.orm import Session, joinedload, make_transient_to_detached, selectinload

from ..models import (
    ACTIVE_STATUSES,
    Booking,
    BookingParticipant,
    Closure,
    Member,
    RefusedBooking,
    Space,
)
from ..models.bookings import LONGEST_BLOCK
from . import equipment, quotas, schedule, waitlist
from .accounts import record_audit
from .availability import (
    BookableSlot,
    BookingConflict,
    ClosureConflict,
    active_bookings_between,
    bookable_slots,
    check_free,
    check_rules,
    flush_or_conflict,
    insert_or_conflict,
    lock_space_for_booking,
    rules_for,
    schedule_message,
    search_window,
)
from .closures import bookings_hit_by, closures_between, create_closure
from .errors import BookingRefused, DomainError
from .governance import charter_gate
from .notifications import events as notices
from .rows import plain_rows
from .series import Occurrence, create_series, preview_series
from .spaces import active_spaces
from .wording import describe_slots

# Public names, with those defined beside this module that the API and the demo data reach here.
__all__ = [
    "BookingConflict", "BookingRefused", "ClosureConflict", "NotAllowed", "Occurrence",
    "active_bookings_between", "approve_booking", "awaiting_approval", "awaiting_approval_count",
    "booking_for", "bookings_hit_by", "can_change", "can_see_booking", "cancel_booking",
    "cancel_for_closure", "change_participants", "closures_between", "create_booking",
    "create_closure", "create_series",
    "is_late_cancellation", "past_bookings_query", "preview_series", "record_refusal",
    "reject_booking", "rules_for", "schedule_message", "title_visible_to", "upcoming_bookings",
    "update_booking",
]


MAX_PARTICIPANTS = 50


class NotAllowed(DomainError):
    """The person may not do this to this booking."""


class NotYours(NotAllowed):
    """Someone else's booking: its participants and other members only read it."""


# --- creating --------------------------------------------------------------------------------

def check_booker(member: Member, booked_by: Member | None, for_organisation: bool) -> Member:
    """Who makes the booking: the member, or a co-manager on their behalf. Returns the booker."""
    booked_by = booked_by or member
    if booked_by.id != member.id and not booked_by.is_comanager:
        raise NotAllowed(_l("Only co-managers book on behalf of another member."))
    if for_organisation and member.organisation_id is None:
        raise DomainError(_l("This member belongs to no organisation: book for the member, "
                             "or join an organisation first."))
    return booked_by


def participants_named(session: Session, member_ids: Sequence[int], booker: Member
                       ) -> list[Member]:
    """The active members named as participants (the booker left out), or DomainError."""
    wanted = sorted({i for i in member_ids if i != booker.id})
    if len(wanted) > MAX_PARTICIPANTS:
        raise DomainError(_l("Name at most %(n)d participants.", n=MAX_PARTICIPANTS))
    if not wanted:
        return []
    found = list(session.execute(select(Member).where(
        Member.id.in_(wanted), Member.active.is_(True)).order_by(Member.name)).scalars())
    if len(found) != len(wanted):
        raise DomainError(_l("A participant named is not an active member. Choose "
                             "participants from the list of members."))
    return found


def create_booking(session: Session, *, space: Space, member: Member, start: datetime,
                   end: datetime, title: str, note: str = "", now: datetime, tz: str,
                   booked_by: Member | None = None,
                   participants: Sequence[Member] = (),
                   for_organisation: bool = False,
                   equipment_wanted: Sequence[equipment.EquipmentRequest] = ()) -> Booking:
    """Book [start, end) for the member, or raise BookingRefused saying why and what to do.

    `booked_by`: a co-manager booking on the member's behalf (quota and costs stay the
    member's). `participants` see the booking; `for_organisation` makes it the member's
    organisation's (all its members take part, its pool is counted). `equipment_wanted` is
    reserved with it (refused whole if short)."""
    booker = check_booker(member, booked_by, for_organisation)
    charter_gate(session, member)
    rules = rules_for(space, tz)
    check_rules(space, rules, start, end, now)
    lock_space_for_booking(session, space.id)

    def budget():
        return quotas.quota_budget(session, member, *search_window((start, end)), tz,
                                   for_organisation=for_organisation)

    check_free(session, space, rules, start, end, now, budget=budget, member_id=member.id)
    decision = quotas.check_quotas(session, member, space, [(start, end)], tz,
                                   for_organisation=for_organisation)
    values = {
        **_NEW_BOOKING, "space_id": space.id, "member_id": member.id, "start_at": start,
        "end_at": end, "blocked_until": end + timedelta(minutes=space.buffer_minutes),
        "status": "pending" if space.needs_approval or decision.pending[0] else "confirmed",
        "overage_minutes": decision.overage_minutes[0],
        "title": title.strip(), "note": (note or "").strip(),
        "created_at": now, "updated_at": now, "created_by_id": booker.id,
        "organisation_id": member.organisation_id if for_organisation else None,
    }
    booking_id = insert_or_conflict(session, values, space, rules, now, budget=budget)
    # The row is written: the object joins the session as if loaded from it, every column
    # known (nothing to read back); its participants are new rows the commit inserts.
    booking = Booking(id=booking_id, space=space, member=member, series=None, **values,
                      participants=[BookingParticipant(booking_id=booking_id, member_id=p.id)
                                    for p in participants])
    make_transient_to_detached(booking)
    session.add(booking)  # and, by cascade, its participants as new rows
    equipment.reserve_equipment(session, booking, equipment_wanted)
    notices.booking_created(session, booking, booker, participants)
    return booking


# Every column of a new booking that create_booking does not set: the model's defaults.
_NEW_BOOKING = {column.key: column.default.arg if column.default is not None else None
                for column in Booking.__table__.c
                if column.key != "id" and (column.default is None or column.default.is_scalar)}


def record_refusal(session: Session, *, member_id: int | None, space_id: int, start: datetime,
                   end: datetime, reason: str, now: datetime) -> None:
    """Keep a refused attempt for the unmet-demand report (conflicts, closures, quotas)."""
    if reason in ("conflict", "closure", "quota"):
        session.add(RefusedBooking(member_id=member_id, space_id=space_id, start_at=start,
                                   end_at=end, reason=reason, at=now))


# --- changing --------------------------------------------------------------------------------

def can_see_booking(booking: Booking, viewer: Member,
                    taking_part: Collection[int] = ()) -> bool:
    """A booking's page, note, reasons and calendar file belong to its member, its
    participants and co-managers. `taking_part`: ids of the bookings a listing found the
    viewer takes part in (so a listing does not read each booking's participants)."""
    return (booking.member_id == viewer.id or viewer.is_comanager
            or booking.id in taking_part or takes_part(booking, viewer))


def takes_part(booking: Booking, viewer: Member) -> bool:
    """Named as a participant, or a member of the organisation it was booked for. Plain rows
    carry their `role`; a booking object answers from its participants when loaded."""
    role = getattr(booking, "role", None)
    if role is not None:
        return role == "participant"
    if not isinstance(booking, Booking):
        return False
    if booking.organisation_id is not None and booking.organisation_id == viewer.organisation_id:
        return True
    if "participants" in inspect(booking).unloaded:
        return False  # a listing passes `taking_part` rather than reading each booking's
    return any(p.member_id == viewer.id for p in booking.participants)


def taking_part_ids(session: Session, viewer: Member, start: datetime, end: datetime
                    ) -> set[int]:
    """Ids of the bookings meeting [start, end) the viewer takes part in without being their
    member: one query, for a calendar to show them as the viewer's."""
    return set(session.execute(select(Booking.id).where(
        mine_condition(viewer.id, viewer.organisation_id), Booking.member_id != viewer.id,
        *Booking.meeting(start, end))).scalars())


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
        select(Booking).options(joinedload(Booking.space), joinedload(Booking.member),
                                selectinload(Booking.participants)
                                .joinedload(BookingParticipant.member))
        .where(Booking.id == booking_id)).scalar_one_or_none()
    if booking is not None and not can_see_booking(booking, viewer):
        raise NotAllowed(_l("This booking is someone else's."))
    return booking


def can_change(booking: Booking, actor: Member, now: datetime) -> bool:
    """Members change their own bookings that have not ended (those they booked for their
    organisation too); co-managers any that has not. Participants only read them."""
    if not booking.is_active or booking.end_at <= now:
        return False
    return booking.member_id == actor.id or actor.is_comanager


def ensure_can_change(booking: Booking, actor: Member, now: datetime, refusal) -> None:
    """Raises NotYours for someone else's booking (a participant's included), else NotAllowed
    with `refusal` when it is over or cancelled: not the same answer (403, 409)."""
    if booking.member_id != actor.id and not actor.is_comanager:
        raise NotYours(_l("Only the member who booked it, or a co-manager, can change this "
                          "booking."))
    if not can_change(booking, actor, now):
        raise NotAllowed(refusal)


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
    ensure_can_change(booking, actor, now, _l(
        "This booking can no longer be cancelled by you: it is over, already cancelled, or "
        "someone else's."))
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
    ensure_can_change(booking, actor, now, _l(
        "This booking can no longer be changed by you: it is over, cancelled, or someone "
        "else's."))
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
    for_organisation = booking.organisation_id is not None
    decision = quotas.QuotaDecision([False] * len(targets), [t.overage_minutes for t in targets])
    if moved:
        decision = quotas.check_quotas(session, booking.member, space, new_times, tz, target_ids,
                                       for_organisation=for_organisation)

    def budget():
        return quotas.quota_budget(session, booking.member, *search_window((start, end)), tz,
                                   for_organisation=for_organisation, exclude_ids=target_ids)

    for position, target in enumerate(targets):
        new_start, new_end = new_times[position]
        if moved:
            try:
                check_rules(space, rules, new_start, new_end, now)
                check_free(session, space, rules, new_start, new_end, now, target_ids,
                           budget=budget)
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


def change_participants(session: Session, booking: Booking, member_ids: Sequence[int], *,
                        actor: Member, now: datetime) -> list[Member]:
    """Name these members as the booking's participants instead of those named before (a band
    with a new drummer), for this booking only (a date of a series keeps the others'). The
    same rules as naming them when booking: active members, at most MAX_PARTICIPANTS, the
    booker left out. Those added hear they take part, those removed that they no longer do.
    Returns the participants now named."""
    ensure_can_change(booking, actor, now, _l(
        "This booking can no longer be changed by you: it is over, cancelled, or someone "
        "else's."))
    wanted = participants_named(session, member_ids, booking.member)
    named = {p.member_id: p for p in booking.participants}
    wanted_ids = {m.id for m in wanted}
    if wanted_ids == set(named):
        return wanted
    removed = [p.member for p in booking.participants if p.member_id not in wanted_ids]
    added = [m for m in wanted if m.id not in named]
    booking.participants = [
        *(p for p in booking.participants if p.member_id in wanted_ids),
        *(BookingParticipant(booking_id=booking.id, member_id=m.id, member=m) for m in added)]
    _bump(booking, now)  # the feeds of those added and removed must show the change
    session.flush()
    changes = [f"{what} {', '.join(str(m.id) for m in people)}"
               for what, people in (("added", added), ("removed", removed)) if people]
    record_audit(session, actor, "booking.participants", "booking", booking.id,
                 "; ".join(changes))
    notices.participants_changed(session, booking, actor, added, removed)
    return wanted


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
    if not message.strip():
        raise DomainError(_l("Write a short message to the members."))
    hit = [b for b in bookings_hit_by(session, closure.space_id, closure.start_at,
                                      closure.end_at) if b.end_at > now]
    for booking in hit:
        cancel_booking(session, booking, actor=actor, reason=message, now=now,
                       by_closure=True)
        notices.bookings_cancelled(session, [booking], actor, message, closure=closure)
    return hit


# --- finding a time ----------------------------------------------------------------------------

def find_slots(session: Session, member: Member, *, start: datetime, end: datetime,
               duration_minutes: int, now: datetime, tz: str, kind: str | None = None,
               space_id: int | None = None, time_of_day: tuple[time, time] | None = None,
               for_organisation: bool = False) -> list[tuple[Space, list[BookableSlot], object]]:
    """The times the member can book in the active spaces (of a kind, or one space): the
    Find a slot page and `GET /api/v1/availability` both answer from here."""
    spaces = [s for s in active_spaces(session, kind) if space_id is None or s.id == space_id]
    start = max(start, now)
    if not spaces or end <= start:
        return [(s, [], None) for s in spaces]
    budget = quotas.quota_budget(session, member, start, end, tz,
                                 for_organisation=for_organisation)
    return bookable_slots(session, spaces, start, end, duration_minutes, now, tz, budget,
                          time_of_day)


# --- lists -----------------------------------------------------------------------------------

def mine_condition(member_id: int, organisation_id: int | None = None):
    """The bookings one has: made for them, naming them, or for their organisation."""
    conditions = [Booking.member_id == member_id,
                  Booking.id.in_(select(BookingParticipant.booking_id).where(
                      BookingParticipant.member_id == member_id))]
    if organisation_id is not None:
        conditions.append(Booking.organisation_id == organisation_id)
    return or_(*conditions)


def role_column(member_id: int):
    """"booker" for one's own bookings, "participant" for those one takes part in."""
    return case((Booking.member_id == member_id, literal("booker")),
                else_=literal("participant")).label("role")


def upcoming_bookings(session: Session, member_id: int, now: datetime, *,
                      active_only: bool = False, limit: int = 200,
                      organisation_id: int | None = None) -> list[Booking]:
    """The member's bookings (and those they take part in) not over yet, soonest first, with
    their space and member.

    "My bookings" shows cancelled and rejected ones too; the home page only active ones."""
    query = select(Booking).options(joinedload(Booking.space), joinedload(Booking.member)).where(
        mine_condition(member_id, organisation_id), Booking.end_at > now)
    if active_only:
        query = query.where(Booking.status.in_(ACTIVE_STATUSES))
    return list(session.execute(query.order_by(Booking.start_at).limit(limit)).scalars())


def past_bookings_query(member_id: int, now: datetime,
                        organisation_id: int | None = None) -> Select:
    """The member's bookings that are over, latest first (a query, so the page can paginate)."""
    return (select(Booking).options(joinedload(Booking.space), joinedload(Booking.member))
            .where(mine_condition(member_id, organisation_id), Booking.end_at <= now)
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
                       limit: int, organisation_id: int | None = None) -> list[Booking]:
    """Bookings overlapping [start, end), with their space, in time order, at most `limit`.

    With `member_id`: that member's bookings in any status (their own history, cancellations
    included). Without: every member's active bookings, what the calendar shows."""
    query = _in_period(select(Booking).options(joinedload(Booking.space)), start, end,
                       member_id, space_id, organisation_id)
    return list(session.execute(query.limit(limit)).scalars())


# In this order, then the space's `show_titles` and, for one member's list, their `role`
# (api.json.listed_bookings_json unpacks them by position).
LISTED_COLUMNS = (Booking.id, Booking.space_id, Booking.member_id, Booking.series_id,
                  Booking.start_at, Booking.end_at, Booking.title, Booking.note, Booking.status,
                  Booking.sequence, Booking.late_cancellation, Booking.cancel_reason,
                  Booking.decision_reason, Booking.updated_at, Booking.checked_in_at,
                  Booking.no_show_at, Booking.overage_minutes, Booking.created_by_id,
                  Booking.organisation_id)


def booking_rows_in_period(session: Session, *, start: datetime, end: datetime,
                           member_id: int | None = None, space_id: int | None = None,
                           limit: int, organisation_id: int | None = None) -> list:
    """The same bookings as plain rows of the columns a listing shows, and the space's
    `show_titles`: hundreds are serialised without building an object per booking. With
    `member_id`, the bookings one takes part in too, each with the member's `role`."""
    params = {"start": start, "end": end, "member_id": member_id, "space_id": space_id,
              "organisation_id": organisation_id, "earliest": start - LONGEST_BLOCK}
    statement = _listing_statement(member_id is not None, organisation_id is not None,
                                   space_id is not None, limit)
    return plain_rows(session, statement, params).all()  # one fetch, not one per row


_LISTINGS: dict[tuple[bool, bool, bool, int], Select] = {}


def _listing_statement(one_member: bool, with_organisation: bool, one_space: bool,
                       limit: int) -> Select:
    """Built once per shape, with bound parameters: building a select costs about as much as
    running this one on a day of bookings."""
    key = (one_member, with_organisation, one_space, limit)
    if key not in _LISTINGS:
        columns = [*LISTED_COLUMNS, Space.show_titles]
        if one_member:
            columns.append(role_column(bindparam("member_id")))
        query = select(*columns).join(Space, Space.id == Booking.space_id)
        _LISTINGS[key] = _in_period(
            query, bindparam("start"), bindparam("end"),
            bindparam("member_id") if one_member else None,
            bindparam("space_id") if one_space else None,
            bindparam("organisation_id") if with_organisation else None,
            earliest=bindparam("earliest")).limit(limit)
    return _LISTINGS[key]


def _in_period(query, start: datetime, end: datetime, member_id: int | None,
               space_id: int | None, organisation_id: int | None = None, earliest=None):
    query = query.where(*Booking.meeting(start, end, earliest=earliest))
    if member_id is not None:
        query = query.where(mine_condition(member_id, organisation_id))
    else:
        query = query.where(Booking.status.in_(ACTIVE_STATUSES))
    if space_id is not None:
        query = query.where(Booking.space_id == space_id)
    return query.order_by(Booking.start_at, Booking.id)
