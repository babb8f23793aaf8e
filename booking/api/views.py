"""JSON API v1: thin views calling the same domain functions as the HTML pages.

Each endpoint is declared with `endpoint(...)`, which also documents it. Times are RFC 3339
with an offset; errors are RFC 9457 problems; one commit per call, in the view.
"""
from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask import Blueprint, current_app, jsonify, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import HTTPException

from .. import clock
from ..domain import bookings as rules
from ..domain import ledger, quotas, schedule, usage
from ..domain import spaces as space_rules
from ..domain import survey as survey_rules
from ..domain.accounts import record_audit
from ..domain.errors import BookingRefused, DomainError
from ..extensions import csrf, db, limiter
from ..models import (
    ACTIVE_STATUSES,
    Booking,
    Expense,
    LedgerEntry,
    Member,
    Payment,
    QuotaRule,
    Space,
)
from ..timezones import current_tz, from_local, to_local
from .auth import authenticate, comanager_required, current_member, rate_limit, rate_limit_key
from .inputs import MAX_ID, format_instant, interval, parse_date, parse_instant, parse_month
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
    if isinstance(error, ledger.AlreadyAllocated):
        return ApiProblem(409, error.message, "already-allocated")
    if isinstance(error, ledger.MonthClosed):
        return ApiProblem(422, error.message, "month-closed")
    if isinstance(error, ledger.NoBasisToShare):
        return ApiProblem(422, error.message, "no-allocation-basis")
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
        until = (parse_date(recurrence["until"], "recurrence/until")
                 if recurrence.get("until") else None)
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


# --- ledger ----------------------------------------------------------------------------------

def _basis(raw: str) -> dict:
    return json.loads(raw) if raw else {}


def _today() -> date:
    return to_local(clock.now()).date()


@endpoint(bp, "/me/ledger", "GET", summary="The caller's account: balance and entries",
          tag="ledger", response=ref("MyLedger"),
          description="The caller's own entries in date order with the running balance "
                      "(+ owed to the collective, - paid or credited). Nobody reads another "
                      "member's account here; co-managers use /ledger/balances. When the "
                      "caller's organisation pays for its members, their charges go to the "
                      "organisation's account (organisation_id).")
def my_ledger():
    member = db.session.execute(select(Member).options(joinedload(Member.organisation))
                                .where(Member.id == current_member().id)).scalar_one()
    _member_id, organisation_id = ledger.account_of(member)
    lines = ledger.statement(db.session, member_id=member.id)
    return jsonify({
        "member_id": member.id, "organisation_id": organisation_id,
        "balance_cents": lines[-1].balance_cents if lines else 0,
        "entries": [{
            "id": line.entry.id, "date": line.entry.entry_date.isoformat(),
            "kind": line.entry.kind, "description": line.entry.description,
            "amount_cents": line.entry.amount_cents, "balance_cents": line.balance_cents,
            "basis": _basis(line.entry.basis), "allocation_id": line.entry.allocation_id,
            "payment_id": line.entry.payment_id, "reverses_id": line.entry.reverses_id,
            "reason": line.entry.reason,
        } for line in lines],
    })


@endpoint(bp, "/ledger/balances", "GET", summary="Every account's balance", tag="ledger",
          comanager=True, response=array_of("Balance"),
          description="One row per account with entries, by name: members (organisation_id "
                      "null) and organisations that pay for their members (member_id null). "
                      "Summed in the database, one query.")
@comanager_required
def ledger_balances():
    return jsonify([{"member_id": b.member_id, "organisation_id": b.organisation_id,
                     "name": b.name, "balance_cents": b.balance_cents}
                    for b in ledger.balances(db.session)])


def _expense_json(expense: Expense, posted: set[int]) -> dict:
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
        "portions": [{"portion": index, "period_start": first.isoformat(),
                      "period_end": last.isoformat(), "amount_cents": amount,
                      "posted": index in posted}
                     for index, first, last, amount in ledger.portions(expense)],
    }


@endpoint(bp, "/expenses", "POST", summary="Record a cost to share", tag="ledger",
          comanager=True, status=201, body=ref("ExpenseCreate"), response=ref("Expense"),
          description="Same checks as the cost form: amount_cents above zero, period_end on "
                      "or after period_start, a known category, fixed_percent (0 to 100) for "
                      "a mixed key. Nothing is shared yet: preview and post the split with "
                      "/expenses/{expense_id}/allocate.")
@comanager_required
def create_expense(body):
    key = body["allocation"]
    if key["method"] == "mixed" and "fixed_percent" not in key:
        raise ApiProblem(422, _l("A mixed allocation needs allocation/fixed_percent: the "
                                 "percent (0 to 100) shared by shares or equally, the rest "
                                 "being shared by usage."), "validation-error")
    period_start = parse_date(body["period_start"], "period_start")
    period_end = parse_date(body["period_end"], "period_end")
    spent_on = parse_date(body["spent_on"], "spent_on") if "spent_on" in body else _today()
    try:
        expense = ledger.create_expense(
            db.session, actor=current_member(), label=body["label"], category=body["category"],
            amount_cents=body["amount_cents"], spent_on=spent_on, period_start=period_start,
            period_end=period_end, space_id=body.get("space_id"), method=key["method"],
            mixed_percent=key.get("fixed_percent"), mixed_base=key.get("fixed_base", "shares"),
            spread_months=body.get("spread_months", 1))
    except DomainError as error:
        raise _domain_problem(error) from None
    db.session.commit()
    return jsonify(_expense_json(expense, posted=set())), 201


