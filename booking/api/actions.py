"""How a domain outcome becomes an API answer: one transaction per call, and each domain
error mapped to its RFC 9457 problem type (the slugs scripts test, listed in the OpenAPI
document's error responses)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

from flask import url_for

from ..domain import bank, checkin, governance, ledger, quotas, waitlist
from ..domain import bookings as rules
from ..domain.errors import BookingRefused, DomainError
from ..extensions import db
from ..timezones import current_tz
from .inputs import interval
from .json import slot_json
from .problems import ApiProblem

SCHEDULE_TYPES = {"outside_opening": "outside-opening-hours"}


def refusal_problem(error: BookingRefused) -> ApiProblem:
    """The problem for a refused booking: conflicts 409 with alternatives, the rest 422."""
    if isinstance(error, rules.BookingConflict):
        return ApiProblem(409, error.message, "booking-conflict",
                          conflicts=[interval(s, e) for s, e in error.conflicts],
                          suggestions=[slot_json(slot, ZoneInfo(current_tz()))
                                       for slot in error.suggestions])
    if isinstance(error, rules.ClosureConflict):
        return ApiProblem(422, error.message, "space-closed")
    if isinstance(error, governance.CharterNotAccepted):
        return ApiProblem(422, error.message, "charter-not-accepted",
                          charter_url=url_for("governance.charter", _external=True))
    if isinstance(error, quotas.QuotaExceeded):
        return ApiProblem(422, error.message, "quota-exceeded")
    code = error.params.get("code")
    return ApiProblem(422, error.message,
                      SCHEDULE_TYPES.get(code, code.replace("_", "-")) if code
                      else "booking-refused")


def problem_for(error: DomainError) -> ApiProblem:
    if isinstance(error, BookingRefused):
        return refusal_problem(error)
    if isinstance(error, rules.NotYours):
        return ApiProblem(403, error.message, "forbidden")
    if isinstance(error, (rules.NotAllowed, checkin.CheckInRefused,
                          waitlist.WaitlistNotAllowed, bank.LineNotOpen)):
        return ApiProblem(409, error.message, "invalid-state")
    if isinstance(error, ledger.AlreadyAllocated):
        return ApiProblem(409, error.message, "already-allocated")
    if isinstance(error, ledger.MonthClosed):
        return ApiProblem(422, error.message, "month-closed")
    if isinstance(error, ledger.NoBasisToShare):
        return ApiProblem(422, error.message, "no-allocation-basis")
    return ApiProblem(422, error.message, "validation-error")


@contextmanager
def api_action(commit: bool = True) -> Iterator[None]:
    """One API call's work: committed at the end (unless `commit` is false, for reads), or on a
    domain error rolled back and answered with the matching problem."""
    try:
        yield
    except DomainError as error:
        db.session.rollback()
        raise problem_for(error) from None
    if commit:
        db.session.commit()


def commit_keeping_state() -> None:
    """Commit without expiring the session's objects: the caller answers from the values it
    has just written, so reading them back (the booking, the caller) would be wasted queries."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
