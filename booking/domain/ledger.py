"""Sharing costs to the cent, and the ledger that remembers it.

Amounts are integer cents. Every split uses the largest-remainder method, so the parts add up
to the whole; ties go to the larger weight, then to the smaller account id (stable, documented).
Entries are only ever added: a correction reverses the original entries and posts new ones.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from ..models import (
    Allocation,
    Booking,
    ChargeRun,
    ClosedMonth,
    Expense,
    LedgerEntry,
    Member,
    Organisation,
    Payment,
    Space,
)
from ..models.ledger import CATEGORIES, METHODS, PAYMENT_METHODS
from .accounts import record_audit
from .errors import DomainError
from .quotas import counted_bookings
from .schedule import local_to_utc
from .usage import usage_by_member


class LedgerError(DomainError):
    pass


class AlreadyAllocated(LedgerError):
    """The portion is already posted: changing it is a correction, not a second post."""


class MonthClosed(LedgerError):
    """The date falls in a closed month."""


class NoBasisToShare(LedgerError):
    """The chosen key gives nobody a weight (nobody booked, nobody has shares)."""


# --- splitting -------------------------------------------------------------------------------

def split_largest_remainder(total: int, weights: dict[int, int | float | Fraction]
                            ) -> dict[int, int]:
    """Integer parts of `total` proportional to `weights`, adding up to `total` exactly.

    Each key first gets the floor of its exact share; the cents left go one by one to the
    largest remainders; ties to the larger weight, then to the smaller key.
    """
    exact = {k: Fraction(w) if not isinstance(w, float) else Fraction(str(w))
             for k, w in weights.items() if w > 0}
    whole = sum(exact.values())
    if not exact or whole <= 0:
        raise ValueError("nothing to split by")
    shares = {k: total * w / whole for k, w in exact.items()}
    parts = {k: int(s // 1) for k, s in shares.items()}
    left = total - sum(parts.values())
    order = sorted(exact, key=lambda k: (-(shares[k] - parts[k]), -exact[k], k))
    for k in order[:left]:
        parts[k] += 1
    return parts


# --- periods and accounts --------------------------------------------------------------------

def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1)


def portions(expense: Expense) -> list[tuple[int, date, date, int]]:
    """(index, first day, last day, amount) of each monthly portion of an expense."""
    if expense.spread_months <= 1:
        return [(0, expense.period_start, expense.period_end, expense.amount_cents)]
    amounts = split_largest_remainder(expense.amount_cents,
                                      {i: 1 for i in range(expense.spread_months)})
    first = month_start(expense.period_start)
    result = []
    for i in range(expense.spread_months):
        start = add_months(first, i)
        result.append((i, start, add_months(first, i + 1) - timedelta(days=1), amounts[i]))
    return result


def is_closed(session: Session, day: date) -> bool:
    return session.execute(select(ClosedMonth.id).where(
        ClosedMonth.month == month_start(day))).first() is not None


def _refuse_if_closed(session: Session, day: date) -> None:
    if is_closed(session, day):
        raise MonthClosed(_l("The month of %(day)s is closed: nothing more can be posted in it. "
                             "Post the correction in an open month.", day=day.isoformat()))


def account_of(member: Member) -> tuple[int | None, int | None]:
    """(member_id, organisation_id) of the account a member's charges go to."""
    if member.organisation is not None and member.organisation.pays_for_members:
        return None, member.organisation_id
    return member.id, None


def shares_of(member: Member) -> int:
    if member.shares_override is not None:
        return member.shares_override
    return member.plan.shares if member.plan else 0


# --- recording costs -------------------------------------------------------------------------

MAX_AMOUNT_CENTS = 1_000_000_000  # ten million euros: more is a typing mistake
MIXED_BASES = ("shares", "equal")


