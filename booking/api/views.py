"""JSON API v1: thin views calling the same domain functions as the HTML pages.

Each endpoint is declared with `endpoint(...)`, which also documents it. Times are RFC 3339
with an offset; errors are RFC 9457 problems; one commit per call, in the view.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask import Blueprint, current_app, jsonify, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import HTTPException

from .. import clock
from ..domain import bookings as rules
from ..domain import quotas, schedule, usage
from ..domain import spaces as space_rules
from ..domain.errors import BookingRefused, DomainError
from ..extensions import csrf, db, limiter
from ..models import ACTIVE_STATUSES, Booking, Member, QuotaRule, Space
from ..timezones import current_tz, from_local, to_local
from .auth import authenticate, comanager_required, current_member, rate_limit, rate_limit_key
from .inputs import MAX_ID, format_instant, interval, parse_instant, parse_month
from .openapi import PUBLIC_ENDPOINTS, array_of, build_document, endpoint, query_param, ref
from .problems import ApiProblem, from_exception, problem_response

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # safe: every call below needs a Bearer token, never a cookie session
limiter.limit(rate_limit, key_func=rate_limit_key)(bp)

MAX_LIST_DAYS = 92
MAX_AVAILABILITY_DAYS = 31
MAX_ITEMS = 1000
SCHEDULE_TYPES = {"outside_opening": "outside-opening-hours"}


@bp.before_request
def _authenticate():
    if request.endpoint not in PUBLIC_ENDPOINTS:
        authenticate()


@bp.errorhandler(ApiProblem)
def _problem(error: ApiProblem):
    return from_exception(error)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    return problem_response(error.code or 500)


# --- helpers -------------------------------------------------------------------------------

def _get(model, object_id: int):
    obj = db.session.get(model, object_id) if object_id <= MAX_ID else None
    if obj is None:
        raise ApiProblem(404)
    return obj


def _hours(minutes: float) -> float:
    return round(minutes / 60, 2)


def _period(query: dict, default_days: int, max_days: int) -> tuple[datetime, datetime]:
    start = query.get("start") or clock.now()
    end = query.get("end") or start + timedelta(days=default_days)
    if end <= start:
        raise ApiProblem(422, _l("The end must come after the start. Check the times."))
    if end - start > timedelta(days=max_days):
        raise ApiProblem(422, _l("Ask for at most %(days)d days at a time.", days=max_days))
    return start, end


def _refusal_problem(error: BookingRefused) -> ApiProblem:
    """The problem for a refused booking: conflicts 409 with alternatives, the rest 422."""
    if isinstance(error, rules.BookingConflict):
        return ApiProblem(409, error.message, "booking-conflict",
                          conflicts=[interval(s, e) for s, e in error.conflicts],
                          suggestions=[interval(s, e) for s, e in error.nearest])
    if isinstance(error, rules.ClosureConflict):
        return ApiProblem(422, error.message, "space-closed")
    if isinstance(error, quotas.QuotaExceeded):
        return ApiProblem(422, error.message, "quota-exceeded")
    code = error.params.get("code")
    return ApiProblem(422, error.message,
                      SCHEDULE_TYPES.get(code, code.replace("_", "-")) if code
                      else "booking-refused")


def _refused(error: BookingRefused, space_id: int, start, end) -> ApiProblem:
    """Undo the attempt, keep it in the unmet-demand record (as the HTML form does)."""
    db.session.rollback()
    rules.record_refusal(db.session, member_id=current_member().id, space_id=space_id,
                         start=start, end=end, reason=error.reason, now=clock.now())
    db.session.commit()
    return _refusal_problem(error)


def _domain_problem(error: DomainError) -> ApiProblem:
    db.session.rollback()
    if isinstance(error, BookingRefused):
        return _refusal_problem(error)
    if isinstance(error, rules.NotAllowed):
        return ApiProblem(409, error.message, "invalid-state")
    return ApiProblem(422, error.message, "validation-error")


def _space_json(space: Space) -> dict:
    return {
        "id": space.id, "name": space.name, "kind": space.kind,
        "description": space.description, "address": space.address,
        "capacity": space.capacity, "hourly_weight": float(space.hourly_weight),
        "hourly_rate_cents": space.hourly_rate_cents, "needs_approval": space.needs_approval,
        "show_titles": space.show_titles, "active": space.active,
        "opening_hours": {day: (space.opening_hours or {}).get(day, [])
                          for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
        "slot_minutes": space.slot_minutes, "min_minutes": space.min_minutes,
        "max_minutes": space.max_minutes, "horizon_days": space.horizon_days,
        "notice_minutes": space.notice_minutes, "buffer_minutes": space.buffer_minutes,
        "cancel_notice_hours": space.cancel_notice_hours,
    }


def _booking_json(booking: Booking) -> dict:
    viewer = current_member()
    private = booking.member_id == viewer.id or viewer.is_comanager
    visible = private or booking.space.show_titles
    return {
        "id": booking.id, "space_id": booking.space_id, "member_id": booking.member_id,
        "series_id": booking.series_id, "start": format_instant(booking.start_at),
        "end": format_instant(booking.end_at), "title": booking.title if visible else None,
        "note": booking.note if private else None, "status": booking.status,
        "sequence": booking.sequence, "late_cancellation": booking.late_cancellation,
        "reason": (booking.cancel_reason or booking.decision_reason or None) if private
        else None,
        "updated_at": format_instant(booking.updated_at),
    }


def _own_booking(booking_id: int) -> Booking:
    """The booking, when it is the caller's or the caller is a co-manager (as the pages)."""
    booking = db.session.execute(
        select(Booking).options(joinedload(Booking.space), joinedload(Booking.member))
        .where(Booking.id == min(booking_id, MAX_ID + 1))).scalar_one_or_none()
    if booking is None:
        raise ApiProblem(404)
    if booking.member_id != current_member().id and not current_member().is_comanager:
        raise ApiProblem(403)
    return booking


