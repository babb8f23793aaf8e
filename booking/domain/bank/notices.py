"""Where the bank area tells a member something. The notification outbox (its own issue) is
not here yet: these hooks do nothing until it lands, then they write to it."""
from __future__ import annotations

from ...models import BankLine, Member, Payment


def notify_payment_matched(payment: Payment, line: BankLine) -> None:
    """A transfer from the bank statement was recorded as this member's payment."""


def notify_payment_reminder(member: Member, amount_due_cents: int) -> None:
    """The account owes more than the threshold for too long: send the payment details."""