def create_expense(session: Session, *, actor: Member, label: str, category: str,
                   amount_cents: int, spent_on: date, period_start: date, period_end: date,
                   space_id: int | None = None, method: str = "usage",
                   mixed_percent: int | None = None, mixed_base: str = "shares",
                   spread_months: int = 1, advanced_by_id: int | None = None,
                   attachment: tuple[str, str, str] | None = None) -> Expense:
    """Record a cost to share (nothing is allocated yet), after checking every value.

    The form and the API both check their input first; this is the last word, so a value
    that slipped through writes nothing. For a mixed key, `mixed_percent` is the part shared
    by `mixed_base` (shares or equally); the rest is shared by usage. `attachment` is the
    invoice already stored: (original name, stored file name, media type).
    """
    label = (label or "").strip()
    if not label:
        raise LedgerError(_l("Say what the cost is."))
    if len(label) > 200:
        raise LedgerError(_l("Keep the label under 200 characters."))
    if category not in CATEGORIES:
        raise LedgerError(_l("Choose a category from the list."))
    _positive_cents(amount_cents)
    if period_end < period_start:
        raise LedgerError(_l("The period ends before it starts. Check the dates."))
    if method not in METHODS or mixed_base not in MIXED_BASES:
        raise LedgerError(_l("Choose how to share the cost from the list."))
    if method == "mixed" and (mixed_percent is None or not 0 <= mixed_percent <= 100):
        raise LedgerError(_l("Give a percentage from 0 to 100."))
    if not 1 <= spread_months <= 240:
        raise LedgerError(_l("Between 1 and 240 months."))
    if space_id is not None and session.get(Space, space_id) is None:
        raise LedgerError(_l("This space does not exist: choose one from the list."))
    if advanced_by_id is not None and session.get(Member, advanced_by_id) is None:
        raise LedgerError(_l("This member does not exist: choose one from the list."))
    expense = Expense(
        label=label, category=category, amount_cents=amount_cents, spent_on=spent_on,
        period_start=period_start, period_end=period_end, space_id=space_id, method=method,
        mixed_percent=mixed_percent if method == "mixed" else 0, mixed_base=mixed_base,
        spread_months=spread_months, advanced_by_id=advanced_by_id, created_by_id=actor.id)
    if attachment is not None:
        expense.attachment_name, expense.attachment_file, expense.attachment_type = attachment
    session.add(expense)
    session.flush()
    record_audit(session, actor, "expense.create", "expense", expense.id, expense.label)
    return expense


# --- allocation ------------------------------------------------------------------------------

@dataclass(frozen=True)
class AllocationLine:
    member: Member
    basis: dict
    percent: float
    amount_cents: int


def _members_active(session: Session) -> list[Member]:
    return list(session.execute(
        select(Member).options(joinedload(Member.plan), joinedload(Member.organisation))
        .where(Member.active.is_(True)).order_by(Member.id)).scalars())


def _local_bounds(first: date, last: date, tz: str) -> tuple[datetime, datetime]:
    return (local_to_utc(datetime.combine(first, time(0)), tz),
            local_to_utc(datetime.combine(last + timedelta(days=1), time(0)), tz))


def _weights(session: Session, method: str, expense: Expense, first: date, last: date,
             tz: str, members: list[Member]) -> tuple[dict[int, Fraction], dict[int, dict]]:
    if method == "equal":
        return ({m.id: Fraction(1) for m in members},
                {m.id: {"method": "equal", "count": len(members)} for m in members})
    if method == "shares":
        weights = {m.id: Fraction(shares_of(m)) for m in members if shares_of(m) > 0}
        if not weights:
            raise NoBasisToShare(_l("No member has cost shares: give the plans a number of shares, "
                                 "or share this cost equally or by usage."))
        total = sum(weights.values())
        return weights, {mid: {"method": "shares", "shares": int(w), "total": int(total)}
                         for mid, w in weights.items()}
    start, end = _local_bounds(first, last, tz)
    rows = usage_by_member(session, start, end, expense.space_id)
    active = {m.id for m in members}
    weights: dict[int, Fraction] = defaultdict(Fraction)
    for row in rows:
        if row.member_id in active:
            weights[row.member_id] += Fraction(str(row.weighted_minutes))
    weights = {k: v for k, v in weights.items() if v > 0}
    if not weights:
        raise NoBasisToShare(_l("Nobody booked in this period, so this cost cannot be shared by "
                             "usage. Share it equally or by shares instead."))
    total = sum(weights.values())
    scope = expense.space.name if expense.space else None
    return weights, {mid: {"method": "usage", "minutes": float(w), "total": float(total),
                           "space": scope} for mid, w in weights.items()}