# --- description -----------------------------------------------------------------------------

@endpoint(bp, "/openapi.json", "GET", summary="This API's OpenAPI 3.1 description",
          tag="meta", public=True, response={"type": "object"})
def openapi():
    return jsonify(build_document(current_app.config["BASE_URL"]))


# --- spaces ----------------------------------------------------------------------------------

@endpoint(bp, "/spaces", "GET", summary="List spaces", tag="spaces",
          description="Members see spaces in use; co-managers also archived ones.",
          response=array_of("Space"))
def list_spaces():
    query = select(Space).order_by(Space.kind, Space.name)
    if not current_member().is_comanager:
        query = query.where(Space.active.is_(True))
    return jsonify([_space_json(s) for s in db.session.execute(query).scalars()])


SPACE_DEFAULTS = {
    "description": "", "address": "", "capacity": 1, "hourly_weight": 1,
    "hourly_rate_cents": 0, "needs_approval": False, "show_titles": False, "active": True,
    "slot_minutes": 30, "min_minutes": 60, "max_minutes": 480, "horizon_days": 90,
    "notice_minutes": 0, "buffer_minutes": 0, "cancel_notice_hours": 48,
}


def _save_space(space: Space | None, body: dict) -> Space:
    values = dict(SPACE_DEFAULTS) if space is None else _space_json(space)
    values.update(body)
    values["hourly_weight_pct"] = int(Decimal(str(values.pop("hourly_weight"))) * 100)
    active = values.pop("active")
    values.pop("id", None)
    try:
        saved = space_rules.save_space(db.session, current_member(), space, values)
        if saved.active != active:
            space_rules.set_space_active(db.session, current_member(), saved, active)
    except DomainError as error:
        raise _domain_problem(error) from None
    db.session.commit()
    return saved


@endpoint(bp, "/spaces", "POST", summary="Create a space", tag="spaces", comanager=True,
          status=201, body=ref("SpaceCreate"), response=ref("Space"))
@comanager_required
def create_space(body):
    return jsonify(_space_json(_save_space(None, body))), 201


@endpoint(bp, "/spaces/<int:space_id>", "PATCH", summary="Change a space", tag="spaces",
          comanager=True, body=ref("SpaceUpdate"), response=ref("Space"))
@comanager_required
def update_space(space_id, body):
    return jsonify(_space_json(_save_space(_get(Space, space_id), body)))


@endpoint(bp, "/spaces/<int:space_id>/availability", "GET", summary="Free slots of a space",
          tag="spaces", response=array_of("Interval"),
          description="Every bookable slot of the given length (one per time step, so they "
                      "may overlap), at most 1000. Defaults: from now, 7 days, the space's "
                      "shortest booking.",
          query=[query_param("start", {"type": "string", "format": "date-time"}, "From."),
                 query_param("end", {"type": "string", "format": "date-time"},
                             "Until (at most 31 days after start)."),
                 query_param("duration", {"type": "string", "format": "duration",
                                          "examples": ["PT2H"]},
                             "ISO 8601 duration, e.g. PT2H or PT1H30M.")])
