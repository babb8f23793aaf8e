"""Guarantees such as a key deposit: held apart from the ledger, so they never pay charges."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ...models import Deposit, Member
from ..accounts import record_audit
from .accounts import positive_cents
from .errors import LedgerError


def record_deposit(session: Session, *, member_id: int, amount_cents: int, received_on: date,
                   description: str, actor: Member) -> Deposit:
    positive_cents(amount_cents)
    if session.get(Member, member_id) is None:
        raise LedgerError(_l("This member does not exist: choose one from the list."))
    deposit = Deposit(member_id=member_id, amount_cents=amount_cents, received_on=received_on,
                      description=description.strip())
    session.add(deposit)
    session.flush()
    record_audit(session, actor, "deposit.create", "deposit", deposit.id, str(amount_cents))
    return deposit


def return_deposit(session: Session, deposit: Deposit, *, day: date, actor: Member) -> bool:
    """Mark the deposit as given back; False (and nothing written) when it already was."""
    if deposit.returned_on is not None:
        return False
    deposit.returned_on = day
    session.flush()
    record_audit(session, actor, "deposit.return", "deposit", deposit.id, day.isoformat())
    return True


@dataclass(frozen=True)
class DepositsHeld:
    deposits: list[Deposit]
    held_cents: int


def deposits_held(session: Session) -> DepositsHeld:
    """Every deposit (those still held first, newest first) and the total still held."""
    listing = list(session.execute(select(Deposit).options(joinedload(Deposit.member))
                                   .order_by(Deposit.returned_on.is_not(None),
                                             Deposit.received_on.desc())).scalars())
    return DepositsHeld(listing, sum(d.amount_cents for d in listing if d.returned_on is None))