def preview_allocation(session: Session, expense: Expense, portion: int, tz: str
                       ) -> list[AllocationLine]:
    """Who pays how much of one portion, and why, without writing anything."""
    _index, first, last, amount = portions(expense)[portion]
    members = _members_active(session)
    by_id = {m.id: m for m in members}
    if expense.method == "mixed":
        base_amount = split_largest_remainder(
            amount, {0: expense.mixed_percent, 1: 100 - expense.mixed_percent}
        ).get(0, 0)
        parts: dict[int, int] = defaultdict(int)
        basis: dict[int, dict] = {}
        for method, part in ((expense.mixed_base, base_amount), ("usage", amount - base_amount)):
            if part <= 0:
                continue
            weights, reasons = _weights(session, method, expense, first, last, tz, members)
            for mid, cents in split_largest_remainder(part, weights).items():
                parts[mid] += cents
                basis.setdefault(mid, {"method": "mixed", "percent": expense.mixed_percent,
                                       "parts": []})["parts"].append(reasons[mid])
    else:
        weights, basis = _weights(session, expense.method, expense, first, last, tz, members)
        parts = split_largest_remainder(amount, weights)
    return [AllocationLine(by_id[mid], basis[mid], round(100 * cents / amount, 2), cents)
            for mid, cents in sorted(parts.items(), key=lambda kv: (-kv[1], kv[0])) if cents]


def post_allocation(session: Session, expense: Expense, portion: int, *, actor: Member,
                    tz: str) -> Allocation:
    """Write the portion's entries once; a second post is refused, by the database too."""
    index, first, last, amount = portions(expense)[portion]
    _refuse_if_closed(session, last)
    already = session.execute(select(Allocation.id).where(
        Allocation.expense_id == expense.id, Allocation.portion == index)).first()
    if already:
        raise AlreadyAllocated(_l("This cost is already shared out for this period. To change it, "
                             "correct the posted allocation."))
    lines = preview_allocation(session, expense, portion, tz)
    allocation = Allocation(expense_id=expense.id, portion=index, period_start=first,
                            period_end=last, amount_cents=amount, posted_by_id=actor.id)
    session.add(allocation)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise AlreadyAllocated(_l("This cost was shared out a moment ago by someone else. Reload "
                             "the page.")) from None
    _post_lines(session, allocation, expense, lines, actor, last, reason="")
    return allocation


def _post_lines(session, allocation, expense, lines, actor, day, reason) -> None:
    """All the lines of an allocation in one bulk insert (hundreds of members, one statement)."""
    rows = []
    for line in lines:
        member_id, organisation_id = account_of(line.member)
        rows.append({
            "member_id": member_id, "organisation_id": organisation_id,
            "amount_cents": line.amount_cents, "kind": "allocation", "entry_date": day,
            "description": expense.label, "basis": json.dumps(line.basis),
            "basis_member_id": line.member.id, "allocation_id": allocation.id,
            "author_id": actor.id, "reason": reason})
    if expense.advanced_by is not None:
        member_id, organisation_id = account_of(expense.advanced_by)
        rows.append({
            "member_id": member_id, "organisation_id": organisation_id,
            "amount_cents": -allocation.amount_cents, "kind": "adjustment", "entry_date": day,
            "description": str(_l("Advanced for: %(label)s", label=expense.label)),
            "basis": "", "basis_member_id": None, "allocation_id": allocation.id,
            "author_id": actor.id, "reason": reason})
    if rows:
        session.execute(insert(LedgerEntry), rows)


def correct_allocation(session: Session, allocation: Allocation, *, actor: Member, reason: str,
                       today: date, tz: str) -> None:
    """Reverse every live entry of the allocation, then post it again from today's data."""
    if not reason.strip():
        raise LedgerError(_l("Say why you correct this allocation: it stays in the history."))
    _refuse_if_closed(session, today)
    reversed_ids = select(LedgerEntry.reverses_id).where(LedgerEntry.reverses_id.is_not(None))
    live = session.execute(select(LedgerEntry).where(
        LedgerEntry.allocation_id == allocation.id, LedgerEntry.kind != "reversal",
        LedgerEntry.id.not_in(reversed_ids))).scalars().all()
    for entry in live:
        session.add(LedgerEntry(
            member_id=entry.member_id, organisation_id=entry.organisation_id,
            amount_cents=-entry.amount_cents, kind="reversal", entry_date=today,
            description=str(_l("Reversal: %(description)s", description=entry.description)),
            basis_member_id=entry.basis_member_id, allocation_id=allocation.id,
            reverses_id=entry.id, author_id=actor.id, reason=reason.strip()))
    session.flush()
    expense = allocation.expense
    lines = preview_allocation(session, expense, allocation.portion, tz)
    _post_lines(session, allocation, expense, lines, actor, today, reason.strip())


# --- payments, contributions, monthly charges ------------------------------------------------

def _positive_cents(amount_cents: int) -> None:
    if amount_cents <= 0:
        raise LedgerError(_l("The amount must be more than zero."))
    if amount_cents > MAX_AMOUNT_CENTS:
        raise LedgerError(_l("This amount is too large. Check it."))


