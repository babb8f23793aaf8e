"""Who used what: hours per member and space over a period, computed in SQL.

One function, `usage_by_member`, gives the figures the usage report, its CSV, the JSON API and
the ledger's usage-based cost sharing all use, so they cannot disagree; `share_pct` is the one
definition of a share of the total.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Float, case, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import FunctionElement

from ..models import Booking, Member, RefusedBooking, Space
from ..models.types import UTCDateTime
from . import checkin, equipment, schedule
from .availability import rules_for
from .periods import period_span
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
    each space's hourly weight, plus the weight of the equipment reserved with it; overage is
    that of bookings starting in the period.
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
        .where(counted_bookings(), *Booking.meeting(start, end))
        .group_by(Booking.member_id, Booking.space_id, Space.hourly_weight_pct)
        .order_by(Booking.member_id, Booking.space_id)
    )
    if space_id is not None:
        query = query.where(Booking.space_id == space_id)
    with_equipment = equipment.weighted_equipment_minutes(session, start, end, space_id)
    return [UsageRow(member_id, sid, round(float(minutes), 2),
                     round(float(minutes) * weight / 100
                           + with_equipment.get((member_id, sid), 0.0), 2),
                     int(late_count), int(over or 0))
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


# --- the usage report ----------------------------------------------------------------------

def share_pct(weighted_minutes: float, total_weighted_minutes: float) -> float:
    """Percent of all weighted minutes, one decimal (0 when nothing was booked)."""
    return round(100 * weighted_minutes / (total_weighted_minutes or 1), 1)


def report_period(kind: str, day: date, start: date | None = None, end: date | None = None
                  ) -> tuple[date, date]:
    """First day and the day after the last, local dates: the month, quarter or year holding
    `day`, or the custom days from `start` to `end` included."""
    if kind == "custom" and start and end:
        return start, end + timedelta(days=1)
    return period_span(kind, day)


@dataclass(frozen=True)
class UsageShare:
    """One member's use of one space, with its share of all weighted minutes."""

    member_id: int
    member_name: str
    space_id: int
    minutes: float
    weighted_minutes: float
    share_pct: float
    late_cancellations: int
    overage_minutes: int


def usage_shares(session: Session, start: datetime, end: datetime) -> list[UsageShare]:
    """`usage_by_member` rows with the member's name and the row's share of the total."""
    rows = usage_by_member(session, start, end)
    names = dict(session.execute(select(Member.id, Member.name).where(
        Member.id.in_({r.member_id for r in rows}))).all()) if rows else {}
    total = sum(r.weighted_minutes for r in rows)
    return [UsageShare(r.member_id, names.get(r.member_id, ""), r.space_id, r.minutes,
                       r.weighted_minutes, share_pct(r.weighted_minutes, total),
                       r.late_cancellations, r.overage_minutes) for r in rows]


@dataclass(frozen=True)
class MemberUsage:
    """One member's use of every space over the period."""

    member: Member
    minutes: float
    weighted_minutes: float
    share_pct: float
    late_cancellations: int
    overage_minutes: int
    minutes_by_space: dict[str, float]


def member_usage(session: Session, start: datetime, end: datetime) -> list[MemberUsage]:
    """Per member (all spaces together), ordered by name; shares of all weighted minutes."""
    rows = usage_by_member(session, start, end)
    space_names = dict(session.execute(select(Space.id, Space.name)).all()) if rows else {}
    return _by_member(session, rows, space_names)


def _by_member(session: Session, rows: list[UsageRow], space_names: dict[int, str]
               ) -> list[MemberUsage]:
    if not rows:
        return []
    members = {m.id: m for m in session.execute(
        select(Member).where(Member.id.in_({r.member_id for r in rows}))).scalars()}
    total = sum(r.weighted_minutes for r in rows)
    grouped: dict[int, list[UsageRow]] = defaultdict(list)
    for row in rows:
        grouped[row.member_id].append(row)
    result = []
    for member_id, own in grouped.items():
        weighted = sum(r.weighted_minutes for r in own)
        result.append(MemberUsage(
            members[member_id], sum(r.minutes for r in own), weighted, share_pct(weighted, total),
            sum(r.late_cancellations for r in own), sum(r.overage_minutes for r in own),
            {space_names[r.space_id]: r.minutes for r in own}))
    return sorted(result, key=lambda u: u.member.name.lower())


@dataclass(frozen=True)
class SpaceOccupancy:
    space: Space
    minutes: float
    open_minutes: float
    occupancy_pct: float


@dataclass(frozen=True)
class UsageReport:
    """Every figure of the usage page and its CSV, for local days first to last (included)."""

    first: date
    last: date
    members: list[MemberUsage]
    spaces: list[SpaceOccupancy]
    demand: list[UnmetDemand]
    space_names: dict[int, str]
    no_shows: list[checkin.NoShowRow]
    equipment: list[equipment.EquipmentUsage]


def usage_report(session: Session, first: date, after: date, tz: str) -> UsageReport:
    """Members' use, each space's occupancy and the unmet demand from `first` to `after`."""
    start = schedule.local_to_utc(datetime.combine(first, time(0)), tz)
    end = schedule.local_to_utc(datetime.combine(after, time(0)), tz)
    rows = usage_by_member(session, start, end)
    spaces = list(session.execute(select(Space).order_by(Space.name)).scalars())
    space_names = {s.id: s.name for s in spaces}
    booked: dict[int, float] = defaultdict(float)
    for row in rows:
        booked[row.space_id] += row.minutes
    occupancy = []
    for space in spaces:
        opened = open_minutes(space, start, end, tz)
        if booked[space.id] or space.active:
            occupancy.append(SpaceOccupancy(
                space, booked[space.id], opened,
                round(100 * booked[space.id] / opened, 1) if opened else 0.0))
    return UsageReport(first, after - timedelta(days=1), _by_member(session, rows, space_names),
                       occupancy, unmet_demand(session, start, end, tz), space_names,
                       checkin.no_shows(session, start, end),
                       equipment.equipment_usage(session, start, end))
