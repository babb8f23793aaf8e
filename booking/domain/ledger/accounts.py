"""Whose account a charge goes to, amounts a person may type, and closed months."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ...models import ClosedMonth, Member
from ..periods import month_start
from ..schedule import local_to_utc
from .errors import LedgerError, MonthClosed

MAX_AMOUNT_CENTS = 1_000_000_000  # ten million euros: more is a typing mistake


def account_of(member: Member) -> tuple[int | None, int | None]:
    """(member_id, organisation_id) of the account a member's charges go to."""
    if member.organisation is not None and member.organisation.pays_for_members:
        return None, member.organisation_id
    return member.id, None


def shares_of(member: Member) -> int:
    if member.shares_override is not None:
        return member.shares_override
    return member.plan.shares if member.plan else 0


def active_members(session: Session) -> list[Member]:
    """Members who share costs, with their plan and organisation loaded."""
    return list(session.execute(
        select(Member).options(joinedload(Member.plan), joinedload(Member.organisation))
        .where(Member.active.is_(True)).order_by(Member.id)).scalars())


def local_bounds(first: date, last: date, tz: str) -> tuple[datetime, datetime]:
    """The UTC instants from the start of `first` to the end of `last`, local days."""
    return (local_to_utc(datetime.combine(first, time(0)), tz),
            local_to_utc(datetime.combine(last + timedelta(days=1), time(0)), tz))


def positive_cents(amount_cents: int) -> None:
    if amount_cents <= 0:
        raise LedgerError(_l("The amount must be more than zero."))
    if amount_cents > MAX_AMOUNT_CENTS:
        raise LedgerError(_l("This amount is too large. Check it."))


def is_closed(session: Session, day: date) -> bool:
    return session.execute(select(ClosedMonth.id).where(
        ClosedMonth.month == month_start(day))).first() is not None


def posting_date(session: Session, concerns: date, closed: set[date] | None = None) -> date:
    """Where a correction of an entry dated `concerns` is posted: on that date while its month
    is open, else on the first day of the first open month after it (a closed month's
    statement stays as members received it)."""
    closed = closed_month_starts(session) if closed is None else closed
    month = month_start(concerns)
    if month not in closed:
        return concerns
    while month in closed:
        month = month_start(month + timedelta(days=32))
    return month


def closed_month_starts(session: Session) -> set[date]:
    """Every closed month (its first day), read once for a batch of dates."""
    return set(session.execute(select(ClosedMonth.month)).scalars())


def refuse_if_closed(session: Session, day: date, closed: set[date] | None = None) -> None:
    """`closed`, from closed_month_starts, spares a query per date in a batch."""
    if month_start(day) in closed if closed is not None else is_closed(session, day):
        raise MonthClosed(_l("The month of %(day)s is closed: nothing more can be posted in it. "
                             "Post the correction in an open month.", day=day.isoformat()))
