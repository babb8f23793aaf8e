"""Fairness: each member's share of the use beside their share of the costs."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...models import LedgerEntry, Member
from ..usage import usage_by_member
from .accounts import local_bounds


@dataclass(frozen=True)
class FairnessRow:
    member_id: int
    name: str
    usage_percent: float
    cost_percent: float
    cost_cents: int


def fairness(session: Session, first: date, last: date, tz: str) -> list[FairnessRow]:
    """Each member's share of the weighted usage beside their share of the costs charged."""
    start, end = local_bounds(first, last, tz)
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