def _known_payment_method(method: str) -> None:
    if method not in PAYMENT_METHODS:
        raise LedgerError(_l("Choose how it was paid from the list."))


def record_payment(session: Session, *, member: Member, amount_cents: int, paid_on: date,
                   method: str, reference: str, actor: Member) -> Payment:
    """A co-manager records money received: it counts at once."""
    _positive_cents(amount_cents)
    _known_payment_method(method)
    payment = Payment(member_id=member.id, amount_cents=amount_cents, paid_on=paid_on,
                      method=method, reference=reference.strip(), status="declared",
                      declared_by_id=actor.id)
    session.add(payment)
    session.flush()
    confirm_payment(session, payment, actor=actor)
    return payment


def declare_payment(session: Session, *, member: Member, amount_cents: int, paid_on: date,
                    method: str, reference: str) -> Payment:
    """A member says they paid; it counts once a co-manager confirms."""
    _positive_cents(amount_cents)
    _known_payment_method(method)
    payment = Payment(member_id=member.id, amount_cents=amount_cents, paid_on=paid_on,
                      method=method, reference=reference.strip(), status="declared",
                      declared_by_id=member.id)
    session.add(payment)
    session.flush()
    return payment


def confirm_payment(session: Session, payment: Payment, *, actor: Member) -> None:
    if payment.status != "declared":
        raise LedgerError(_l("This payment was already handled."))
    _refuse_if_closed(session, payment.paid_on)
    member = session.get(Member, payment.member_id)
    member_id, organisation_id = account_of(member)
    payment.status, payment.confirmed_by_id = "confirmed", actor.id
    session.add(LedgerEntry(
        member_id=member_id, organisation_id=organisation_id,
        amount_cents=-payment.amount_cents, kind="payment", entry_date=payment.paid_on,
        description=str(_l("Payment %(reference)s", reference=payment.reference or "")).strip(),
        payment_id=payment.id, author_id=actor.id))
    session.flush()


def record_contribution(session: Session, *, member: Member, minutes: int, day: date,
                        description: str, rate_cents: int, actor: Member) -> LedgerEntry:
    """Volunteer hours credited against the member's charges at the cooperative's rate."""
    if minutes <= 0:
        raise LedgerError(_l("Give a number of hours above zero."))
    _refuse_if_closed(session, day)
    credit = round(Fraction(minutes * rate_cents, 60))
    member_id, organisation_id = account_of(member)
    entry = LedgerEntry(member_id=member_id, organisation_id=organisation_id,
                        amount_cents=-credit, kind="contribution", entry_date=day,
                        description=description.strip(),
                        basis=json.dumps({"method": "contribution", "minutes": minutes,
                                          "rate_cents": rate_cents}),
                        basis_member_id=member.id, author_id=actor.id)
    session.add(entry)
    session.flush()
    return entry


def post_monthly_charges(session: Session, month: date, *, actor: Member, tz: str) -> int:
    """Plan fees and quota overage of a month, once. Returns the number of entries."""
    month = month_start(month)
    last = add_months(month, 1) - timedelta(days=1)
    _refuse_if_closed(session, last)
    if session.execute(select(ChargeRun.id).where(ChargeRun.month == month)).first():
        raise LedgerError(_l("Fees and overage of this month are already posted."))
    run = ChargeRun(month=month, posted_by_id=actor.id)
    session.add(run)
    session.flush()
    count = 0
    for member in _members_active(session):
        if member.plan and member.plan.monthly_fee_cents > 0:
            member_id, organisation_id = account_of(member)
            session.add(LedgerEntry(
                member_id=member_id, organisation_id=organisation_id,
                amount_cents=member.plan.monthly_fee_cents, kind="fee", entry_date=last,
                description=str(_l("Monthly fee, plan %(plan)s", plan=member.plan.name)),
                basis_member_id=member.id, charge_run_id=run.id, author_id=actor.id))
            count += 1
    start, end = _local_bounds(month, last, tz)
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
    return count


def close_month(session: Session, month: date, *, actor: Member) -> None:
    month = month_start(month)
    if is_closed(session, month):
        raise LedgerError(_l("This month is already closed."))
    session.add(ClosedMonth(month=month, closed_by_id=actor.id))
    session.flush()


# --- reading ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Balance:
    member_id: int | None
    organisation_id: int | None
    name: str
    balance_cents: int


