"""What the bank area tells members, through the notification outbox: a transfer found on a
statement and counted as their payment, and a reminder of what they owe with how to pay."""
from __future__ import annotations

from datetime import date

from ...models import Member, Payment
from ..notifications import notify, notify_many
from .instructions import PaymentInstructions


def notify_payments_matched(session, matched: list[tuple[Payment, Member]]) -> None:
    """Each payer is told their transfer arrived (one batched write for a whole statement)."""
    notify_many(session, "payment_matched", [
        (payer, {"amount_cents": payment.amount_cents, "paid_on": payment.paid_on.isoformat(),
                 "reference": payment.reference}) for payment, payer in matched],
        link="/ledger/statement")


def notify_payment_reminder(session, member: Member, pay: PaymentInstructions, *,
                            today: date, days: int) -> bool:
    """The account owes more than the threshold for too long: the payment details, once per
    `days`-long window (running the command again the same week sends nothing twice)."""
    return notify(session, member, "payment_reminder", link="/ledger/statement",
                  dedupe_key=f"payment_reminder:{member.id}:{days}:"
                             f"{today.toordinal() // max(days, 1)}",
                  amount_cents=pay.amount_due_cents, beneficiary=pay.beneficiary,
                  iban=pay.iban_display, bic=pay.bic,
                  communication=pay.structured_communication)
