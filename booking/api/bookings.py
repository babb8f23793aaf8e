"""Bookings: listing, booking once or as a series, moving, cancelling, and the co-managers'
approvals. Same rules as the booking pages, through the same domain functions."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import jsonify
from flask_babel import lazy_gettext as _l

from .. import clock
from ..domain import bookings as rules
from ..domain import checkin, equipment
from ..domain.errors import BookingRefused, DomainError
from ..domain.spaces import KIND_LABELS
from ..extensions import db
from ..models import Member, Space
from ..timezones import current_tz
from .actions import api_action, commit_keeping_state, refusal_problem
from .auth import comanager_required, current_member
from .blueprint import bp
from .inputs import interval, parse_date, parse_instant
from .json import (
    booking_json,
    bookings_json,
    get_object,
    listed_bookings_json,
    period,
    slot_json,
    visible_booking,
)
from .openapi import array_of, endpoint, query_param, ref
from .problems import ApiProblem

MAX_LIST_DAYS = 92
MAX_BOOKINGS = 1000
MAX_SEARCH_DAYS = 62
MAX_SLOTS = 1000


def _refused(error: BookingRefused, member_id: int, space_id: int, start: datetime,
             end: datetime) -> ApiProblem:
    """Undo the attempt, keep it in the unmet-demand record (as the HTML form does).

    A refusal found before anything was written (the usual case: the check comes before the
    insert) needs no rollback: the record joins the same transaction, and the caller's member
    stays loaded instead of being read again. Equipment is checked after the booking's insert
    (its rows name the booking), so that refusal undoes the flushed booking."""
    session = db.session()
    if (session.new or session.dirty or session.deleted
            or isinstance(error, equipment.EquipmentUnavailable)):
        session.rollback()
    rules.record_refusal(db.session, member_id=member_id, space_id=space_id,
                         start=start, end=end, reason=error.reason, now=clock.now())
    commit_keeping_state()
    return refusal_problem(error)


@endpoint(bp, "/bookings", "GET", summary="Bookings visible to the caller", tag="bookings",
          response=array_of("Booking"), read_only=True,
          description="Active bookings of every member (titles hidden when the space keeps "
                      "them private), or with mine=true the caller's own in any status and "
                      "those they take part in (named, or booked for their organisation), "
                      "each with `role`. Defaults: from now, 30 days; at most 92 days and 1000 "
                      "bookings.",
          query=[query_param("space_id", {"type": "integer", "minimum": 1}, "One space."),
                 query_param("start", {"type": "string", "format": "date-time"}, "From."),
                 query_param("end", {"type": "string", "format": "date-time"}, "Until."),
                 query_param("mine", {"type": "boolean"}, "Only the caller's bookings.")])
def list_bookings(query):
    start, end = period(query, 30, MAX_LIST_DAYS)
    viewer, zone = current_member(), ZoneInfo(current_tz())
    found = rules.booking_rows_in_period(
        db.session, start=start, end=end, member_id=viewer.id if query["mine"] else None,
        space_id=query["space_id"], limit=MAX_BOOKINGS,
        organisation_id=viewer.organisation_id if query["mine"] else None)
    return jsonify(listed_bookings_json(found, viewer, zone))


def _booked_for(body: dict, caller: Member) -> Member:
    """The member the booking is for: the caller, or (co-managers only) `member_id`."""
    member_id = body.get("member_id")
    if member_id is None or member_id == caller.id:
        return caller
    if not caller.is_comanager:
        raise ApiProblem(403, _l("Only co-managers book on behalf of another member."))
    member = get_object(Member, member_id)
    if not member.active:
        raise ApiProblem(422, _l("This member's account is deactivated: reactivate it "
                                 "before booking for them."))
    return member


@endpoint(bp, "/bookings", "POST", summary="Book a space (once or as a series)",
          tag="bookings", status=201, body=ref("BookingCreate"),
          response={"oneOf": [ref("Booking"), ref("SeriesCreated")]}, errors=(403, 404, 409),
          description="Same rules as the booking form. A conflict answers 409 with the "
                      "bookings in the way (`conflicts`) and what the caller can book instead "
                      "(`suggestions`: the same time on other days, in other spaces of the "
                      "kind, other times of the day). With `recurrence`, the free dates are "
                      "booked and the others listed in `skipped`. Co-managers book for a "
                      "member with `member_id` (403 for members); `participant_ids` name "
                      "members taking part; `for_organisation` books for the member's "
                      "organisation.")
def create_booking(body):
    space = get_object(Space, body["space_id"])
    start, end = parse_instant(body["start"], "start"), parse_instant(body["end"], "end")
    caller, tz, now = current_member(), current_tz(), clock.now()
    member = _booked_for(body, caller)
    member_id, space_id = member.id, space.id
    recurrence = body.get("recurrence")
    party = {"booked_by": caller, "for_organisation": body.get("for_organisation", False)}
    try:
        party["participants"] = rules.participants_named(
            db.session, body.get("participant_ids", []), member)
        if recurrence is None:
            wanted = [equipment.EquipmentRequest(line["item_id"], line["quantity"])
                      for line in body.get("equipment", [])]
            booking = rules.create_booking(
                db.session, space=space, member=member, start=start, end=end,
                title=body["title"], note=body.get("note", ""), now=now, tz=tz,
                equipment_wanted=wanted, **party)
            answer = booking_json(booking, caller, equipment_lines=equipment.lines_of(
                db.session, booking, wanted))
            commit_keeping_state()  # the answer is what was written: nothing to read back
            return jsonify(answer), 201
        if body.get("equipment"):
            raise ApiProblem(422, _l("Equipment is reserved with single bookings: book the "
                                     "series without it, or the dates that need it one by one."))
        until = (parse_date(recurrence["until"], "recurrence/until")
                 if recurrence.get("until") else None)
        series, created, skipped = rules.create_series(
            db.session, space=space, member=member, first=(start, end),
            freq=recurrence["freq"], interval=recurrence.get("interval", 1),
            count=recurrence.get("count"), until=until, title=body["title"],
            note=body.get("note", ""), now=now, tz=tz, **party)
        db.session.commit()
    except BookingRefused as error:
        raise _refused(error, member_id, space_id, start, end) from None
    except DomainError as error:
        db.session.rollback()
        raise ApiProblem(422, error.message) from None
    return jsonify({"series_id": series.id, "created": bookings_json(created),
                    "skipped": [{**interval(o.start, o.end), "problem": o.problem}
                                for o in skipped]}), 201


@endpoint(bp, "/availability", "GET", summary="Times the caller can book, across spaces",
          tag="bookings", response=ref("Availability"),
          description="What the Find a slot page lists: free times of the given length in the "
                      "active spaces (of a kind, or one space) that the caller can book "
                      "(opening hours, notice, horizon, closures, other bookings, quota), as "
                      "distinct choices, with whether each needs approval, the overage it "
                      "would cost and the quota left. Defaults: from now, 7 days; at most 62 "
                      "days and 1000 items.",
          query=[query_param("kind", {"type": "string", "enum": sorted(KIND_LABELS)},
                             "A kind of space."),
                 query_param("space_id", {"type": "integer", "minimum": 1}, "One space."),
                 query_param("start", {"type": "string", "format": "date-time"}, "From."),
                 query_param("end", {"type": "string", "format": "date-time"}, "Until."),
                 query_param("duration", {"type": "string", "format": "duration",
                                          "examples": ["PT3H"]},
                             "ISO 8601 duration, e.g. PT3H or PT1H30M.", required=True)])
def availability_across_spaces(query):
    if query["duration"] is None:
        raise ApiProblem(422, _l("Give the duration wanted, such as PT2H or PT1H30M."))
    if query["kind"] is not None and query["kind"] not in KIND_LABELS:
        raise ApiProblem(422, _l("Choose a kind of space from the list: %(kinds)s.",
                                 kinds=", ".join(sorted(KIND_LABELS))))
    start, end = period(query, 7, MAX_SEARCH_DAYS)
    zone = ZoneInfo(current_tz())
    found = rules.find_slots(db.session, current_member(), start=start, end=end,
                             duration_minutes=query["duration"], now=clock.now(),
                             tz=current_tz(), kind=query["kind"], space_id=query["space_id"])
    problems = [str(problem) for _space, _slots, problem in found if problem]
    if problems and len(problems) == len(found):
        raise ApiProblem(422, problems[0])
    items = [slot_json(slot, zone) for _space, slots, _problem in found for slot in slots]
    return jsonify({"items": items[:MAX_SLOTS]})


@endpoint(bp, "/bookings/<int:booking_id>", "GET", summary="One booking", tag="bookings",
          response=ref("Booking"), errors=(403,))
def get_booking(booking_id):
    return jsonify(booking_json(visible_booking(booking_id)))


@endpoint(bp, "/bookings/<int:booking_id>", "PATCH",
          summary="Move or rename a booking, or change its participants", tag="bookings",
          body=ref("BookingUpdate"), response=array_of("Booking"), errors=(403, 409),
          description="Changes the times, title or note; with scope, the series' dates too "
                      "(each shifted like this one). With `participant_ids`, the members "
                      "named replace the booking's participants (this booking only, even in "
                      "a series; active members, at most 50, the booker left out; 422 "
                      "otherwise, and nothing changes): those added and removed are told. "
                      "Without start, end, title or note, nothing else changes (scope is "
                      "then ignored). Returns the changed bookings.")
def update_booking(booking_id, body):
    booking = visible_booking(booking_id)
    actor, now = current_member(), clock.now()
    participant_ids = body.get("participant_ids")
    changed = [booking]
    with api_action(commit=participant_ids is None):
        if participant_ids is None or body.keys() & {"start", "end", "title", "note"}:
            start = parse_instant(body["start"], "start") if "start" in body else booking.start_at
            end = parse_instant(body["end"], "end") if "end" in body else booking.end_at
            changed = rules.update_booking(
                db.session, booking, actor=actor, start=start, end=end,
                title=body.get("title", booking.title), note=body.get("note", booking.note),
                now=now, tz=current_tz(), scope=body.get("scope", "one"))
        if participant_ids is not None:
            rules.change_participants(db.session, booking, participant_ids, actor=actor,
                                      now=now)
            commit_keeping_state()  # the answer names the participants just written
    return jsonify(bookings_json(changed))


@endpoint(bp, "/bookings/<int:booking_id>/cancel", "POST", summary="Cancel a booking",
          tag="bookings", body=ref("Cancel"), response=array_of("Booking"), errors=(403, 409),
          description="Cancelled bookings are kept; late ones still count for quotas.")
def cancel_booking(booking_id, body):
    booking = visible_booking(booking_id)
    with api_action():
        cancelled = rules.cancel_booking(db.session, booking, actor=current_member(),
                                         reason=body.get("reason", ""), now=clock.now(),
                                         scope=body.get("scope", "one"))
    return jsonify(bookings_json(cancelled))


@endpoint(bp, "/bookings/<int:booking_id>/approve", "POST", summary="Approve a pending booking",
          tag="approvals", comanager=True, response=ref("Booking"), errors=(409,))
@comanager_required
def approve_booking(booking_id):
    booking = visible_booking(booking_id)
    with api_action():
        rules.approve_booking(db.session, booking, actor=current_member(), now=clock.now())
    return jsonify(booking_json(booking))


@endpoint(bp, "/bookings/<int:booking_id>/reject", "POST", summary="Reject a pending booking",
          tag="approvals", comanager=True, body=ref("Reject"), response=ref("Booking"),
          errors=(409,))
@comanager_required
def reject_booking(booking_id, body):
    booking = visible_booking(booking_id)
    with api_action():
        rules.reject_booking(db.session, booking, actor=current_member(),
                             reason=body["reason"], now=clock.now())
    return jsonify(booking_json(booking))


@endpoint(bp, "/bookings/<int:booking_id>/check-in", "POST", summary="Check in",
          tag="bookings", response=ref("Booking"), errors=(403, 409),
          description="On a space requiring check-in, from its opening (minutes before the "
                      "start) to the end; the booking's member only.")
def check_in(booking_id):
    booking = visible_booking(booking_id)
    with api_action():
        checkin.check_in(db.session, booking, member=current_member(), now=clock.now())
    return jsonify(booking_json(booking))
