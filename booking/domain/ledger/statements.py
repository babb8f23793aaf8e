"""Reading accounts: balances, a statement with its running balance, how to settle up, and
the entries of a period as an accountant imports them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, joinedload

from ...models import LedgerEntry, Member, Organisation
from ..rows import plain_rows


@dataclass(frozen=True)
class Balance:
    member_id: int | None
    organisation_id: int | None
    name: str
    balance_cents: int


def balances(session: Session) -> list[Balance]:
    """Every account's balance, summed in SQL (one query)."""
    return [Balance(m, o, name, int(total))
            for m, o, name, total in plain_rows(session, _BALANCES)]


# Built once: building it cost as much as running it.
_BALANCES = (
    select(LedgerEntry.member_id, LedgerEntry.organisation_id,
           func.coalesce(Member.name, Organisation.name), func.sum(LedgerEntry.amount_cents))
    .outerjoin(Member, Member.id == LedgerEntry.member_id)
    .outerjoin(Organisation, Organisation.id == LedgerEntry.organisation_id)
    .group_by(LedgerEntry.member_id, LedgerEntry.organisation_id, Member.name,
              Organisation.name)
    .order_by(func.coalesce(Member.name, Organisation.name)))


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
    """The account's entries in date order with the running balance.

    Within a day the charges come before the credits, so the running balance never dips for a
    moment and climbs back the same day (a correction's reversal beside its new charge, a
    payment recorded before the charge it pays).
    """
    query = select(LedgerEntry).order_by(
        LedgerEntry.entry_date, case((LedgerEntry.amount_cents > 0, 0), else_=1),
        LedgerEntry.id)
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



def entries_between(session: Session, first: date, last: date) -> list[LedgerEntry]:
    """Every entry dated from `first` to `last` (included), in date order, accounts loaded."""
    return list(session.execute(select(LedgerEntry).options(
        joinedload(LedgerEntry.member), joinedload(LedgerEntry.organisation))
        .where(LedgerEntry.entry_date >= first, LedgerEntry.entry_date <= last)
        .order_by(LedgerEntry.entry_date, LedgerEntry.id)).scalars())
