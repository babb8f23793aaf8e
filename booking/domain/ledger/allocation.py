"""Sharing one portion of a cost among members, posting it once, and correcting it."""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...models import Allocation, Expense, LedgerEntry, Member
from ..accounts import record_audit
from ..usage import usage_by_member
from .accounts import (
    account_of,
    active_members,
    local_bounds,
    posting_date,
    refuse_if_closed,
    shares_of,
)
from .errors import AlreadyAllocated, LedgerError, NoBasisToShare
from .expenses import portions
from .participants import equal_share_members
from .splitting import split_largest_remainder


@dataclass(frozen=True)
class AllocationLine:
    member: Member
    basis: dict
    percent: float
    amount_cents: int


def _weights(session: Session, method: str, expense: Expense, first: date, last: date,
             tz: str, members: list[Member]) -> tuple[dict[int, Fraction], dict[int, dict]]:
    if method == "equal":
        sharing = equal_share_members(session, expense, members)
        if not sharing:
            raise NoBasisToShare(_l("Nobody takes part in the equal share: tick the members who "
                                    "share this cost, or share it by usage or by shares."))
        return ({m.id: Fraction(1) for m in sharing},
                {m.id: {"method": "equal", "count": len(sharing)} for m in sharing})
    if method == "shares":
        weights = {m.id: Fraction(shares_of(m)) for m in members if shares_of(m) > 0}
        if not weights:
            raise NoBasisToShare(_l("No member has cost shares: give the plans a number of shares, "
                                 "or share this cost equally or by usage."))
        total = sum(weights.values())
        return weights, {mid: {"method": "shares", "shares": int(w), "total": int(total)}
                         for mid, w in weights.items()}
    start, end = local_bounds(first, last, tz)
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
    members = active_members(session)
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
    refuse_if_closed(session, last)
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
    record_audit(session, actor, "expense.allocate", "expense", expense.id, f"portion {portion}")
    return allocation


def _post_lines(session: Session, allocation: Allocation, expense: Expense,
                lines: list[AllocationLine], actor: Member, day: date, reason: str,
                label: str | None = None) -> None:
    """All the lines of an allocation in one bulk insert (hundreds of members, one statement)."""
    label = (label or expense.label)[:300]
    rows = []
    for line in lines:
        member_id, organisation_id = account_of(line.member)
        rows.append({
            "member_id": member_id, "organisation_id": organisation_id,
            "amount_cents": line.amount_cents, "kind": "allocation", "entry_date": day,
            "description": label, "basis": json.dumps(line.basis),
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
                       tz: str) -> date:
    """Reverse every live entry of the allocation, then post it again from today's data.

    Both are dated with the original entries' date, so the account's statement shows the
    correction where the charge was and its running balance never passes through a state that
    did not exist. When that month is closed, they go on the first day of the first open month,
    saying which date they correct. Returns the date posted on.
    """
    if not reason.strip():
        raise LedgerError(_l("Say why you correct this allocation: it stays in the history."))
    reversed_ids = select(LedgerEntry.reverses_id).where(LedgerEntry.reverses_id.is_not(None))
    live = session.execute(select(LedgerEntry).where(
        LedgerEntry.allocation_id == allocation.id, LedgerEntry.kind != "reversal",
        LedgerEntry.id.not_in(reversed_ids)).order_by(LedgerEntry.id)).scalars().all()
    concerns = live[0].entry_date if live else allocation.period_end
    day = posting_date(session, concerns)
    moved = day != concerns
    for entry in live:
        description = (_l("Reversal of %(day)s (month closed): %(description)s",
                          day=format_date(entry.entry_date), description=entry.description)
                       if moved else
                       _l("Reversal: %(description)s", description=entry.description))
        session.add(LedgerEntry(
            member_id=entry.member_id, organisation_id=entry.organisation_id,
            amount_cents=-entry.amount_cents, kind="reversal", entry_date=day,
            description=str(description)[:300], basis_member_id=entry.basis_member_id,
            allocation_id=allocation.id, reverses_id=entry.id, author_id=actor.id,
            reason=reason.strip()))
    session.flush()
    expense = allocation.expense
    lines = preview_allocation(session, expense, allocation.portion, tz)
    label = (str(_l("%(label)s (correction of %(day)s)", label=expense.label,
                    day=format_date(concerns))) if moved else expense.label)
    _post_lines(session, allocation, expense, lines, actor, day, reason.strip(), label=label)
    record_audit(session, actor, "allocation.correct", "allocation", allocation.id,
                 reason.strip()[:200])
    return day
