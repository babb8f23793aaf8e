"""Costs to share: recording them, their monthly portions, and reading them back."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ...models import Expense, LedgerEntry, Member, Space
from ...models.ledger import CATEGORIES, METHODS
from ..accounts import record_audit
from ..periods import add_months, month_end, month_start
from .accounts import positive_cents
from .errors import LedgerError
from .splitting import split_largest_remainder

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
    positive_cents(amount_cents)
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


def portions(expense: Expense) -> list[tuple[int, date, date, int]]:
    """(index, first day, last day, amount) of each monthly portion of an expense."""
    if expense.spread_months <= 1:
        return [(0, expense.period_start, expense.period_end, expense.amount_cents)]
    amounts = split_largest_remainder(expense.amount_cents,
                                      {i: 1 for i in range(expense.spread_months)})
    first = month_start(expense.period_start)
    return [(i, add_months(first, i), month_end(add_months(first, i)), amounts[i])
            for i in range(expense.spread_months)]


def expenses_listing(session: Session) -> list[Expense]:
    """Every cost, newest first, with its allocations and space loaded."""
    return list(session.execute(select(Expense).options(
        joinedload(Expense.allocations), joinedload(Expense.space))
        .order_by(Expense.spent_on.desc(), Expense.id.desc())).unique().scalars())


def expense_with_allocations(session: Session, expense_id: int) -> Expense | None:
    return session.execute(select(Expense).options(
        joinedload(Expense.allocations), joinedload(Expense.space),
        joinedload(Expense.advanced_by)).where(Expense.id == expense_id)
    ).unique().scalar_one_or_none()


def allocation_entries(session: Session, expense: Expense) -> list[LedgerEntry]:
    """The ledger lines every posted portion of the expense wrote, reversals included."""
    ids = [a.id for a in expense.allocations]
    if not ids:
        return []
    return list(session.execute(select(LedgerEntry).options(
        joinedload(LedgerEntry.member), joinedload(LedgerEntry.organisation))
        .where(LedgerEntry.allocation_id.in_(ids)).order_by(LedgerEntry.id)).scalars())


def posted_entries(session: Session, allocation_id: int) -> list[LedgerEntry]:
    """The ledger entries one posted portion wrote, in the order they were written."""
    return list(session.execute(select(LedgerEntry).where(
        LedgerEntry.allocation_id == allocation_id).order_by(LedgerEntry.id)).scalars())