def availability(space_id, query):
    space = _get(Space, space_id)
    if not space.active and not current_member().is_comanager:
        raise ApiProblem(404)
    start, end = _period(query, 7, MAX_AVAILABILITY_DAYS)
    duration = query["duration"] or space.min_minutes
    busy = rules.active_bookings_between(db.session, space.id, start, end)
    closed = rules.closures_between(db.session, space.id, start, end)
    try:
        slots = schedule.free_slots(
            rules.rules_for(space, current_tz()), start, end, duration,
            [(b.start_at, b.end_at) for b in busy], [(c.start_at, c.end_at) for c in closed],
            now=clock.now(), limit=MAX_ITEMS) if space.active else []
    except schedule.ScheduleError as error:
        raise ApiProblem(422, rules.schedule_message(error)) from None
    return jsonify([interval(s, e) for s, e in slots])


# --- closures --------------------------------------------------------------------------------

@endpoint(bp, "/closures", "POST", summary="Close one space or all for a period",
          tag="spaces", comanager=True, status=201, body=ref("ClosureCreate"),
          response=ref("Closure"), errors=(404,))
@comanager_required
def create_closure(body):
    if body["space_id"] is not None:
        _get(Space, body["space_id"])
    start, end = parse_instant(body["start"], "start"), parse_instant(body["end"], "end")
    try:
        closure = rules.create_closure(db.session, actor=current_member(),
                                       space_id=body["space_id"], start=start, end=end,
                                       reason=body["reason"], now=clock.now())
    except DomainError as error:
        raise _domain_problem(error) from None
    hit = rules.bookings_hit_by(db.session, closure.space_id, start, end)
    db.session.commit()
    return jsonify({"id": closure.id, "space_id": closure.space_id,
                    "start": format_instant(closure.start_at),
                    "end": format_instant(closure.end_at), "reason": closure.reason,
                    "affected_booking_ids": [b.id for b in hit]}), 201


# --- bookings --------------------------------------------------------------------------------

@endpoint(bp, "/bookings", "GET", summary="Bookings visible to the caller", tag="bookings",
          response=array_of("Booking"),
          description="Active bookings of every member (titles hidden when the space keeps "
                      "them private), or with mine=true the caller's own in any status. "
                      "Defaults: from now, 30 days; at most 92 days and 1000 bookings.",
          query=[query_param("space_id", {"type": "integer", "minimum": 1}, "One space."),
                 query_param("start", {"type": "string", "format": "date-time"}, "From."),
                 query_param("end", {"type": "string", "format": "date-time"}, "Until."),
                 query_param("mine", {"type": "boolean"}, "Only the caller's bookings.")])
def list_bookings(query):
    start, end = _period(query, 30, MAX_LIST_DAYS)
    statement = select(Booking).options(joinedload(Booking.space)).where(
        Booking.start_at < end, Booking.end_at > start)
    if query["mine"]:
        statement = statement.where(Booking.member_id == current_member().id)
    else:
        statement = statement.where(Booking.status.in_(ACTIVE_STATUSES))
    if query["space_id"]:
        statement = statement.where(Booking.space_id == query["space_id"])
    found = db.session.execute(statement.order_by(Booking.start_at, Booking.id)
                               .limit(MAX_ITEMS)).scalars()
    return jsonify([_booking_json(b) for b in found])


@endpoint(bp, "/bookings", "POST", summary="Book a space (once or as a series)",
          tag="bookings", status=201, body=ref("BookingCreate"),
          response={"oneOf": [ref("Booking"), ref("SeriesCreated")]}, errors=(404, 409),
          description="Same rules as the booking form. A conflict answers 409 with the "
                      "bookings in the way (`conflicts`) and the nearest free times "
                      "(`suggestions`). With `recurrence`, the free dates are booked and the "
                      "others listed in `skipped`.")
def create_booking(body):
    space = _get(Space, body["space_id"])
    start, end = parse_instant(body["start"], "start"), parse_instant(body["end"], "end")
    member, tz, now = current_member(), current_tz(), clock.now()
    recurrence = body.get("recurrence")
    try:
        if recurrence is None:
            booking = rules.create_booking(
                db.session, space=space, member=member, start=start, end=end,
                title=body["title"], note=body.get("note", ""), now=now, tz=tz)
            db.session.commit()
            return jsonify(_booking_json(booking)), 201
        until = None
        if recurrence.get("until"):
            try:
                until = date.fromisoformat(recurrence["until"])
            except ValueError:
                raise ApiProblem(422, _l("The field %(field)s must be a date such as "
                                         "2027-06-30.", field="recurrence/until")) from None
        series, created, skipped = rules.create_series(
            db.session, space=space, member=member, first=(start, end),
            freq=recurrence["freq"], interval=recurrence.get("interval", 1),
            count=recurrence.get("count"), until=until, title=body["title"],
            note=body.get("note", ""), now=now, tz=tz)
        db.session.commit()
    except BookingRefused as error:
        raise _refused(error, space.id, start, end) from None
    return jsonify({"series_id": series.id, "created": [_booking_json(b) for b in created],
                    "skipped": [{**interval(o.start, o.end), "problem": o.problem}
                                for o in skipped]}), 201


