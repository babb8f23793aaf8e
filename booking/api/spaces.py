"""Spaces and closures: listing, creating and changing spaces, their free slots, and closing
one space or all for a period."""
from __future__ import annotations

from decimal import Decimal

from flask import jsonify

from .. import clock
from ..domain import bookings as rules
from ..domain import quotas, schedule
from ..domain import spaces as space_rules
from ..extensions import db
from ..models import Space
from ..timezones import current_tz
from .actions import api_action
from .auth import comanager_required, current_member
from .blueprint import bp
from .inputs import format_instant, interval, parse_instant
from .json import get_object, period, space_json
from .openapi import array_of, endpoint, query_param, ref
from .problems import ApiProblem

MAX_AVAILABILITY_DAYS = 31
MAX_SLOTS = 1000
SPACE_DEFAULTS = {
    "description": "", "address": "", "capacity": 1, "hourly_weight": 1,
    "hourly_rate_cents": 0, "needs_approval": False, "show_titles": False, "active": True,
    "slot_minutes": 30, "min_minutes": 60, "max_minutes": 480, "horizon_days": 90,
    "notice_minutes": 0, "buffer_minutes": 0, "cancel_notice_hours": 48,
}


@endpoint(bp, "/spaces", "GET", summary="List spaces", tag="spaces",
          description="Members see spaces in use; co-managers also archived ones.",
          response=array_of("Space"))
def list_spaces():
    return jsonify([space_json(s)
                    for s in space_rules.spaces_listed_for(db.session, current_member())])


def _save_space(space: Space | None, body: dict) -> Space:
    """A PATCH changes only the fields sent: the others keep their value (or the default)."""
    values = dict(SPACE_DEFAULTS) if space is None else space_json(space)
    values.update(body)
    values["hourly_weight_pct"] = int(Decimal(str(values.pop("hourly_weight"))) * 100)
    active = values.pop("active")
    values.pop("id", None)
    with api_action():
        saved = space_rules.save_space(db.session, current_member(), space, values)
        if saved.active != active:
            space_rules.set_space_active(db.session, current_member(), saved, active)
    return saved


@endpoint(bp, "/spaces", "POST", summary="Create a space", tag="spaces", comanager=True,
          status=201, body=ref("SpaceCreate"), response=ref("Space"))
@comanager_required
def create_space(body):
    return jsonify(space_json(_save_space(None, body))), 201


@endpoint(bp, "/spaces/<int:space_id>", "PATCH", summary="Change a space", tag="spaces",
          comanager=True, body=ref("SpaceUpdate"), response=ref("Space"))
@comanager_required
def update_space(space_id, body):
    return jsonify(space_json(_save_space(get_object(Space, space_id), body)))


@endpoint(bp, "/spaces/<int:space_id>/availability", "GET", summary="Free slots of a space",
          tag="spaces", response=array_of("Interval"),
          description="Every slot of the given length the caller can book (free, within "
                      "the opening hours, notice and horizon, and their quota), one per time "
                      "step, so they may overlap; at most 1000. Defaults: from now, 7 days, "
                      "the space's shortest booking.",
          query=[query_param("start", {"type": "string", "format": "date-time"}, "From."),
                 query_param("end", {"type": "string", "format": "date-time"},
                             "Until (at most 31 days after start)."),
                 query_param("duration", {"type": "string", "format": "duration",
                                          "examples": ["PT2H"]},
                             "ISO 8601 duration, e.g. PT2H or PT1H30M.")])
def availability(space_id, query):
    space = get_object(Space, space_id)
    if not space.active and not current_member().is_comanager:
        raise ApiProblem(404)
    start, end = period(query, 7, MAX_AVAILABILITY_DAYS)
    duration = query["duration"] or space.min_minutes
    busy = rules.active_bookings_between(db.session, space.id, start, end)
    closed = rules.closures_between(db.session, space.id, start, end)
    try:
        slots = schedule.free_slots(
            rules.rules_for(space, current_tz()), start, end, duration,
            [(b.start_at, b.end_at) for b in busy], [(c.start_at, c.end_at) for c in closed],
            now=clock.now(), limit=MAX_SLOTS) if space.active else []
    except schedule.ScheduleError as error:
        raise ApiProblem(422, rules.schedule_message(error)) from None
    budget = quotas.quota_budget(db.session, current_member(), start, end, current_tz())
    return jsonify([interval(s, e) for s, e in slots if budget.judge(space, s, e).bookable])


@endpoint(bp, "/closures", "POST", summary="Close one space or all for a period",
          tag="spaces", comanager=True, status=201, body=ref("ClosureCreate"),
          response=ref("Closure"), errors=(404,),
          description="With cancel_hit_bookings: true, the future bookings the closure hits "
                      "are cancelled in the same transaction, and each member is sent the "
                      "message (required then), as on the closure's page.")
@comanager_required
def create_closure(body):
    if body["space_id"] is not None:
        get_object(Space, body["space_id"])
    start, end = parse_instant(body["start"], "start"), parse_instant(body["end"], "end")
    now = clock.now()
    cancelled = []
    with api_action():
        closure = rules.create_closure(db.session, actor=current_member(),
                                       space_id=body["space_id"], start=start, end=end,
                                       reason=body["reason"], now=now)
        if body.get("cancel_hit_bookings"):
            cancelled = rules.cancel_for_closure(db.session, closure, actor=current_member(),
                                                 message=body.get("message") or "", now=now)
        hit = rules.bookings_hit_by(db.session, closure.space_id, start, end)
    return jsonify({"id": closure.id, "space_id": closure.space_id,
                    "start": format_instant(closure.start_at),
                    "end": format_instant(closure.end_at), "reason": closure.reason,
                    "affected_booking_ids": [b.id for b in hit],
                    "cancelled_booking_ids": [b.id for b in cancelled]}), 201
