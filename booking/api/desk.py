"""The waiting list and the equipment list, with the same rules as the pages."""
from __future__ import annotations

from flask import jsonify

from .. import clock
from ..domain import equipment, waitlist
from ..extensions import db
from ..models import Space, WaitlistEntry
from ..timezones import current_tz
from .actions import api_action
from .auth import current_member
from .blueprint import bp
from .inputs import MAX_ID, format_instant, parse_instant
from .json import booking_json, get_object, visible_booking
from .openapi import array_of, endpoint, ref
from .problems import ApiProblem


def entry_json(entry: WaitlistEntry, position: int | None) -> dict:
    return {"id": entry.id, "space_id": entry.space_id, "member_id": entry.member_id,
            "start": format_instant(entry.start_at),
            "end": format_instant(entry.end_at), "auto_book": entry.auto_book,
            "status": entry.status, "position": position,
            "offer_expires_at": format_instant(entry.offer_expires_at),
            "booking_id": entry.booking_id}


def _own_entry(entry_id: int) -> WaitlistEntry:
    try:
        entry = (waitlist.entry_for(db.session, entry_id, current_member())
                 if entry_id <= MAX_ID else None)
    except waitlist.WaitlistNotAllowed:
        raise ApiProblem(403) from None
    if entry is None:
        raise ApiProblem(404)
    return entry


@endpoint(bp, "/waitlist", "POST", summary="Wait for a taken time", tag="waitlist",
          status=201, body=ref("WaitlistCreate"), response=ref("WaitlistEntry"), errors=(404,),
          description="Only for a time that is taken (a free one answers 422: book it). When "
                      "it frees up, the first in line is offered it for the space's offer time "
                      "(2 h by default) or, with auto_book, booked directly if every rule "
                      "passes.")
def join_waitlist(body):
    space = get_object(Space, body["space_id"])
    start, end = parse_instant(body["start"], "start"), parse_instant(body["end"], "end")
    with api_action():
        entry = waitlist.join_waitlist(db.session, space=space, member=current_member(),
                                       start=start, end=end,
                                       auto_book=body.get("auto_book", False),
                                       now=clock.now(), tz=current_tz())
        answer = entry_json(entry, waitlist.positions(db.session, [entry]).get(entry.id))
    return jsonify(answer), 201


@endpoint(bp, "/waitlist", "GET", summary="Every open waiting list (co-managers)",
          tag="waitlist", response=array_of("WaitlistEntry"), comanager=True,
          description="Entries waiting or offered and not over yet, of every member, by space "
                      "(name), then start, then order of joining, with the place in each line. "
                      "Take one off with POST /waitlist/{id}/remove (a reason the member "
                      "is told).")
def all_waitlists():
    entries = waitlist.open_entries(db.session, clock.now())
    places = waitlist.positions(db.session, entries)
    return jsonify([entry_json(e, places.get(e.id)) for e in entries])


@endpoint(bp, "/me/waitlist", "GET", summary="The caller's waiting list", tag="waitlist",
          response=array_of("WaitlistEntry"),
          description="Entries not over yet, soonest first, with the place in each line.")
def my_waitlist():
    entries = waitlist.waitlist_of(db.session, current_member().id, clock.now())
    places = waitlist.positions(db.session, entries)
    return jsonify([entry_json(e, places.get(e.id)) for e in entries])


@endpoint(bp, "/waitlist/<int:entry_id>", "DELETE", summary="Leave a waiting list",
          tag="waitlist", status=204, errors=(403, 409),
          description="The caller's own entry (co-managers: any). An offer declined this way "
                      "passes to the next in line.")
def leave_waitlist(entry_id):
    entry = _own_entry(entry_id)
    with api_action():
        waitlist.leave_waitlist(db.session, entry, actor=current_member(), now=clock.now())
    return "", 204


@endpoint(bp, "/waitlist/<int:entry_id>/remove", "POST",
          summary="Take someone off a waiting list (co-managers)", tag="waitlist",
          body=ref("WaitlistRemove"), response=ref("WaitlistEntry"), comanager=True,
          errors=(404, 409),
          description="The member is told, with the reason. An offer held for them passes to "
                      "the next in line.")
def remove_waitlist_entry(entry_id, body):
    entry = _own_entry(entry_id)
    with api_action():
        waitlist.remove_entry(db.session, entry, actor=current_member(), reason=body["reason"],
                              now=clock.now())
        answer = entry_json(entry, None)
    return jsonify(answer)


@endpoint(bp, "/waitlist/<int:entry_id>/accept", "POST", summary="Book an offered time",
          tag="waitlist", status=201, body=ref("WaitlistAccept"), response=ref("Booking"),
          errors=(403, 409),
          description="While the offer is valid; the same rules as any booking apply.")
def accept_waitlist_offer(entry_id, body):
    entry = _own_entry(entry_id)
    with api_action():
        booking = waitlist.accept_offer(db.session, entry, member=current_member(),
                                        title=body["title"], now=clock.now(), tz=current_tz())
        answer = booking_json(booking, equipment_lines=[])
    return jsonify(answer), 201


@endpoint(bp, "/bookings/<int:booking_id>/equipment", "PUT",
          summary="Change the equipment of a booking", tag="equipment",
          body=ref("EquipmentChange"), response=ref("Booking"), errors=(403, 409),
          description="Replaces what the booking holds (an empty list gives everything back). "
                      "Its member or a co-manager, until it ends. Added units must be free for "
                      "the whole booking (422 equipment-unavailable otherwise); dates of a "
                      "series hold no equipment (422).")
def change_booking_equipment(booking_id, body):
    booking = visible_booking(booking_id)
    wanted = [equipment.EquipmentRequest(line["item_id"], line["quantity"])
              for line in body["equipment"]]
    with api_action():
        lines = equipment.change_equipment(db.session, booking, wanted,
                                           actor=current_member(), now=clock.now())
        answer = booking_json(booking, equipment_lines=lines)
    return jsonify(answer)


@endpoint(bp, "/equipment", "GET", summary="Equipment to reserve with a space",
          tag="equipment", response=array_of("EquipmentItem"),
          description="Items lent now, with their quantity and the spaces they may be used in.")
def list_equipment():
    return jsonify([{"id": i.id, "name": i.name, "description": i.description,
                     "quantity": i.quantity, "hourly_weight": i.hourly_weight_pct / 100,
                     "space_ids": [s.id for s in i.spaces], "active": i.active}
                    for i in equipment.all_items(db.session, active_only=True)])