def balances(session: Session) -> list[Balance]:
    """Every account's balance, summed in SQL (one query)."""
    rows = session.execute(
        select(LedgerEntry.member_id, LedgerEntry.organisation_id,
               func.coalesce(Member.name, Organisation.name), func.sum(LedgerEntry.amount_cents))
        .outerjoin(Member, Member.id == LedgerEntry.member_id)
        .outerjoin(Organisation, Organisation.id == LedgerEntry.organisation_id)
        .group_by(LedgerEntry.member_id, LedgerEntry.organisation_id, Member.name,
                  Organisation.name)
        .order_by(func.coalesce(Member.name, Organisation.name))).all()
    return [Balance(m, o, name, int(total)) for m, o, name, total in rows]


def member_balance(session: Session, member_id: int) -> int:
    return int(session.execute(select(func.coalesce(func.sum(LedgerEntry.amount_cents), 0))
                               .where(LedgerEntry.member_id == member_id)).scalar())


@dataclass(frozen=True)
class StatementLine:
    entry: LedgerEntry
    charge_cents: int
    payment_cents: int
    contribution_cents: int
    balance_cents: int


def statement(session: Session, *, member_id: int | None = None,
              organisation_id: int | None = None) -> list[StatementLine]:
    """The account's entries in date order with the running balance."""
    query = select(LedgerEntry).order_by(LedgerEntry.entry_date, LedgerEntry.id)
    if member_id is not None:
        query = query.where(LedgerEntry.member_id == member_id)
    else:
        query = query.where(LedgerEntry.organisation_id == organisation_id)
    running, lines = 0, []
    for entry in session.execute(query).scalars():
        running += entry.amount_cents
        contribution = -entry.amount_cents if entry.kind == "contribution" else 0
        payment = -entry.amount_cents if entry.amount_cents < 0 and not contribution else 0
        charge = max(0, entry.amount_cents)
        lines.append(StatementLine(entry, charge, payment, contribution, running))
    return lines


def settlement_plan(accounts: list[Balance]) -> list[tuple[Balance, Balance, int]]:
    """Transfers that settle everyone: members who owe pay those the collective owes (costs
    they advanced), largest first; what remains is owed to, or by, the collective's till.

    Greedy matching gives at most n-1 transfers.
    """
    debtors = sorted([[b, b.balance_cents] for b in accounts if b.balance_cents > 0],
                     key=lambda x: -x[1])
    creditors = sorted([[b, -b.balance_cents] for b in accounts if b.balance_cents < 0],
                       key=lambda x: -x[1])
    transfers = []
    i = j = 0
    while i < len(debtors) and j < len(creditors):
        amount = min(debtors[i][1], creditors[j][1])
        transfers.append((debtors[i][0], creditors[j][0], amount))
        debtors[i][1] -= amount
        creditors[j][1] -= amount
        if debtors[i][1] == 0:
            i += 1
        if creditors[j][1] == 0:
            j += 1
    return transfers


@dataclass(frozen=True)
class FairnessRow:
    member_id: int
    name: str
    usage_percent: float
    cost_percent: float
    cost_cents: int


def fairness(session: Session, first: date, last: date, tz: str) -> list[FairnessRow]:
    """Each member's share of the weighted usage beside their share of the costs charged."""
    start, end = _local_bounds(first, last, tz)
    usage: dict[int, float] = defaultdict(float)
    for row in usage_by_member(session, start, end):
        usage[row.member_id] += row.weighted_minutes
    costs = cost_shares(session, first, last)
    ids = set(usage) | set(costs)
    names = dict(session.execute(select(Member.id, Member.name).where(Member.id.in_(ids))).all())
    total_usage, total_cost = sum(usage.values()) or 1, sum(costs.values()) or 1
    rows = [FairnessRow(i, names[i], 100 * usage.get(i, 0) / total_usage,
                        100 * costs.get(i, 0) / total_cost, costs.get(i, 0)) for i in ids]
    return sorted(rows, key=lambda r: (-r.usage_percent, r.name))


def cost_shares(session: Session, first: date, last: date) -> dict[int, int]:
    """Charges (allocations, fees, overage, net of reversals) per member over the period."""
    charge_kinds = ("allocation", "fee", "overage", "reversal")
    rows = session.execute(
        select(LedgerEntry.basis_member_id, func.sum(LedgerEntry.amount_cents))
        .where(LedgerEntry.kind.in_(charge_kinds), LedgerEntry.basis_member_id.is_not(None),
               LedgerEntry.entry_date >= first, LedgerEntry.entry_date <= last)
        .group_by(LedgerEntry.basis_member_id)).all()
    return {mid: int(total) for mid, total in rows}