@endpoint(bp, "/bookings/<int:booking_id>", "GET", summary="One booking", tag="bookings",
          response=ref("Booking"), errors=(403,))
def get_booking(booking_id):
    return jsonify(_booking_json(_own_booking(booking_id)))


@endpoint(bp, "/bookings/<int:booking_id>", "PATCH", summary="Move or rename a booking",
          tag="bookings", body=ref("BookingUpdate"), response=array_of("Booking"),
          errors=(403, 409),
          description="Changes the times, title or note; with scope, the series' dates too "
                      "(each shifted like this one). Returns the changed bookings.")
def update_booking(booking_id, body):
    booking = _own_booking(booking_id)
    start = parse_instant(body["start"], "start") if "start" in body else booking.start_at
    end = parse_instant(body["end"], "end") if "end" in body else booking.end_at
    try:
        changed = rules.update_booking(
            db.session, booking, actor=current_member(), start=start, end=end,
            title=body.get("title", booking.title), note=body.get("note", booking.note),
            now=clock.now(), tz=current_tz(), scope=body.get("scope", "one"))
    except DomainError as error:
        raise _domain_problem(error) from None
    db.session.commit()
    return jsonify([_booking_json(b) for b in changed])


@endpoint(bp, "/bookings/<int:booking_id>/cancel", "POST", summary="Cancel a booking",
          tag="bookings", body=ref("Cancel"), response=array_of("Booking"), errors=(403, 409),
          description="Cancelled bookings are kept; late ones still count for quotas.")
def cancel_booking(booking_id, body):
    booking = _own_booking(booking_id)
    try:
        cancelled = rules.cancel_booking(db.session, booking, actor=current_member(),
                                         reason=body.get("reason", ""), now=clock.now(),
                                         scope=body.get("scope", "one"))
    except DomainError as error:
        raise _domain_problem(error) from None
    db.session.commit()
    return jsonify([_booking_json(b) for b in cancelled])


@endpoint(bp, "/bookings/<int:booking_id>/approve", "POST", summary="Approve a pending booking",
          tag="approvals", comanager=True, response=ref("Booking"), errors=(409,))
@comanager_required
def approve_booking(booking_id):
    booking = _own_booking(booking_id)
    try:
        rules.approve_booking(db.session, booking, actor=current_member(), now=clock.now())
    except DomainError as error:
        raise _domain_problem(error) from None
    db.session.commit()
    return jsonify(_booking_json(booking))


@endpoint(bp, "/bookings/<int:booking_id>/reject", "POST", summary="Reject a pending booking",
          tag="approvals", comanager=True, body=ref("Reject"), response=ref("Booking"),
          errors=(409,))
@comanager_required
def reject_booking(booking_id, body):
    booking = _own_booking(booking_id)
    try:
        rules.reject_booking(db.session, booking, actor=current_member(),
                             reason=body["reason"], now=clock.now())
    except DomainError as error:
        raise _domain_problem(error) from None
    db.session.commit()
    return jsonify(_booking_json(booking))


# --- me --------------------------------------------------------------------------------------

@endpoint(bp, "/me", "GET", summary="The caller's profile and plan", tag="me",
          response=ref("Me"))
def me():
    member = db.session.execute(
        select(Member).options(joinedload(Member.plan), joinedload(Member.organisation))
        .where(Member.id == current_member().id)).scalar_one()
    plan, organisation = member.plan, member.organisation
    return jsonify({
        "id": member.id, "name": member.name, "email": member.email, "phone": member.phone,
        "role": member.role, "locale": member.locale,
        "organisation": {"id": organisation.id, "name": organisation.name}
        if organisation else None,
        "plan": {"id": plan.id, "name": plan.name, "monthly_fee_cents": plan.monthly_fee_cents,
                 "shares": plan.shares} if plan else None,
        "feed_url": (current_app.config["BASE_URL"]
                     + url_for("feeds.member_feed", token=member.feed_token))
        if member.feed_token else None,
    })


