"""Bank transfers: each account's structured communication, imported statements and their
lines, and the CSV column mappings saved per bank."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import Member, Organisation
from .ledger import Expense, Payment
from .types import UTCDateTime, utcnow

LINE_STATUSES = ("matched", "queued", "debit", "ignored", "expense", "returned")
MATCHED_BY = ("communication", "iban", "proposal", "manual", "split")


class AccountCommunication(db.Model):
    """The permanent Belgian structured communication of one account (member or organisation).

    Generated the first time it is needed and never changed, so a standing order keeps working.
    """

    __tablename__ = "account_communications"
    __table_args__ = (
        CheckConstraint("(member_id IS NULL) <> (organisation_id IS NULL)",
                        name="one_account"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), unique=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"),
                                                        unique=True)
    # The twelve digits, check digits included: 090933755493 for +++090/9337/55493+++.
    digits: Mapped[str] = mapped_column(String(12), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()


class BankStatement(db.Model):
    """One imported statement (a file may hold several)."""

    __tablename__ = "bank_statements"
    __table_args__ = (CheckConstraint("format IN ('camt053', 'csv')", name="format_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    format: Mapped[str] = mapped_column(String(8))
    reference: Mapped[str] = mapped_column(String(140), default="")
    account_iban: Mapped[str] = mapped_column(String(34), default="")
    from_date: Mapped[date | None] = mapped_column(Date)
    to_date: Mapped[date | None] = mapped_column(Date)
    file_name: Mapped[str] = mapped_column(String(200), default="")
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BankLine(db.Model):
    """One movement on the cooperative's account: + money in, - money out.

    `dedup_key` is the bank's reference, or a hash of date, amount, counterparty and
    communication: importing a statement twice finds it and creates nothing.
    """

    __tablename__ = "bank_lines"
    __table_args__ = (
        CheckConstraint("amount_cents <> 0", name="amount_not_zero"),
        CheckConstraint("status IN ('matched', 'queued', 'debit', 'ignored', 'expense', "
                        "'returned')", name="status_known"),
        CheckConstraint("NOT (member_id IS NOT NULL AND organisation_id IS NOT NULL)",
                        name="at_most_one_account"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("bank_statements.id"), index=True)
    dedup_key: Mapped[str] = mapped_column(String(200), unique=True)
    bank_reference: Mapped[str] = mapped_column(String(140), default="", index=True)
    booked_on: Mapped[date] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(Integer)
    counterparty_name: Mapped[str] = mapped_column(String(140), default="")
    counterparty_iban: Mapped[str] = mapped_column(String(34), default="", index=True)
    communication: Mapped[str] = mapped_column(Text, default="")
    # The structured communication found in the line (twelve digits), valid check digits only.
    structured: Mapped[str | None] = mapped_column(String(12))
    reversal: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(8), index=True)
    matched_by: Mapped[str | None] = mapped_column(String(16))
    # The account paid (matched lines), or the one proposed for a co-manager to confirm.
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"),
                                                        index=True)
    proposed_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    proposed_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id"))
    expense_id: Mapped[int | None] = mapped_column(ForeignKey("expenses.id"))
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    statement: Mapped[BankStatement] = relationship()
    member: Mapped[Member | None] = relationship(foreign_keys=[member_id])
    organisation: Mapped[Organisation | None] = relationship(foreign_keys=[organisation_id])
    proposed_member: Mapped[Member | None] = relationship(foreign_keys=[proposed_member_id])
    proposed_organisation: Mapped[Organisation | None] = relationship(
        foreign_keys=[proposed_organisation_id])
    expense: Mapped[Expense | None] = relationship()
    payments: Mapped[list[BankLinePayment]] = relationship(back_populates="line")


class BankLinePayment(db.Model):
    """A payment in the ledger and the statement line it came from (several when split)."""

    __tablename__ = "bank_line_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("bank_lines.id"), index=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), unique=True)

    line: Mapped[BankLine] = relationship(back_populates="payments")
    payment: Mapped[Payment] = relationship()


class CsvMapping(db.Model):
    """Which CSV column holds what, saved per bank so the next export imports in one step."""

    __tablename__ = "bank_csv_mappings"

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_name: Mapped[str] = mapped_column(String(80), unique=True)
    delimiter: Mapped[str] = mapped_column(String(1), default=";")
    date_column: Mapped[str] = mapped_column(String(80))
    date_format: Mapped[str] = mapped_column(String(20), default="%d/%m/%Y")
    # Either one signed amount column, or a debit and a credit column (ING, Belfius): the
    # amount column is then "".
    amount_column: Mapped[str] = mapped_column(String(80))
    debit_column: Mapped[str] = mapped_column(String(80), default="", server_default="")
    credit_column: Mapped[str] = mapped_column(String(80), default="", server_default="")
    decimal_comma: Mapped[bool] = mapped_column(Boolean, default=True)
    name_column: Mapped[str] = mapped_column(String(80), default="")
    iban_column: Mapped[str] = mapped_column(String(80), default="")
    communication_column: Mapped[str] = mapped_column(String(80), default="")
    reference_column: Mapped[str] = mapped_column(String(80), default="")


__all__ = ["LINE_STATUSES", "MATCHED_BY", "AccountCommunication", "BankLine",
           "BankLinePayment", "BankStatement", "CsvMapping"]
