"""Reading a bank's CSV export with the column mapping saved for that bank."""
from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import CsvMapping, Member
from ..accounts import record_audit
from .communications import find_in_text, normalise
from .parsed import ParsedLine, ParsedStatement, StatementUnreadable

MAPPED_FIELDS = ("date_column", "amount_column", "name_column", "iban_column",
                 "communication_column", "reference_column")


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise StatementUnreadable(_l("This CSV file cannot be read: save it as UTF-8."))


def _cents(text: str, decimal_comma: bool) -> int:
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "").replace("€", "")
    cleaned = (cleaned.replace(".", "").replace(",", ".") if decimal_comma
               else cleaned.replace(",", ""))
    try:
        return int((Decimal(cleaned) * 100).to_integral_value())
    except InvalidOperation:
        raise StatementUnreadable(_l("An amount in the CSV file cannot be read: %(value)s",
                                     value=text)) from None


def csv_headers(content: bytes, delimiter: str) -> list[str]:
    """The column names of the file's first row, to choose the mapping from."""
    reader = csv.reader(io.StringIO(_decode(content)), delimiter=delimiter)
    return [name.strip() for name in next(reader, [])]


def parse_csv(content: bytes, mapping: CsvMapping) -> ParsedStatement:
    rows = csv.DictReader(io.StringIO(_decode(content)), delimiter=mapping.delimiter)
    missing = [getattr(mapping, f) for f in MAPPED_FIELDS
               if getattr(mapping, f) and getattr(mapping, f) not in (rows.fieldnames or [])]
    if missing:
        raise StatementUnreadable(_l("The file has no column %(names)s: check the mapping of "
                                     "this bank.", names=", ".join(missing)))
    statement = ParsedStatement()
    for row in rows:
        def cell(field: str, row=row) -> str:
            column = getattr(mapping, field)
            return (row.get(column) or "").strip() if column else ""
        if not cell("date_column") and not cell("amount_column"):
            continue  # blank lines and totals some banks add
        try:
            booked = datetime.strptime(cell("date_column"), mapping.date_format).date()
        except ValueError:
            raise StatementUnreadable(_l("A date in the CSV file cannot be read: %(value)s",
                                         value=cell("date_column"))) from None
        cents = _cents(cell("amount_column"), mapping.decimal_comma)
        if cents == 0:
            continue
        free = cell("communication_column")
        statement.lines.append(ParsedLine(
            booked_on=booked, amount_cents=cents, counterparty_name=cell("name_column"),
            counterparty_iban=cell("iban_column").replace(" ", "").upper(),
            communication=free, structured=normalise(free) or find_in_text(free),
            bank_reference=cell("reference_column")))
    if statement.lines:
        statement.from_date = min(line.booked_on for line in statement.lines)
        statement.to_date = max(line.booked_on for line in statement.lines)
    return statement


def csv_mappings(session: Session) -> list[CsvMapping]:
    return list(session.execute(select(CsvMapping).order_by(CsvMapping.bank_name)).scalars())


def save_csv_mapping(session: Session, actor: Member, *, bank_name: str, delimiter: str,
                     date_format: str, decimal_comma: bool, **columns: str) -> CsvMapping:
    """Create or update the mapping of one bank (by name)."""
    bank_name = bank_name.strip()
    if not bank_name or not columns.get("date_column") or not columns.get("amount_column"):
        raise StatementUnreadable(_l("Give the bank's name and the date and amount columns."))
    mapping = session.execute(select(CsvMapping).where(CsvMapping.bank_name == bank_name)
                              ).scalar_one_or_none() or CsvMapping(bank_name=bank_name)
    mapping.delimiter, mapping.date_format = delimiter or ";", date_format or "%d/%m/%Y"
    mapping.decimal_comma = decimal_comma
    for field in MAPPED_FIELDS:
        setattr(mapping, field, (columns.get(field) or "").strip())
    session.add(mapping)
    session.flush()
    record_audit(session, actor, "bank.csv_mapping", "bank_csv_mapping", mapping.id, bank_name)
    return mapping