@endpoint(bp, "/me/usage", "GET", summary="The caller's quotas over a month", tag="me",
          response=array_of("QuotaUsage"),
          description="Per quota rule: hours used, allowed and left in the month (monthly "
                      "rules) or in each week starting in it (weekly rules).",
          query=[query_param("period", {"type": "string", "pattern": r"^\d{4}-\d{2}$",
                                        "examples": ["2026-11"]},
                             "The month, YYYY-MM (default: this month).")])
def my_usage(query):
    first = (parse_month(query["period"]) if query["period"]
             else to_local(clock.now()).date().replace(day=1))
    statuses = quotas.quota_usage_in_month(db.session, current_member(), current_tz(), first)
    return jsonify([{
        "rule_id": s.rule.id, "rule": str(quotas.describe_rule(s.rule)),
        "period": s.rule.period, "period_start": format_instant(s.period_start),
        "period_end": format_instant(s.period_end), "used": _hours(s.used),
        "limit": _hours(s.limit), "left": _hours(s.left), "over_limit": s.rule.over_limit,
    } for s in statuses])


# --- quotas and usage (co-managers) ----------------------------------------------------------

def _rule_json(rule: QuotaRule) -> dict:
    return {
        "id": rule.id, "plan_id": rule.plan_id, "member_id": rule.member_id,
        "organisation_id": rule.organisation_id, "space_id": rule.space_id,
        "space_kind": rule.space_kind, "period": rule.period,
        "hours": _hours(rule.limit_minutes), "over_limit": rule.over_limit,
        "peak_weight": rule.peak_weight_pct / 100,
        "peak_from": rule.peak_from.strftime("%H:%M") if rule.peak_from else None,
        "peak_weekends": rule.peak_weekends, "description": str(quotas.describe_rule(rule)),
    }


@endpoint(bp, "/quota-rules", "POST", summary="Add a quota rule", tag="quotas",
          comanager=True, status=201, body=ref("QuotaRuleCreate"), response=ref("QuotaRule"))
@comanager_required
def create_quota_rule(body):
    peak_from = body.get("peak_from")
    if peak_from == "24:00":
        peak_from = "00:00"
    values = {
        "plan_id": body.get("plan_id"), "member_id": body.get("member_id"),
        "organisation_id": body.get("organisation_id"), "space_id": body.get("space_id"),
        "space_kind": body.get("space_kind"), "period": body["period"],
        "limit_minutes": round(body["hours"] * 60), "over_limit": body["over_limit"],
        "peak_weight_pct": round(body.get("peak_weight", 1) * 100),
        "peak_from": time.fromisoformat(peak_from) if peak_from else None,
        "peak_weekends": body.get("peak_weekends", False),
    }
    try:
        rule = quotas.save_rule(db.session, None, values)
    except DomainError as error:
        raise _domain_problem(error) from None
    db.session.commit()
    rule = db.session.execute(select(QuotaRule).options(
        joinedload(QuotaRule.plan), joinedload(QuotaRule.member),
        joinedload(QuotaRule.organisation), joinedload(QuotaRule.space))
        .where(QuotaRule.id == rule.id)).scalar_one()
    return jsonify(_rule_json(rule)), 201


@endpoint(bp, "/usage", "GET", summary="Hours per member and space", tag="quotas",
          comanager=True, response=array_of("UsageRow"),
          description="Counted hours (active bookings and late cancellations) inside the "
                      "period, per member and space, with each row's share of all weighted "
                      "hours. Defaults: this month so far; at most 400 days.",
          query=[query_param("start", {"type": "string", "format": "date-time"}, "From."),
                 query_param("end", {"type": "string", "format": "date-time"}, "Until.")])
@comanager_required
def usage_report(query):
    if query["start"] is None:
        first = to_local(clock.now()).date().replace(day=1)
        query["start"] = from_local(datetime.combine(first, time(0)))
    start, end = _period(query, 31, 400)
    rows = usage.usage_by_member(db.session, start, end)
    names = dict(db.session.execute(select(Member.id, Member.name).where(
        Member.id.in_({r.member_id for r in rows}))).all()) if rows else {}
    total = sum(r.weighted_minutes for r in rows) or 1
    return jsonify([{
        "member_id": r.member_id, "member_name": names.get(r.member_id, ""),
        "space_id": r.space_id, "hours": _hours(r.minutes),
        "weighted_hours": _hours(r.weighted_minutes),
        "share": round(100 * r.weighted_minutes / total, 1),
        "late_cancellations": r.late_cancellations, "overage_hours": _hours(r.overage_minutes),
    } for r in rows])
