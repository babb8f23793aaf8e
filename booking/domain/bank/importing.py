"""Importing a statement file: each line stored once (by its dedup key), credits matched and
paid, returned transfers reversed, debits kept for the expenses, the rest queued."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import BankLine, BankStatement, CsvMapping, Member, Payment
from ..accounts import record_audit
from ..errors import DomainError
from .camt import parse_camt053
from .csv_import import parse_csv
from .matching import Account, match_context, match_credit
from .parsed import ParsedLine, ParsedStatement, StatementUnreadable
from .reconciliation import pay_from_line, reverse_returned_transfer

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


def _new_lines(session: Session, statements: list[ParsedStatement], result: ImportResult
               ) -> list[tuple[ParsedStatement, list[ParsedLine]]]:
    keys = [line.dedup_key for s in statements for line in s.lines]
    seen = _known_keys(session, keys)
    fresh = []
    for parsed in statements:
        lines = []
        for line in parsed.lines:
            result.lines += 1
            if line.dedup_key in seen:
                result.duplicates += 1
                continue
            seen.add(line.dedup_key)
            lines.append(line)
        fresh.append((parsed, lines))
    return fresh


def import_statements(session: Session, statements: list[ParsedStatement], *, fmt: str,
                      file_name: str, actor: Member) -> ImportResult:
    """Store and settle every new line of the statements; lines seen before are counted as
    duplicates and left alone, so importing a file twice changes nothing."""
    result = ImportResult()
    ctx = match_context(session)
    for parsed, lines in _new_lines(session, statements, result):
        if not lines:
            continue
        statement = BankStatement(format=fmt, reference=parsed.reference[:140],
                                  account_iban=parsed.account_iban, from_date=parsed.from_date,
                                  to_date=parsed.to_date, file_name=file_name[:200],
                                  imported_by_id=actor.id)
        session.add(statement)
        session.flush()
        for parsed_line in lines:
            _settle(session, statement, parsed_line, ctx, result, actor)
        record_audit(session, actor, "bank.import", "bank_statement", statement.id,
                     str(len(lines)))
    return result


def _settle(session: Session, statement: BankStatement, parsed: ParsedLine, ctx,
            result: ImportResult, actor: Member) -> None:
    line = BankLine(statement_id=statement.id, dedup_key=parsed.dedup_key,
                    bank_reference=parsed.bank_reference[:140], booked_on=parsed.booked_on,
                    amount_cents=parsed.amount_cents,
                    counterparty_name=parsed.counterparty_name[:140],
                    counterparty_iban=parsed.counterparty_iban[:34],
                    communication=parsed.communication, structured=parsed.structured,
                    reversal=parsed.reversal, status="queued")
    session.add(line)
    session.flush()
    if line.amount_cents < 0:
        if parsed.reversal and reverse_returned_transfer(session, line,
                                                         parsed.original_reference, actor):
            result.returned += 1
        else:
            line.status = "debit"
            result.debits += 1
        return
    match = match_credit(ctx, structured=line.structured, iban=line.counterparty_iban,
                         amount_cents=line.amount_cents, counterparty=line.counterparty_name)
    if match.account is not None:
        try:
            with session.begin_nested():
                payments = pay_from_line(session, line, [(match.account, line.amount_cents)],
                                         matched_by=match.matched_by, actor=actor, ctx=ctx)
        except DomainError:
            payments = []  # a closed month: a person decides
        if payments:
            ctx.learn(line.counterparty_iban, match.account)
            result.matched += 1
            name = ctx.candidates[match.account].name
            result.payments += [ImportedPayment(p, match.account, name, match.matched_by)
                                for p in payments]
            return
    if match.proposal is not None:
        line.proposed_member_id, line.proposed_organisation_id = match.proposal
    line.status = "queued"
    session.flush()
    result.queued += 1
