"""Who is told what when bookings and payments change: called by the domain functions that make
the change, in their transaction, so a change rolled back tells nobody."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select

from ...models import Booking, BookingParticipant, BookingSeries, Closure, Member, Payment
from .outbox import comanagers, notify

APPROVALS_LINK = "/bookings/approvals"
MAX_DATES = 50  # dates of a series carried in one notification (each gets its calendar entry)


def _dates(bookings: Sequence[Booking]) -> list[dict]:
    return [{"booking_id": b.id, "start": b.start_at.isoformat(), "end": b.end_at.isoformat(),
             "sequence": b.sequence, "status": b.status} for b in bookings[:MAX_DATES]]


def _ask_approval(session, bookings: Sequence[Booking]) -> None:
    """Each co-manager (but the one who booked) hears that bookings wait for them."""
    first = bookings[0]
    for person in comanagers(session):
        if person.id != first.member_id:
            notify(session, person, "approval_needed", booking=first, link=APPROVALS_LINK,
                   requester=first.member.name, count=len(bookings))


def taking_part(session, booking: Booking) -> list[Member]:
    """Who takes part in the booking besides its member: those named, and the members of the
    organisation it is for (one query)."""
    conditions = [Member.id.in_(select(BookingParticipant.member_id).where(
        BookingParticipant.booking_id == booking.id))]
    if booking.organisation_id is not None:
        conditions.append(Member.organisation_id == booking.organisation_id)
    return list(session.execute(select(Member).where(
        or_(*conditions), Member.active.is_(True), Member.id != booking.member_id)
        .order_by(Member.id)).scalars())


def booking_created(session, booking: Booking, booker: Member | None = None,
                    participants: Sequence[Member] = ()) -> None:
    """The member hears of it (and who booked it, when on their behalf); participants and
    the organisation's members are told they take part."""
    kind = "booking_pending" if booking.status == "pending" else "booking_confirmed"
    on_behalf = booker is not None and booker.id != booking.member_id
    notify(session, booking.member, kind, booking=booking, dates=_dates([booking]),
           **({"booked_by": booker.name} if on_behalf else {}))
    if participants or booking.organisation_id is not None:
        for person in taking_part(session, booking):
            notify(session, person, "booking_participant", booking=booking,
                   by=booking.member.name, dates=_dates([booking]))
    if booking.status == "pending":
        _ask_approval(session, [booking])


def _tell_participants(session, targets: Sequence[Booking], kind: str, actor: Member,
                       **params) -> None:
    first = targets[0]
    if first.organisation_id is None and not first.participants:
        return
    for person in taking_part(session, first):
        if person.id != actor.id:
            notify(session, person, kind, booking=first, by=actor.name, count=len(targets),
                   dates=_dates(targets), **params)


def series_created(session, series: BookingSeries, created: Sequence[Booking],
                   skipped: Sequence, booker: Member | None = None,
                   participants: Sequence[Member] = ()) -> None:
    """The member hears which dates were skipped (and of the series when a co-manager booked
    it for them); participants that they take part; co-managers, which dates wait for them."""
    first = created[0]
    if booker is not None and booker.id != first.member_id:
        kind = "booking_pending" if first.status == "pending" else "booking_confirmed"
        notify(session, first.member, kind, booking=first, dates=_dates(created),
               booked_by=booker.name)
    if participants or first.organisation_id is not None:
        for person in taking_part(session, first):
            notify(session, person, "booking_participant", booking=first,
                   by=first.member.name, dates=_dates(created))
    if skipped:
        notify(session, first.member, "series_partly_booked", link=f"/bookings/{first.id}",
               space=first.space.name, title=first.title, booked=len(created),
               skipped=[{"start": o.start.isoformat(), "end": o.end.isoformat(),
                         "why": str(o.problem)} for o in skipped[:MAX_DATES]])
    pending = [b for b in created if b.status == "pending"]
    if pending:
        _ask_approval(session, pending)


def booking_decided(session, booking: Booking) -> None:
    """Approved or rejected: the member is told (with the reason when rejected)."""
    if booking.status == "confirmed":
        notify(session, booking.member, "booking_approved", booking=booking,
               dates=_dates([booking]))
    else:
        notify(session, booking.member, "booking_rejected", booking=booking,
               reason=booking.decision_reason)


def bookings_changed(session, targets: Sequence[Booking], actor: Member) -> None:
    """Someone else's change is told to the member; a member's own move that sends dates
    back to approval is told to the co-managers."""
    first = targets[0]
    _tell_participants(session, targets, "booking_changed", actor)
    if actor.id != first.member_id:
        notify(session, first.member, "booking_changed", booking=first, by=actor.name,
               count=len(targets), dates=_dates(targets))
        return
    pending = [b for b in targets if b.status == "pending"]
    if pending:
        _ask_approval(session, pending)


def participants_changed(session, booking: Booking, actor: Member, added: Sequence[Member],
                         removed: Sequence[Member]) -> None:
    """Those added hear they take part, those removed that they no longer do (but the members
    of the organisation it is for, who take part anyway); the member hears of a co-manager's
    change."""
    def told(person: Member) -> bool:
        return person.id != actor.id and not (
            booking.organisation_id is not None
            and person.organisation_id == booking.organisation_id)

    for person in filter(told, added):
        notify(session, person, "booking_participant", booking=booking,
               by=booking.member.name, dates=_dates([booking]))
    for person in filter(told, removed):
        notify(session, person, "booking_participant_removed", booking=booking,
               by=actor.name)
    if actor.id != booking.member_id:
        notify(session, booking.member, "booking_changed", booking=booking, by=actor.name,
               count=1, dates=_dates([booking]))


def bookings_cancelled(session, targets: Sequence[Booking], actor: Member, reason: str,
                       closure: Closure | None = None) -> None:
    """The member hears of a cancellation they did not make (by a co-manager, or a closure)."""
    first = targets[0]
    _tell_participants(session, targets, "booking_cancelled", actor,
                       reason=(reason or "").strip(), closure=closure is not None,
                       closure_reason=closure.reason if closure is not None else "")
    if closure is None and actor.id == first.member_id:
        return
    notify(session, first.member, "booking_cancelled", booking=first, by=actor.name,
           reason=(reason or "").strip(), count=len(targets), dates=_dates(targets),
           closure=closure is not None,
           closure_reason=closure.reason if closure is not None else "")


def payment_counted(session, payment: Payment, member: Member, actor: Member,
                    *, recorded: bool) -> None:
    """A payment a co-manager recorded, or confirmed after the member declared it."""
    if actor.id == member.id:
        return
    notify(session, member, "payment_recorded" if recorded else "payment_confirmed",
           link="/ledger/statement", amount_cents=payment.amount_cents,
           paid_on=payment.paid_on.isoformat(), reference=payment.reference)
