"""Costs, their allocation to members, payments and the append-only ledger."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import Member, Organisation
from .spaces import Space
from .types import UTCDateTime, utcnow

CATEGORIES = ("rent", "energy", "insurance", "renovation", "equipment", "other")
METHODS = ("usage", "equal", "shares", "mixed")
ENTRY_KINDS = ("allocation", "fee", "overage", "payment", "contribution", "adjustment",
               "reversal")
PAYMENT_METHODS = ("transfer", "cash", "card", "other")


class Expense(db.Model):
    """A cost to share among members; spread over N months it becomes N monthly portions."""

    __tablename__ = "expenses"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint("period_end >= period_start", name="period_in_order"),
        CheckConstraint("method IN ('usage', 'equal', 'shares', 'mixed')", name="method_known"),
        CheckConstraint("mixed_percent BETWEEN 0 AND 100", name="mixed_percent_range"),
        CheckConstraint("mixed_base IN ('shares', 'equal')", name="mixed_base_known"),
        CheckConstraint("spread_months BETWEEN 1 AND 240", name="spread_range"),
        CheckConstraint("category IN ('rent', 'energy', 'insurance', 'renovation', 'equipment', "
                        "'other')", name="category_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(16))
    amount_cents: Mapped[int] = mapped_column(Integer)
    spent_on: Mapped[date] = mapped_column(Date)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    space_id: Mapped[int | None] = mapped_column(ForeignKey("spaces.id"))
    method: Mapped[str] = mapped_column(String(8), default="usage")
    mixed_percent: Mapped[int] = mapped_column(Integer, default=0)
    mixed_base: Mapped[str] = mapped_column(String(8), default="shares")
    spread_months: Mapped[int] = mapped_column(Integer, default=1)
    advanced_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    # The invoice, stored under instance/attachments/ with a random name.
    attachment_name: Mapped[str | None] = mapped_column(String(200))
    attachment_file: Mapped[str | None] = mapped_column(String(80))
    attachment_type: Mapped[str | None] = mapped_column(String(40))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    space: Mapped[Space | None] = relationship()
    advanced_by: Mapped[Member | None] = relationship(foreign_keys=[advanced_by_id])
    allocations: Mapped[list[Allocation]] = relationship(back_populates="expense",
                                                         order_by="Allocation.portion")


class ExpenseParticipant(db.Model):
    """A member co-managers say takes part in the equal share of one expense.

    No row for an expense: the default (active members with a plan, admins aside)."""

    __tablename__ = "expense_participants"
    __table_args__ = (UniqueConstraint("expense_id", "member_id",
                                       name="uq_expense_participants_expense_member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    expense_id: Mapped[int] = mapped_column(ForeignKey("expenses.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))


class Allocation(db.Model):
    """One posted portion of an expense: the unique key makes posting twice impossible."""

    __tablename__ = "allocations"
    __table_args__ = (UniqueConstraint("expense_id", "portion", name="uq_allocations_portion"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    expense_id: Mapped[int] = mapped_column(ForeignKey("expenses.id"))
    portion: Mapped[int] = mapped_column(Integer)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(Integer)
    posted_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    expense: Mapped[Expense] = relationship(back_populates="allocations")


class ChargeRun(db.Model):
    """Plan fees and quota overage of one month, posted once."""

    __tablename__ = "charge_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date, unique=True)
    posted_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Payment(db.Model):
    """Money received from a member: recorded by a co-manager, or declared and then confirmed."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint("status IN ('declared', 'confirmed', 'rejected')", name="status_known"),
        CheckConstraint("method IN ('transfer', 'cash', 'card', 'other')", name="method_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(Integer)
    paid_on: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(16), default="transfer")
    reference: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[str] = mapped_column(String(16), default="declared")
    declared_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member] = relationship(foreign_keys=[member_id])


class Deposit(db.Model):
    """A guarantee (a key deposit): kept apart, it never pays charges."""

    __tablename__ = "deposits"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(Integer)
    received_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(200))
    returned_on: Mapped[date | None] = mapped_column(Date)

    member: Mapped[Member] = relationship()


class ClosedMonth(db.Model):
    """A month whose books are closed: nothing more is posted with a date in it."""

    __tablename__ = "closed_months"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date, unique=True)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LedgerEntry(db.Model):
    """One line of an account: + is owed to the collective, - is paid or credited.

    Append-only: nothing updates or deletes an entry (the ORM refuses, and database triggers
    refuse too); a correction is a reversal entry linked to the original, plus new entries.
    """

    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint("(member_id IS NULL) <> (organisation_id IS NULL)", name="one_account"),
        CheckConstraint("kind IN ('allocation', 'fee', 'overage', 'payment', 'contribution', "
                        "'adjustment', 'reversal')", name="kind_known"),
        CheckConstraint("amount_cents <> 0", name="amount_not_zero"),
        Index("ix_ledger_entries_member_date", "member_id", "entry_date"),
        Index("ix_ledger_entries_organisation_date", "organisation_id", "entry_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    amount_cents: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    entry_date: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(300))
    basis: Mapped[str] = mapped_column(Text, default="")
    # For usage allocations: the member's weighted minutes that justify the share.
    basis_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    allocation_id: Mapped[int | None] = mapped_column(ForeignKey("allocations.id"), index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))
    charge_run_id: Mapped[int | None] = mapped_column(ForeignKey("charge_runs.id"))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"), unique=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member | None] = relationship(foreign_keys=[member_id])
    organisation: Mapped[Organisation | None] = relationship()
    allocation: Mapped[Allocation | None] = relationship()


class AppendOnlyError(RuntimeError):
    pass


@event.listens_for(LedgerEntry, "before_update")
def _refuse_update(mapper, connection, target):
    raise AppendOnlyError("ledger entries are never updated: post a reversal instead")


@event.listens_for(LedgerEntry, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise AppendOnlyError("ledger entries are never deleted: post a reversal instead")


__all__ = ["CATEGORIES", "ENTRY_KINDS", "METHODS", "PAYMENT_METHODS", "Allocation",
           "AppendOnlyError", "ChargeRun", "ClosedMonth", "Deposit", "Expense", "LedgerEntry",
           "Payment"]
