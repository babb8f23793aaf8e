"""What happens to a statement line: a credit becomes payments in the ledger, a returned
transfer reverses its payment, a debit becomes an expense to share; what no rule settles waits
in the queue for a co-manager to assign, split, or mark as not ours."""
from __future__ import annotations

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, insert, or_, select
from sqlalchemy.orm import Session, joinedload

from ...models import BankLine, BankLinePayment, LedgerEntry, Member, Organisation, Payment
from ..accounts import record_audit
from ..errors import DomainError
from ..ledger import Transfer, create_expense, posting_date, record_transfers
from ..periods import month_end, month_start
from .communications import formatted
from .matching import Account, MatchContext
from .notices import notify_payments_matched


class LineNotOpen(DomainError):
    """The line was already settled (matched, ignored, turned into an expense)."""


def payment_reference(line: BankLine) -> str:
    text = formatted(line.structured) if line.structured else line.communication
    return (text or line.bank_reference or line.counterparty_name)[:120]


def _payer(session: Session, ctx: MatchContext | None, account: Account) -> Member:
    if ctx is not None and account in ctx.candidates:
        return ctx.candidates[account].payer
    member_id, organisation_id = account
    if member_id is not None:
        member = session.get(Member, member_id)
    else:
        member = session.execute(select(Member).where(
            Member.organisation_id == organisation_id).order_by(Member.id).limit(1)
        ).scalar_one_or_none()
    if member is None:
        raise DomainError(_l("This account has no member to record the payment for."))
    return member


def pay_from_line(session: Session, line: BankLine, parts: list[tuple[Account, int]], *,
                  matched_by: str, actor: Member, ctx: MatchContext | None = None
                  ) -> list[Payment]:
    """Record one payment per part, each linked to the line it came from, and tell each payer.

    A closed month raises MonthClosed from the ledger before anything is written.
    """
    payers = [_payer(session, ctx, account) for account, _cents in parts]
    payments = record_transfers(session, [
        Transfer(payer=payer, amount_cents=cents, paid_on=line.booked_on,
                 reference=payment_reference(line))
        for payer, (_account_key, cents) in zip(payers, parts, strict=True)], actor=actor)
    session.execute(insert(BankLinePayment),
                    [{"line_id": line.id, "payment_id": p.id} for p in payments])
    single = parts[0][0] if len(parts) == 1 else (None, None)
    line.member_id, line.organisation_id = single
    line.proposed_member_id = line.proposed_organisation_id = None
    line.status, line.matched_by, line.handled_by_id = "matched", matched_by, actor.id
    session.flush()
    notify_payments_matched(session, list(zip(payments, payers, strict=True)))
    return payments


def _not_given_back():
    """Credit lines none of whose payments was reversed yet (a payment is returned once)."""
    return ~exists(select(LedgerEntry.id).join(
        BankLinePayment, BankLinePayment.payment_id == LedgerEntry.payment_id).where(
        BankLinePayment.line_id == BankLine.id, LedgerEntry.kind == "reversal"))


def _returnable():
    """What a returned transfer may give back: a credit paid or still waiting."""
    return (BankLine.amount_cents > 0, BankLine.status.in_(("matched", "queued")),
            BankLine.reversal.is_(False), _not_given_back())


def reverse_returned_transfer(session: Session, line: BankLine, original_reference: str,
                              actor: Member) -> bool:
    """A transfer the bank returned, found by the reference of the transfer it gives back.

    False when that transfer is not found: the line then waits in the queue for a person.
    """
    if not original_reference:
        return False
    original = session.execute(
        select(BankLine).where(BankLine.id != line.id, *_returnable(),
                               or_(BankLine.bank_reference == original_reference,
                                   BankLine.bank_reference.like(f"%/{original_reference}")))
        .order_by(BankLine.id.desc()).limit(1)).scalar_one_or_none()
    if original is None:
        return False
    _give_back(session, line, original, actor)
    return True


def return_candidates(session: Session, returns: list[BankLine]
                      ) -> dict[int, list[BankLine]]:
    """For each waiting return, the credits of its amount, received by then, that it may give
    back (one query for the whole queue)."""
    amounts = {-line.amount_cents for line in returns}
    if not amounts:
        return {}
    credits = list(session.execute(
        select(BankLine).where(BankLine.amount_cents.in_(amounts), *_returnable())
        .order_by(BankLine.booked_on.desc(), BankLine.id.desc())).scalars())
    return {line.id: [c for c in credits if c.amount_cents == -line.amount_cents
                      and c.booked_on <= line.booked_on] for line in returns}


def is_waiting_return(line: BankLine) -> bool:
    return line.status == "queued" and line.amount_cents < 0


def give_back(session: Session, line: BankLine, original_id: int, *, actor: Member) -> None:
    """A co-manager says which transfer a waiting return gives back."""
    if not is_waiting_return(line):
        raise LineNotOpen(_l("This bank line was already handled."))
    original = next((c for c in return_candidates(session, [line])[line.id]
                     if c.id == original_id), None)
    if original is None:
        raise DomainError(_l("Choose the transfer it gives back from the list."))
    _give_back(session, line, original, actor)


