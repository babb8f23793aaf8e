"""Who used what: hours per member and space over a period, computed in SQL.

One function, `usage_by_member`, gives the figures the usage report, its CSV and the ledger's
usage-based cost sharing all use, so they cannot disagree.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Float, case, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import FunctionElement

from ..models import Booking, RefusedBooking, Space
from ..models.types import UTCDateTime
from . import schedule
from .bookings import rules_for
from .quotas import counted_bookings

EVENING_FROM_HOUR = 18


class minutes_between(FunctionElement):
    """Minutes from the first instant to the second, in the database's own arithmetic."""

    type = Float()
    inherit_cache = True


@compiles(minutes_between)
def _minutes_postgresql(element, compiler, **kw):
    start, end = list(element.clauses)
    return (f"(EXTRACT(EPOCH FROM ({compiler.process(end, **kw)} - "
            f"{compiler.process(start, **kw)})) / 60.0)")


@compiles(minutes_between, "sqlite")
def _minutes_sqlite(element, compiler, **kw):
    start, end = list(element.clauses)
    return (f"((julianday({compiler.process(end, **kw)}) - "
            f"julianday({compiler.process(start, **kw)})) * 1440.0)")


def _later(session: Session, a, b):
    return (func.max if session.get_bind().dialect.name == "sqlite" else func.greatest)(a, b)


def _earlier(session: Session, a, b):
    return (func.min if session.get_bind().dialect.name == "sqlite" else func.least)(a, b)


@dataclass(frozen=True)
class UsageRow:
    """One member's use of one space over the period (minutes inside the period only)."""

    member_id: int
    space_id: int
    minutes: float
    weighted_minutes: float
    late_cancellations: int
    overage_minutes: int


def usage_by_member(session: Session, start: datetime, end: datetime,
                    space_id: int | None = None) -> list[UsageRow]:
    """Counted hours (active bookings and late cancellations) per member and space, one query.

    A booking crossing the period's edges counts for its part inside; weighted minutes apply
    each space's hourly weight; overage is that of bookings starting in the period.
    """
    p_start, p_end = literal(start, UTCDateTime), literal(end, UTCDateTime)
    clipped = minutes_between(_later(session, Booking.start_at, p_start),
                              _earlier(session, Booking.end_at, p_end))
    late = case((Booking.status == "cancelled", 1), else_=0)
    overage = case((Booking.start_at >= p_start, Booking.overage_minutes), else_=0)
    query = (
        select(Booking.member_id, Booking.space_id, func.sum(clipped), func.sum(late),
               func.sum(overage), Space.hourly_weight_pct)
        .join(Space, Space.id == Booking.space_id)
        .where(counted_bookings(), Booking.start_at < p_end, Booking.end_at > p_start)
        .group_by(Booking.member_id, Booking.space_id, Space.hourly_weight_pct)
        .order_by(Booking.member_id, Booking.space_id)
    )
    if space_id is not None:
        query = query.where(Booking.space_id == space_id)
    return [UsageRow(member_id, sid, round(float(minutes), 2),
                     round(float(minutes) * weight / 100, 2), int(late_count), int(over or 0))
            for member_id, sid, minutes, late_count, over, weight in session.execute(query)]


def open_minutes(space: Space, start: datetime, end: datetime, tz: str) -> float:
    """How long the space is open over the period (for occupancy)."""
    return sum((b - a).total_seconds() / 60
               for a, b in schedule.opening_windows(rules_for(space, tz), start, end))


@dataclass(frozen=True)
class UnmetDemand:
    space_id: int
    refused_minutes: float
    by_band: dict[str, float]
    by_reason: dict[str, float]


def time_band(moment: datetime, tz: str) -> str:
    """weekend, evening (from 18:00) or day, in local time: where more space is needed."""
    local = moment.astimezone(ZoneInfo(tz))
    if local.weekday() >= 5:
        return "weekend"
    return "evening" if local.hour >= EVENING_FROM_HOUR else "day"


def unmet_demand(session: Session, start: datetime, end: datetime, tz: str) -> list[UnmetDemand]:
    """Refused attempts in the period, per space, by time band and reason (one query)."""
    rows = session.execute(
        select(RefusedBooking.space_id, RefusedBooking.start_at, RefusedBooking.end_at,
               RefusedBooking.reason)
        .where(RefusedBooking.start_at < end, RefusedBooking.end_at > start)).all()
    totals: dict[int, float] = defaultdict(float)
    bands: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    reasons: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for space_id, r_start, r_end, reason in rows:
        minutes = (r_end - r_start).total_seconds() / 60
        totals[space_id] += minutes
        bands[space_id][time_band(r_start, tz)] += minutes
        reasons[space_id][reason] += minutes
    return [UnmetDemand(sid, totals[sid], dict(bands[sid]), dict(reasons[sid]))
            for sid in sorted(totals, key=lambda s: -totals[s])]
