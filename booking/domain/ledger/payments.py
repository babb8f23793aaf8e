"""Money received: payments recorded or declared, confirmed or rejected, and volunteer work
credited at the cooperative's rate."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, joinedload

from ...models import AuditEvent, LedgerEntry, Member, Payment
from ...models.ledger import PAYMENT_METHODS
from ..accounts import record_audit
from ..notifications import events as notices
from .accounts import (
    account_of,
    closed_month_starts,
    positive_cents,
    posting_date,
    refuse_if_closed,
)
from .errors import LedgerError


def _known_payment_method(method: str) -> None:
    if method not in PAYMENT_METHODS:
        raise LedgerError(_l("Choose how it was paid from the list."))


def _new_payment(session: Session, member: Member, amount_cents: int, paid_on: date,
                 method: str, reference: str, declared_by: Member) -> Payment:
    positive_cents(amount_cents)
    _known_payment_method(method)
    payment = Payment(member_id=member.id, amount_cents=amount_cents, paid_on=paid_on,
                      method=method, reference=reference.strip(), status="declared",
                      declared_by_id=declared_by.id)
    session.add(payment)
    session.flush()
    return payment


def record_payment(session: Session, *, member: Member, amount_cents: int, paid_on: date,
                   method: str, reference: str, actor: Member) -> Payment:
    """A co-manager records money received: it counts at once."""
    payment = _new_payment(session, member, amount_cents, paid_on, method, reference, actor)
    _count_payment(session, payment, actor)
    notices.payment_counted(session, payment, member, actor, recorded=True)
    return payment


@dataclass(frozen=True)
class Transfer:
    """Money received by bank transfer, for the account `payer`'s charges go to."""

    payer: Member
    amount_cents: int
    paid_on: date
    reference: str


def _insert_payments(session: Session, rows: list[dict]) -> list[Payment]:
    """The payments of `rows`, in their order, written in one INSERT ... RETURNING.

    SQLite does not promise the order of RETURNING rows (asking SQLAlchemy for it costs one
    INSERT a row), so each row gets back a payment of the same content: two payments alike in
    every column are interchangeable.
    """
    if not rows:
        return []
    created: dict[tuple, list[Payment]] = {}
    for payment in sorted(session.scalars(insert(Payment).returning(Payment), rows),
                          key=lambda p: p.id, reverse=True):
        created.setdefault((payment.member_id, payment.amount_cents, payment.paid_on,
                            payment.reference), []).append(payment)
    return [created[(row["member_id"], row["amount_cents"], row["paid_on"],
                     row["reference"])].pop() for row in rows]


def record_transfers(session: Session, transfers: list[Transfer], *, actor: Member
                     ) -> list[Payment]:
    """Many transfers counted at once (a bank statement): the rows record_payment writes for
    each, in a few batched INSERTs whatever their number. Nobody is notified here: the caller
    says how the money was found. A transfer dated in a closed month (a statement imported
    late) keeps its date and is counted on the first day of the first open month."""
    closed = closed_month_starts(session)
    for transfer in transfers:
        positive_cents(transfer.amount_cents)
    payments = _insert_payments(session, [
        {"member_id": t.payer.id, "amount_cents": t.amount_cents, "paid_on": t.paid_on,
         "method": "transfer", "reference": t.reference.strip(), "status": "confirmed",
         "declared_by_id": actor.id, "confirmed_by_id": actor.id} for t in transfers])
    entries, audits = [], []
    for transfer, payment in zip(transfers, payments, strict=True):
        member_id, organisation_id = account_of(transfer.payer)
        day = posting_date(session, payment.paid_on, closed)
        description = (_l("Payment of %(day)s (month closed) %(reference)s",
                          day=format_date(payment.paid_on), reference=payment.reference or "")
                       if day != payment.paid_on else
                       _l("Payment %(reference)s", reference=payment.reference or ""))
        entries.append({
            "member_id": member_id, "organisation_id": organisation_id,
            "amount_cents": -payment.amount_cents, "kind": "payment",
            "entry_date": day, "basis": "", "reason": "",
            "description": str(description).strip()[:300],
            "payment_id": payment.id, "author_id": actor.id})
        audits.append({"actor_id": actor.id, "action": "payment.confirm",
                       "object_type": "payment", "object_id": payment.id,
                       "detail": str(payment.amount_cents)})
    if payments:  # no id is needed back: one executemany each
        session.execute(insert(LedgerEntry), entries)
        session.execute(insert(AuditEvent), audits)
    return payments


def declare_payment(session: Session, *, member: Member, amount_cents: int, paid_on: date,
                    method: str, reference: str) -> Payment:
    """A member says they paid; it counts once a co-manager confirms."""
    return _new_payment(session, member, amount_cents, paid_on, method, reference, member)


def _refuse_if_handled(payment: Payment) -> None:
    if payment.status != "declared":
        raise LedgerError(_l("This payment was already handled."))


def confirm_payment(session: Session, payment: Payment, *, actor: Member) -> None:
    """A declared payment counts from now on; the member is told."""
    member = _count_payment(session, payment, actor)
    notices.payment_counted(session, payment, member, actor, recorded=False)


def _count_payment(session: Session, payment: Payment, actor: Member) -> Member:
    """The payment counts: one ledger line credits the account it was made for."""
    _refuse_if_handled(payment)
    refuse_if_closed(session, payment.paid_on)
    member = session.get(Member, payment.member_id)
    member_id, organisation_id = account_of(member)
    payment.status, payment.confirmed_by_id = "confirmed", actor.id
    session.add(LedgerEntry(
        member_id=member_id, organisation_id=organisation_id,
        amount_cents=-payment.amount_cents, kind="payment", entry_date=payment.paid_on,
        description=str(_l("Payment %(reference)s", reference=payment.reference or "")).strip(),
        payment_id=payment.id, author_id=actor.id))
    session.flush()
    record_audit(session, actor, "payment.confirm", "payment", payment.id,
                 str(payment.amount_cents))
    return member


def reject_payment(session: Session, payment: Payment, *, actor: Member) -> None:
    """A declared payment that never arrived: kept, marked rejected, the balance untouched."""
    _refuse_if_handled(payment)
    payment.status = "rejected"
    session.flush()
    record_audit(session, actor, "payment.reject", "payment", payment.id,
                 str(payment.amount_cents))


def pending_payments(session: Session) -> list[Payment]:
    """Payments members declared that no co-manager has handled yet, oldest first."""
    return list(session.execute(select(Payment).options(joinedload(Payment.member)).where(
        Payment.status == "declared").order_by(Payment.paid_on)).scalars())


def record_contribution(session: Session, *, member: Member, minutes: int, day: date,
                        description: str, rate_cents: int, actor: Member) -> LedgerEntry:
    """Volunteer hours credited against the member's charges at the cooperative's rate."""
    if minutes <= 0:
        raise LedgerError(_l("Give a number of hours above zero."))
    refuse_if_closed(session, day)
    credit = round(Fraction(minutes * rate_cents, 60))
    member_id, organisation_id = account_of(member)
    entry = LedgerEntry(member_id=member_id, organisation_id=organisation_id,
                        amount_cents=-credit, kind="contribution", entry_date=day,
                        description=description.strip(),
                        basis=json.dumps({"method": "contribution", "minutes": minutes,
                                          "rate_cents": rate_cents}),
                        basis_member_id=member.id, author_id=actor.id)
    session.add(entry)
    session.flush()
    record_audit(session, actor, "contribution.credit", "ledger_entry", entry.id,
                 str(minutes))
    return entry
