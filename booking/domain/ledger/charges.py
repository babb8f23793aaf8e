"""The month's work: plan fees and quota overage posted once, then the month closed."""
from __future__ import annotations

import json
from datetime import date
from fractions import Fraction

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from ...models import Booking, ChargeRun, ClosedMonth, LedgerEntry, Member, Space
from ..accounts import record_audit
from ..notifications import notify
from ..periods import month_end, month_start
from ..quotas import counted_bookings
from .accounts import account_of, active_members, is_closed, local_bounds, refuse_if_closed
from .errors import LedgerError


def post_monthly_charges(session: Session, month: date, *, actor: Member, tz: str) -> int:
    """Plan fees and quota overage of a month, once. Returns the number of entries."""
    month = month_start(month)
    last = month_end(month)
    refuse_if_closed(session, last)
    if session.execute(select(ChargeRun.id).where(ChargeRun.month == month)).first():
        raise LedgerError(_l("Fees and overage of this month are already posted."))
    run = ChargeRun(month=month, posted_by_id=actor.id)
    session.add(run)
    session.flush()
    count = 0
    for member in active_members(session):
        if member.plan and member.plan.monthly_fee_cents > 0:
            member_id, organisation_id = account_of(member)
            session.add(LedgerEntry(
                member_id=member_id, organisation_id=organisation_id,
                amount_cents=member.plan.monthly_fee_cents, kind="fee", entry_date=last,
                description=str(_l("Monthly fee, plan %(plan)s", plan=member.plan.name)),
                basis_member_id=member.id, charge_run_id=run.id, author_id=actor.id))
            count += 1
    start, end = local_bounds(month, last, tz)
    overage = session.execute(
        select(Booking.member_id, Space.name, Space.hourly_rate_cents,
               func.sum(Booking.overage_minutes))
        .join(Space, Space.id == Booking.space_id)
        .where(counted_bookings(), Booking.overage_minutes > 0, Booking.start_at >= start,
               Booking.start_at < end)
        .group_by(Booking.member_id, Space.name, Space.hourly_rate_cents)).all()
    members = {m.id: m for m in session.execute(select(Member).options(
        joinedload(Member.organisation)).where(Member.id.in_({r[0] for r in overage}))).scalars()}
    for member_id, space_name, rate, minutes in overage:
        cents = round(Fraction(int(minutes) * rate, 60))
        if cents <= 0:
            continue
        account_member, account_org = account_of(members[member_id])
        session.add(LedgerEntry(
            member_id=account_member, organisation_id=account_org, amount_cents=cents,
            kind="overage", entry_date=last,
            description=str(_l("Hours beyond the quota in %(space)s", space=space_name)),
            basis=json.dumps({"method": "overage", "minutes": int(minutes), "rate_cents": rate}),
            basis_member_id=member_id, charge_run_id=run.id, author_id=actor.id))
        count += 1
    session.flush()
    record_audit(session, actor, "ledger.charges", "month", None, month.strftime("%Y-%m"))
    return count


def close_month(session: Session, month: date, *, actor: Member) -> None:
    """Lock a month: nothing more is posted in it, corrections go to an open month."""
    month = month_start(month)
    if is_closed(session, month):
        raise LedgerError(_l("This month is already closed."))
    session.add(ClosedMonth(month=month, closed_by_id=actor.id))
    session.flush()
    record_audit(session, actor, "ledger.close", "month", None, month.strftime("%Y-%m"))
    for member in active_members(session):
        notify(session, member, "statement_ready", link="/ledger/statement",
               month=month.isoformat())


def closed_months(session: Session, limit: int = 6) -> list[date]:
    """The last months closed, latest first."""
    return list(session.execute(select(ClosedMonth.month).order_by(
        ClosedMonth.month.desc()).limit(limit)).scalars())