def _give_back(session: Session, line: BankLine, original: BankLine, actor: Member) -> None:
    """The money of `original` went back: its payments' ledger lines are reversed
    (append-only); a credit nobody was paid for yet leaves the queue with its return."""
    entries = session.execute(select(LedgerEntry).where(
        LedgerEntry.payment_id.in_(select(BankLinePayment.payment_id).where(
            BankLinePayment.line_id == original.id)),
        LedgerEntry.kind == "payment")).scalars().all()
    # The return is dated when the bank booked it; in a closed month, in the first open one.
    day = posting_date(session, line.booked_on)
    description = (_l("Transfer of %(day)s returned by the bank (month closed)",
                      day=format_date(line.booked_on)) if day != line.booked_on
                   else _l("Transfer returned by the bank"))
    for entry in entries:
        session.add(LedgerEntry(
            member_id=entry.member_id, organisation_id=entry.organisation_id,
            amount_cents=-entry.amount_cents, kind="reversal", entry_date=day,
            description=str(description), reverses_id=entry.id,
            payment_id=entry.payment_id, author_id=actor.id,
            reason=original.bank_reference))
    if original.status == "queued":
        original.status, original.handled_by_id = "returned", actor.id
        original.proposed_member_id = original.proposed_organisation_id = None
    line.status, line.handled_by_id = "returned", actor.id
    line.member_id, line.organisation_id = original.member_id, original.organisation_id
    session.flush()
    record_audit(session, actor, "bank.return", "bank_line", line.id, str(original.id))


def _open_credit(line: BankLine) -> None:
    """A credit still in the queue; a waiting return is nobody's payment (say so)."""
    if is_waiting_return(line):
        raise LineNotOpen(_l("This line is money the bank gave back, nobody's payment: say "
                             "which transfer it returns (give-back), or mark it not ours "
                             "(ignore)."))
    if line.status != "queued" or line.amount_cents <= 0:
        raise LineNotOpen(_l("This bank line was already handled."))


def _account(member_id: int | None, organisation_id: int | None) -> Account:
    if (member_id is None) == (organisation_id is None):
        raise DomainError(_l("Choose one account from the list."))
    return member_id, organisation_id


def _payable(session: Session, account: Account) -> Account:
    """An account a payment can be recorded on: a member, or an organisation that pays for
    its members (any other organisation has no account of its own in the ledger)."""
    member_id, organisation_id = account
    if member_id is not None and session.get(Member, member_id) is None:
        raise DomainError(_l("Choose one account from the list."))
    if organisation_id is not None:
        organisation = session.get(Organisation, organisation_id)
        if organisation is None:
            raise DomainError(_l("Choose one account from the list."))
        if not organisation.pays_for_members:
            raise DomainError(_l("%(name)s does not pay for its members: assign the transfer "
                                 "to the member who paid.", name=organisation.name))
    return account


def assign_line(session: Session, line: BankLine, *, actor: Member,
                member_id: int | None = None, organisation_id: int | None = None
                ) -> list[Payment]:
    """A co-manager says whose payment a queued credit is (or confirms the proposal)."""
    _open_credit(line)
    account = _payable(session, _account(member_id, organisation_id))
    proposed = account == (line.proposed_member_id, line.proposed_organisation_id)
    payments = pay_from_line(session, line, [(account, line.amount_cents)],
                             matched_by="proposal" if proposed else "manual", actor=actor)
    record_audit(session, actor, "bank.assign", "bank_line", line.id,
                 f"{member_id or ''}/{organisation_id or ''}")
    return payments


def split_line(session: Session, line: BankLine, parts: list[tuple[Account, int]], *,
               actor: Member) -> list[Payment]:
    """One transfer paying for several accounts: the parts must add up to it, to the cent."""
    _open_credit(line)
    parts = [(_payable(session, _account(*account)), cents) for account, cents in parts
             if cents]
    if len(parts) < 2 or any(cents <= 0 for _account_key, cents in parts):
        raise DomainError(_l("Split the amount over at least two accounts, each above zero."))
    if sum(cents for _account_key, cents in parts) != line.amount_cents:
        raise DomainError(_l("The parts must add up to the amount of the transfer."))
    payments = pay_from_line(session, line, parts, matched_by="split", actor=actor)
    record_audit(session, actor, "bank.split", "bank_line", line.id, str(len(parts)))
    return payments


def mark_not_ours(session: Session, line: BankLine, *, actor: Member) -> None:
    """Money that concerns no account (a refund, a gift, a bank fee): kept, out of the queue."""
    if line.status not in ("queued", "debit"):
        raise LineNotOpen(_l("This bank line was already handled."))
    line.status, line.handled_by_id = "ignored", actor.id
    session.flush()
    record_audit(session, actor, "bank.ignore", "bank_line", line.id)


def debit_to_expense(session: Session, line: BankLine, *, actor: Member, label: str,
                     category: str, method: str):
    """The cooperative's own spending becomes an expense to share, over the line's month."""
    if line.status != "debit" or line.reversal:  # money given back is nobody's spending
        raise LineNotOpen(_l("This bank line was already handled."))
    expense = create_expense(session, actor=actor, label=label, category=category,
                             amount_cents=-line.amount_cents, spent_on=line.booked_on,
                             period_start=month_start(line.booked_on),
                             period_end=month_end(line.booked_on), method=method)
    line.status, line.expense_id, line.handled_by_id = "expense", expense.id, actor.id
    session.flush()
    record_audit(session, actor, "bank.expense", "bank_line", line.id, str(expense.id))
    return expense


def lines_waiting(session: Session, status: str = "queued", limit: int = 500
                  ) -> list[BankLine]:
    """Lines of one status, oldest first, with the accounts a page shows (one query)."""
    return list(session.execute(
        select(BankLine).options(joinedload(BankLine.proposed_member),
                                 joinedload(BankLine.proposed_organisation),
                                 joinedload(BankLine.member), joinedload(BankLine.organisation))
        .where(BankLine.status == status).order_by(BankLine.booked_on, BankLine.id)
        .limit(limit)).scalars())