def _line_json(line: ledger.AllocationLine) -> dict:
    _member_id, organisation_id = ledger.account_of(line.member)
    return {"member_id": line.member.id, "organisation_id": organisation_id,
            "amount_cents": line.amount_cents, "percent": line.percent, "kind": "allocation",
            "basis": line.basis}


def _posted_json(entry: LedgerEntry, portion_cents: int) -> dict:
    return {"member_id": entry.basis_member_id or entry.member_id,
            "organisation_id": entry.organisation_id, "amount_cents": entry.amount_cents,
            "percent": round(100 * entry.amount_cents / portion_cents, 2), "kind": entry.kind,
            "basis": _basis(entry.basis)}


@endpoint(bp, "/expenses/<int:expense_id>/allocate", "POST",
          summary="Preview or post how an expense is shared", tag="ledger", comanager=True,
          response=array_of("AllocationLine"), errors=(409,),
          description="With preview=true, shows who would pay how much and why, writing "
                      "nothing. Without it, posts the portion's entries (once: a second post "
                      "answers 409 already-allocated) and returns them, with the credit of a "
                      "member who advanced the cost. An expense spread over several months "
                      "has one portion per month: choose it with `portion` (0 = the first "
                      "month, the default). 422 no-allocation-basis when nobody booked in the "
                      "period (usage) or nobody has shares; 422 month-closed when the "
                      "portion's month is closed.",
          query=[query_param("preview", {"type": "boolean"},
                             "true: show the split without posting it."),
                 query_param("portion", {"type": "integer", "minimum": 0, "maximum": 239},
                             "The monthly portion, from 0 (default) to spread_months - 1.")])
@comanager_required
def allocate_expense(expense_id, query):
    expense = _get(Expense, expense_id)
    portion = query["portion"] or 0
    last = len(ledger.portions(expense)) - 1
    if portion > last and last == 0:
        raise ApiProblem(422, _l("This expense is not spread over several months: leave "
                                 "portion out, or give 0."))
    if portion > last:
        raise ApiProblem(422, _l("There is no portion %(portion)d: this expense has portions "
                                 "0 to %(last)d, one per month.", portion=portion, last=last))
    try:
        if query["preview"]:
            lines = ledger.preview_allocation(db.session, expense, portion, current_tz())
            return jsonify([_line_json(line) for line in lines])
        allocation = ledger.post_allocation(db.session, expense, portion,
                                            actor=current_member(), tz=current_tz())
    except DomainError as error:
        raise _domain_problem(error) from None
    record_audit(db.session, current_member(), "expense.allocate", "expense", expense.id,
                 f"portion {portion}")
    entries = db.session.execute(select(LedgerEntry).where(
        LedgerEntry.allocation_id == allocation.id).order_by(LedgerEntry.id)).scalars().all()
    db.session.commit()
    return jsonify([_posted_json(e, allocation.amount_cents) for e in entries])


@endpoint(bp, "/payments", "POST", summary="Record a payment received", tag="ledger",
          comanager=True, status=201, body=ref("PaymentCreate"), response=ref("Payment"),
          description="Money a member paid the collective: it counts at once (status "
                      "confirmed) and lowers the balance of the member's account (or of the "
                      "organisation that pays for them). 422 month-closed when the date is "
                      "in a closed month.")
@comanager_required
def record_payment(body):
    member = db.session.execute(select(Member).options(joinedload(Member.organisation))
                                .where(Member.id == body["member_id"])).scalar_one_or_none()
    if member is None:
        raise ApiProblem(422, _l("No member has the number %(id)d. Check member_id.",
                                 id=body["member_id"]), "validation-error")
    paid_on = parse_date(body["date"], "date")
    try:
        payment = ledger.record_payment(
            db.session, member=member, amount_cents=body["amount_cents"], paid_on=paid_on,
            method=body["method"], reference=body.get("reference", ""), actor=current_member())
    except DomainError as error:
        raise _domain_problem(error) from None
    db.session.commit()
    return jsonify(_payment_json(payment)), 201


def _payment_json(payment: Payment) -> dict:
    return {"id": payment.id, "member_id": payment.member_id,
            "amount_cents": payment.amount_cents, "date": payment.paid_on.isoformat(),
            "method": payment.method, "reference": payment.reference, "status": payment.status}


# --- survey ----------------------------------------------------------------------------------

@endpoint(bp, "/surveys/<int:survey_id>/results", "GET", summary="A survey's results",
          tag="surveys", response=ref("SurveyResults"), errors=(403,),
          description="Counts and shares per option, scale mean, median and distribution, in "
                      "the caller's language. Co-managers always; members once the results "
                      "are published. Free-text answers are counted, not listed.")
def survey_results(survey_id):
    survey = survey_rules.load_survey(db.session, survey_id)
    if survey is None:
        raise ApiProblem(404)
    if not survey_rules.can_see_results(survey, current_member()):
        raise ApiProblem(403)
    locale = str(get_locale())
    results = survey_rules.survey_results(db.session, survey)
    return jsonify({
        "survey_id": survey.id, "title": survey_rules.translated(survey.title, locale),
        "total": results.total,
        "questions": [{
            "id": q.question.id, "number": q.number, "kind": q.question.kind,
            "text": survey_rules.translated(q.question.text, locale),
            "respondents": q.respondents,
            "options": [{"id": o.option.id,
                         "label": survey_rules.translated(o.option.label, locale),
                         "count": o.count, "share": round(o.share, 4)}
                        for o in q.options if o.option is not None],
            "other_count": q.other.count if q.other else None,
            "mean": q.mean, "median": q.median,
            "distribution": [{"value": float(value), "count": count}
                             for value, count, _share in q.distribution],
            "text_count": q.text_count,
        } for q in results.questions],
    })
