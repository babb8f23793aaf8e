"""The JSON shapes and lookups several API areas share: a space, a booking (with what the
caller may see of it), an object by number, a period from the query string."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect

from .. import clock
from ..domain import bookings as rules
from ..domain import equipment, ledger
from ..domain.rows import by_id
from ..extensions import db
from ..models import Booking, Expense, Member, Space
from ..timezones import current_tz
from .auth import current_member
from .inputs import MAX_ID, format_instant
from .problems import ApiProblem

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DESK_SETTINGS = ("checkin_required", "checkin_opens_minutes", "checkin_grace_minutes",
                 "checkin_release", "no_show_cost", "no_show_fee_cents", "waitlist_offer_minutes")


def get_object(model, object_id: int):
    """The object with this number, or a 404 problem (numbers beyond the column's range too)."""
    obj = by_id(db.session(), model, object_id) if object_id <= MAX_ID else None
    if obj is None:
        raise ApiProblem(404)
    return obj


def visible_booking(booking_id: int) -> Booking:
    """The booking, when it is the caller's, one they take part in, or the caller is a
    co-manager (as the pages); else a 404, or a 403 when it exists."""
    try:
        booking = (rules.booking_for(db.session, booking_id, current_member())
                   if booking_id <= MAX_ID else None)
    except rules.NotAllowed:
        raise ApiProblem(403) from None
    if booking is None:
        raise ApiProblem(404)
    return booking


def hours(minutes: float) -> float:
    return round(minutes / 60, 2)


def period(query: dict, default_days: int, max_days: int) -> tuple[datetime, datetime]:
    """The query's start and end, from now and `default_days` long by default, at most
    `max_days` long so one call stays cheap."""
    start = query.get("start") or clock.now()
    end = query.get("end") or start + timedelta(days=default_days)
    if end <= start:
        raise ApiProblem(422, _l("The end must come after the start. Check the times."))
    if end - start > timedelta(days=max_days):
        raise ApiProblem(422, _l("Ask for at most %(days)d days at a time.", days=max_days))
    return start, end


def space_json(space: Space) -> dict:
    return {
        "id": space.id, "name": space.name, "kind": space.kind,
        "description": space.description, "address": space.address,
        "capacity": space.capacity, "hourly_weight": float(space.hourly_weight),
        "hourly_rate_cents": space.hourly_rate_cents, "needs_approval": space.needs_approval,
        "show_titles": space.show_titles, "active": space.active,
        "opening_hours": {day: (space.opening_hours or {}).get(day, []) for day in WEEKDAYS},
        "slot_minutes": space.slot_minutes, "min_minutes": space.min_minutes,
        "max_minutes": space.max_minutes, "horizon_days": space.horizon_days,
        "notice_minutes": space.notice_minutes, "buffer_minutes": space.buffer_minutes,
        "cancel_notice_hours": space.cancel_notice_hours,
        **{key: getattr(space, key) for key in DESK_SETTINGS},
    }


def booking_json(booking: Booking, viewer: Member | None = None, zone: ZoneInfo | None = None,
                 show_titles: bool | None = None, equipment_lines=None) -> dict:
    """A booking as the caller may see it: the title where the space shows titles, the note
    and reasons only to its member and co-managers.

    A listing passes the viewer and zone once, plain rows with their space's `show_titles`,
    and the equipment of all its bookings (read once); alone, the booking's is read here.
    """
    if equipment_lines is None:
        equipment_lines = equipment.equipment_of(db.session, [booking.id]).get(booking.id, [])
    viewer = viewer or current_member()
    zone = zone or ZoneInfo(current_tz())
    private = rules.can_see_booking(booking, viewer)
    titled = private or rules.title_visible_to(booking, viewer, show_titles)
    answer = {
        "id": booking.id, "space_id": booking.space_id, "member_id": booking.member_id,
        "series_id": booking.series_id, "start": format_instant(booking.start_at, zone),
        "end": format_instant(booking.end_at, zone),
        "title": booking.title if titled else None,
        "note": booking.note if private else None, "status": booking.status,
        "sequence": booking.sequence, "late_cancellation": booking.late_cancellation,
        "equipment": [{"item_id": line.item_id, "name": line.name, "quantity": line.quantity}
                      for line in equipment_lines],
        "checked_in_at": format_instant(booking.checked_in_at, zone),
        "no_show": booking.no_show_at is not None,
        "reason": (booking.cancel_reason or booking.decision_reason or None) if private
        else None,
        "updated_at": format_instant(booking.updated_at, zone),
        "overage_minutes": booking.overage_minutes or 0,
        "created_by": booking.created_by_id,
        "for_organisation": booking.organisation_id is not None,
    }
    role = getattr(booking, "role", None)
    if role is not None:
        answer["role"] = role
    if private and isinstance(booking, Booking) and "participants" not in inspect(
            booking).unloaded:
        answer["participant_ids"] = sorted(p.member_id for p in booking.participants)
    return answer


def bookings_json(bookings) -> list[dict]:
    """Several bookings (a series created, changed or cancelled), their equipment read once."""
    held = equipment.equipment_of(db.session, [b.id for b in bookings])
    viewer, zone = current_member(), ZoneInfo(current_tz())
    return [booking_json(b, viewer, zone, equipment_lines=held.get(b.id, [])) for b in bookings]


def slot_json(slot, zone: ZoneInfo) -> dict:
    """A time the caller can book, with its terms (as the Find a slot page shows them)."""
    verdict = slot.verdict
    return {"space_id": slot.space_id, "start": format_instant(slot.start, zone),
            "end": format_instant(slot.end, zone), "needs_approval": verdict.needs_approval,
            "quota_left_minutes": verdict.quota_left_minutes,
            "overage_minutes": verdict.overage_minutes,
            "why": [str(reason) for reason in verdict.why]}


def expense_json(expense: Expense, posted: set[int],
                 participant_ids: list[int] | None = None) -> dict:
    """A cost to share with its portions, as the ledger and governance (a plan's cost) show it.
    `participant_ids`: who shares its equal part, when co-managers chose (None: the default,
    the active members with a plan)."""
    mixed = expense.method == "mixed"
    return {
        "id": expense.id, "label": expense.label, "category": expense.category,
        "amount_cents": expense.amount_cents, "spent_on": expense.spent_on.isoformat(),
        "period_start": expense.period_start.isoformat(),
        "period_end": expense.period_end.isoformat(), "space_id": expense.space_id,
        "spread_months": expense.spread_months,
        "allocation": {"method": expense.method,
                       "fixed_percent": expense.mixed_percent if mixed else None,
                       "fixed_base": expense.mixed_base if mixed else None},
        "participant_ids": participant_ids,
        "portions": [{"portion": index, "period_start": first.isoformat(),
                      "period_end": last.isoformat(), "amount_cents": amount,
                      "posted": index in posted}
                     for index, first, last, amount in ledger.portions(expense)],
    }


def listed_bookings_json(rows, viewer: Member, zone: ZoneInfo) -> list[dict]:
    """booking_json for the plain rows of a listing (`booking_rows_in_period`): what the viewer
    may see is decided once for the list, not per booking (the same rules as
    rules.can_see_booking and rules.title_visible_to; tests compare the two shapes). The
    equipment of all the listed bookings is read in one query."""
    viewer_id, sees_all = viewer.id, viewer.is_comanager
    held = equipment.equipment_of(db.session, [row[0] for row in rows])
    listed = []
    # By position (rules.LISTED_COLUMNS, show_titles, role): a row's attributes by name cost
    # a third of this loop's time.
    for (booking_id, space_id, member_id, series_id, start_at, end_at, title, note, status,
         sequence, late_cancellation, cancel_reason, decision_reason, updated_at,
         checked_in_at, no_show_at, overage_minutes, created_by_id, organisation_id,
         show_titles, *role) in rows:
        role = role[0] if role else None
        private = sees_all or member_id == viewer_id or role == "participant"
        answer = {
            "id": booking_id, "space_id": space_id, "member_id": member_id,
            "series_id": series_id,
            "start": start_at.astimezone(zone).isoformat(timespec="seconds"),
            "end": end_at.astimezone(zone).isoformat(timespec="seconds"),
            "title": title if private or show_titles else None,
            "note": note if private else None, "status": status,
            "sequence": sequence, "late_cancellation": late_cancellation,
            "equipment": [{"item_id": line.item_id, "name": line.name,
                           "quantity": line.quantity} for line in held.get(booking_id, [])],
            "checked_in_at": format_instant(checked_in_at, zone),
            "no_show": no_show_at is not None,
            "reason": (cancel_reason or decision_reason or None) if private else None,
            "updated_at": updated_at.astimezone(zone).isoformat(timespec="seconds"),
            "overage_minutes": overage_minutes or 0, "created_by": created_by_id,
            "for_organisation": organisation_id is not None,
        }
        if role is not None:
            answer["role"] = role
        listed.append(answer)
    return listed
