"""How a member pays: what is due on the account that pays their charges, where to send it,
with which communication; and which accounts are owed for too long (reminders)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...models import LedgerEntry, Member, Organisation, Settings
from ..ledger import account_of
from .communications import communication_for, formatted
from .epc_qr import TransferDetails


@dataclass(frozen=True)
class PaymentInstructions:
    amount_due_cents: int
    iban: str
    bic: str
    beneficiary: str
    communication: str  # twelve digits
    member_id: int | None
    organisation_id: int | None

    @property
    def structured_communication(self) -> str:
        return formatted(self.communication)

    @property
    def iban_display(self) -> str:
        return " ".join(self.iban[i:i + 4] for i in range(0, len(self.iban), 4))

    @property
    def can_pay(self) -> bool:
        """A QR code needs the cooperative's account; settings may not have it yet."""
        return bool(self.iban and self.beneficiary)

    def transfer(self) -> TransferDetails:
        return TransferDetails(beneficiary=self.beneficiary, iban=self.iban, bic=self.bic,
                               amount_cents=max(self.amount_due_cents, 0),
                               remittance=self.structured_communication)


def account_balance(session: Session, member_id: int | None, organisation_id: int | None
                    ) -> int:
    column = (LedgerEntry.member_id if member_id is not None else LedgerEntry.organisation_id)
    return int(session.execute(select(func.coalesce(func.sum(LedgerEntry.amount_cents), 0))
                               .where(column == (member_id or organisation_id))).scalar())


def payment_instructions(session: Session, settings: Settings, *,
                         member: Member | None = None,
                         organisation: Organisation | None = None) -> PaymentInstructions:
    """For a member, the account their charges go to (their organisation's when it pays)."""
    if member is not None:
        member_id, organisation_id = account_of(member)
        if organisation_id is not None:
            organisation, member = member.organisation, None
    else:
        member_id, organisation_id = None, organisation.id
    row = communication_for(session, member=member, organisation=organisation)
    return PaymentInstructions(
        amount_due_cents=max(account_balance(session, member_id, organisation_id), 0),
        iban=settings.bank_iban or "", bic=settings.bank_bic or "",
        beneficiary=settings.bank_account_holder or settings.name or "",
        communication=row.digits, member_id=member_id, organisation_id=organisation_id)


def _owing(column, *, threshold_cents: int, since: date):
    """(account id, due) of the accounts, by `column`, that owed more than the threshold on
    `since` and still do: two sums in SQL, the balance today and the balance then."""
    owed_now = (select(column.label("account_id"),
                       func.sum(LedgerEntry.amount_cents).label("due"))
                .where(column.is_not(None)).group_by(column)
                .having(func.sum(LedgerEntry.amount_cents) > threshold_cents).subquery())
    owed_before = (select(column).where(LedgerEntry.entry_date <= since, column.is_not(None))
                   .group_by(column)
                   .having(func.sum(LedgerEntry.amount_cents) > threshold_cents)
                   .scalar_subquery())
    return (select(owed_now.c.account_id, owed_now.c.due)
            .where(owed_now.c.account_id.in_(owed_before)).subquery())


def members_to_remind(session: Session, *, threshold_cents: int, days: int, today: date
                      ) -> list[tuple[Member, int]]:
    """Members whose account owed more than the threshold `days` ago and still does, with
    what it owes: their own account, or the one of their organisation when it pays for its
    members (then each of its active members is reminded of the organisation's amount)."""
    since = today - timedelta(days=days)
    members = _owing(LedgerEntry.member_id, threshold_cents=threshold_cents, since=since)
    organisations = _owing(LedgerEntry.organisation_id, threshold_cents=threshold_cents,
                           since=since)
    rows = session.execute(
        select(Member, members.c.due).join(members, members.c.account_id == Member.id)
        .where(Member.active.is_(True))).all()
    rows += session.execute(
        select(Member, organisations.c.due)
        .join(organisations, organisations.c.account_id == Member.organisation_id)
        .join(Organisation, Organisation.id == Member.organisation_id)
        .where(Member.active.is_(True), Organisation.pays_for_members.is_(True))).all()
    return sorted(((member, int(due)) for member, due in rows),
                  key=lambda pair: (pair[0].name, pair[0].id))
