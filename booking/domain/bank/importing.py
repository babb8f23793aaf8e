"""Importing a statement file: each line stored once (by its dedup key), credits matched and
paid, returned transfers reversed, debits kept for the expenses, the rest queued (reversals
included: what the bank gives back or takes back is settled by a person)."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ...models import BankLine, BankLinePayment, BankStatement, CsvMapping, Member, Payment
from ..accounts import record_audit
from ..ledger import Transfer, closed_month_starts, record_transfers
from ..periods import month_start
from .camt import parse_camt053
from .csv_import import parse_csv
from .matching import Account, match_context, match_credit
from .notices import notify_payments_matched
from .parsed import ParsedLine, ParsedStatement, StatementUnreadable
from .reconciliation import payment_reference, reverse_returned_transfer

_CHUNK = 500  # keys per IN (...) query: well under every database's parameter limit


@dataclass(frozen=True)
class ImportedPayment:
    payment: Payment
    account: Account
    account_name: str
    matched_by: str


@dataclass
class ImportResult:
    lines: int = 0
    matched: int = 0
    queued: int = 0
    duplicates: int = 0
    returned: int = 0
    debits: int = 0
    pending: int = 0  # entries the bank has not booked yet, left for a later statement
    payments: list[ImportedPayment] = field(default_factory=list)


def read_statement_file(session: Session, content: bytes, fmt: str | None,
                        mapping_id: int | None = None) -> tuple[str, list[ParsedStatement]]:
    """(format, statements) of an uploaded file; the format is guessed when not given."""
    if fmt is None:
        fmt = "camt053" if content.lstrip()[:1] == b"<" or content[:3] == b"\xef\xbb\xbf<" \
            else "csv"
    if fmt == "camt053":
        return fmt, parse_camt053(content)
    if fmt != "csv":
        raise StatementUnreadable(_l("Choose CAMT.053 or CSV."))
    mapping = session.get(CsvMapping, mapping_id) if mapping_id else session.execute(
        select(CsvMapping).order_by(CsvMapping.id).limit(1)).scalar_one_or_none()
    if mapping is None:
        raise StatementUnreadable(_l("Save the CSV columns of your bank first."))
    return fmt, [parse_csv(content, mapping)]


def _known_keys(session: Session, keys: list[str]) -> set[str]:
    known: set[str] = set()
    for start in range(0, len(keys), _CHUNK):
        known.update(session.execute(select(BankLine.dedup_key).where(
            BankLine.dedup_key.in_(keys[start:start + _CHUNK]))).scalars())
    return known


def _known_unstructured(session: Session, lines: list[ParsedLine]) -> set[tuple[str, str]]:
    """(key, structured communication) of lines stored under the key without it, which
    earlier imports used: the same transfer imported again is recognised by both."""
    keys = [line.unstructured_key for line in lines]
    known: set[tuple[str, str]] = set()
    for start in range(0, len(keys), _CHUNK):
        known.update((key, structured) for key, structured in session.execute(
            select(BankLine.dedup_key, BankLine.structured).where(
                BankLine.dedup_key.in_(keys[start:start + _CHUNK]),
                BankLine.structured.is_not(None))))
    return known


def _new_lines(session: Session, statements: list[ParsedStatement], result: ImportResult
               ) -> list[tuple[ParsedStatement, list[ParsedLine]]]:
    keys = [line.dedup_key for s in statements for line in s.lines]
    seen = _known_keys(session, keys)
    earlier = _known_unstructured(session, [
        line for s in statements for line in s.lines
        if line.structured and not line.bank_reference])
    fresh = []
    for parsed in statements:
        lines = []
        for line in parsed.lines:
            result.lines += 1
            if line.dedup_key in seen or (
                    line.structured and (line.unstructured_key, line.structured) in earlier):
                result.duplicates += 1
                continue
            seen.add(line.dedup_key)
            lines.append(line)
        fresh.append((parsed, lines))
    return fresh


def import_statements(session: Session, statements: list[ParsedStatement], *, fmt: str,
                      file_name: str, actor: Member) -> ImportResult:
    """Store and settle every new line of the statements; lines seen before are counted as
    duplicates and left alone, so importing a file twice changes nothing.

    Everything a line needs is read first (known keys, communications, IBANs, accounts, closed
    months: a query each), every line is decided in memory, then the lines, payments, ledger
    entries and notifications are written in batched INSERTs (the lines and the payments: one
    INSERT ... RETURNING each): a statement of thousands of lines costs a few dozen
    statements, not several per line.
    """
    result = ImportResult(pending=sum(parsed.pending for parsed in statements))
    ctx = match_context(session)
    closed = closed_month_starts(session)
    stored = []
    for parsed, lines in _new_lines(session, statements, result):
        if lines:
            stored.append((BankStatement(
                format=fmt, reference=parsed.reference[:140], account_iban=parsed.account_iban,
                from_date=parsed.from_date, to_date=parsed.to_date, file_name=file_name[:200],
                imported_by_id=actor.id), lines))
    session.add_all([statement for statement, _lines in stored])
    session.flush()
    new_lines, to_pay, returns = [], [], []
    for statement, lines in stored:
        for parsed in lines:
            line = _bank_line(statement, parsed)
            new_lines.append(line)
            if line.amount_cents < 0:
                # A return waits in the queue unless the transfer it gives back is found.
                if parsed.reversal:
                    returns.append((line, parsed.original_reference))
                else:
                    line.status = "debit"
                continue
            if line.reversal:  # the bank taking back or giving back: nobody's payment
                continue
            account, matched_by = _decide(ctx, closed, line)
            if account is not None:
                line.status, line.matched_by, line.handled_by_id = "matched", matched_by, actor.id
                line.member_id, line.organisation_id = account
                to_pay.append((line, account, matched_by))
    new_lines = _insert_lines(session, new_lines)
    to_pay = [(new_lines[line.dedup_key], account, by) for line, account, by in to_pay]
    returns = [(new_lines[line.dedup_key], reference) for line, reference in returns]
    new_lines = list(new_lines.values())
    _pay(session, ctx, to_pay, actor, result)
    for line, original_reference in returns:
        if reverse_returned_transfer(session, line, original_reference, actor):
            result.returned += 1
    result.debits = sum(1 for line in new_lines if line.status == "debit")
    result.queued = sum(1 for line in new_lines if line.status == "queued")
    for statement, lines in stored:
        record_audit(session, actor, "bank.import", "bank_statement", statement.id,
                     str(len(lines)))
    session.flush()
    return result


_LINE_COLUMNS = [column.key for column in BankLine.__table__.columns
                 if column.key not in ("id", "created_at")]


def _insert_lines(session: Session, lines: list[BankLine]) -> dict[str, BankLine]:
    """The decided lines written in one INSERT ... RETURNING, stored, by their dedup key
    (unique: SQLite does not promise the order of the rows it returns)."""
    if not lines:
        return {}
    rows = [{key: getattr(line, key) for key in _LINE_COLUMNS} for line in lines]
    stored = {line.dedup_key: line
              for line in session.scalars(insert(BankLine).returning(BankLine), rows)}
    return {line.dedup_key: stored[line.dedup_key] for line in lines}


def _bank_line(statement: BankStatement, parsed: ParsedLine) -> BankLine:
    """A line as decided in memory, written later with the others (_insert_lines)."""
    return BankLine(statement_id=statement.id, dedup_key=parsed.dedup_key,
                    bank_reference=parsed.bank_reference[:140], booked_on=parsed.booked_on,
                    amount_cents=parsed.amount_cents,
                    counterparty_name=parsed.counterparty_name[:140],
                    counterparty_iban=parsed.counterparty_iban[:34],
                    communication=parsed.communication, structured=parsed.structured,
                    reversal=parsed.reversal, status="queued", matched_by=None,
                    member_id=None, organisation_id=None, proposed_member_id=None,
                    proposed_organisation_id=None, expense_id=None, handled_by_id=None)


def _decide(ctx, closed: set, line: BankLine) -> tuple[Account | None, str | None]:
    """The account a credit pays, or None: then it waits in the queue, maybe with a proposal.

    A closed month leaves the line for a person to check, the account it matched proposed;
    assigning it then counts it on the first day of the first open month."""
    match = match_credit(ctx, structured=line.structured, iban=line.counterparty_iban,
                         amount_cents=line.amount_cents, counterparty=line.counterparty_name)
    if match.account is not None and month_start(line.booked_on) not in closed:
        ctx.learn(line.counterparty_iban, match.account)
        return match.account, match.matched_by
    proposal = match.account or match.proposal
    if proposal is not None:
        line.proposed_member_id, line.proposed_organisation_id = proposal
    return None, None


def _pay(session: Session, ctx, to_pay: list[tuple[BankLine, Account, str]], actor: Member,
         result: ImportResult) -> None:
    """Every matched credit's payment, ledger entry, source link and notice, batched."""
    payers = [ctx.candidates[account].payer for _line, account, _by in to_pay]
    payments = record_transfers(session, [
        Transfer(payer=payer, amount_cents=line.amount_cents, paid_on=line.booked_on,
                 reference=payment_reference(line))
        for payer, (line, _account, _by) in zip(payers, to_pay, strict=True)], actor=actor)
    if to_pay:
        session.execute(insert(BankLinePayment), [
            {"line_id": line.id, "payment_id": payment.id}
            for (line, _account, _by), payment in zip(to_pay, payments, strict=True)])
    notify_payments_matched(session, list(zip(payments, payers, strict=True)))
    result.matched = len(to_pay)
    result.payments = [ImportedPayment(payment, account, ctx.candidates[account].name, by)
                       for (_line, account, by), payment in zip(to_pay, payments, strict=True)]
