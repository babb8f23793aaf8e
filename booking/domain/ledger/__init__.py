"""Sharing costs to the cent, and the ledger that remembers it.

Amounts are integer cents. Every split uses the largest-remainder method, so the parts add up
to the whole; ties go to the larger weight, then to the smaller account id (stable, documented).
Entries are only ever added: a correction reverses the original entries and posts new ones.

One module per job; every name is importable from here (`from booking.domain import ledger`).
"""
from __future__ import annotations

from .accounts import (
    MAX_AMOUNT_CENTS,
    account_of,
    active_members,
    closed_month_starts,
    is_closed,
    local_bounds,
    posting_date,
    refuse_if_closed,
    shares_of,
)
from .allocation import AllocationLine, correct_allocation, post_allocation, preview_allocation
from .charges import close_month, closed_months, post_monthly_charges
from .cost_fairness import FairnessRow, cost_shares, fairness
from .deposits import DepositsHeld, deposits_held, record_deposit, return_deposit
from .errors import AlreadyAllocated, LedgerError, MonthClosed, NoBasisToShare
from .expenses import (
    MIXED_BASES,
    allocation_entries,
    create_expense,
    expense_with_allocations,
    expenses_listing,
    portions,
    posted_entries,
)
from .participants import (
    Participation,
    choose_participants,
    chosen_participant_ids,
    equal_share_members,
    participations,
    takes_part_by_default,
    uses_equal_share,
)
from .payments import (
    Transfer,
    confirm_payment,
    declare_payment,
    pending_payments,
    record_contribution,
    record_payment,
    record_transfers,
    reject_payment,
)
from .splitting import split_largest_remainder
from .statements import (
    Balance,
    StatementLine,
    balances,
    entries_between,
    member_balance,
    settlement_plan,
    statement,
)

__all__ = [
    "MAX_AMOUNT_CENTS",
    "MIXED_BASES",
    "AllocationLine",
    "AlreadyAllocated",
    "Balance",
    "DepositsHeld",
    "FairnessRow",
    "LedgerError",
    "MonthClosed",
    "NoBasisToShare",
    "Participation",
    "StatementLine",
    "Transfer",
    "account_of",
    "active_members",
    "add_months",
    "allocation_entries",
    "balances",
    "close_month",
    "choose_participants",
    "chosen_participant_ids",
    "closed_month_starts",
    "closed_months",
    "confirm_payment",
    "correct_allocation",
    "cost_shares",
    "create_expense",
    "declare_payment",
    "deposits_held",
    "entries_between",
    "equal_share_members",
    "expense_with_allocations",
    "expenses_listing",
    "fairness",
    "is_closed",
    "local_bounds",
    "member_balance",
    "participations",
    "pending_payments",
    "portions",
    "posting_date",
    "post_allocation",
    "post_monthly_charges",
    "posted_entries",
    "preview_allocation",
    "record_contribution",
    "record_deposit",
    "record_payment",
    "record_transfers",
    "refuse_if_closed",
    "reject_payment",
    "return_deposit",
    "settlement_plan",
    "shares_of",
    "split_largest_remainder",
    "statement",
    "takes_part_by_default",
    "uses_equal_share",
]
