"""Reading a bank's CSV export with the column mapping saved for that bank."""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
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


def _decode_as(content: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 (with or without the BOM Excel writes), else Windows-1252, the
    encoding of most Belgian banks' exports."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise StatementUnreadable(_l("This CSV file cannot be read: save it as UTF-8."))


def _decode(content: bytes) -> str:
    return _decode_as(content)[0]


def _cents(text: str, decimal_comma: bool) -> int:
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "").replace("€", "")
    cleaned = (cleaned.replace(".", "").replace(",", ".") if decimal_comma
               else cleaned.replace(",", ""))
    try:
        return int((Decimal(cleaned) * 100).to_integral_value())
    except InvalidOperation:
        raise StatementUnreadable(_l("An amount in the CSV file cannot be read: %(value)s",
                                     value=text)) from None


def _from_header(text: str, delimiter: str, needed: tuple[str, ...]) -> io.StringIO:
    """The text from its header row on: some banks (Belfius) write lines about the account and
    the period above the columns. The header is the first row holding the mapped columns."""
    lines = text.splitlines(keepends=True)
    for index, row in enumerate(csv.reader(lines[:50], delimiter=delimiter)):
        if all(name in [cell.strip() for cell in row] for name in needed):
            return io.StringIO("".join(lines[index:]))
    return io.StringIO(text)


def parse_csv(content: bytes, mapping: CsvMapping) -> ParsedStatement:
    text = _from_header(_decode(content), mapping.delimiter,
                        (mapping.date_column, mapping.amount_column))
    rows = csv.DictReader(text, delimiter=mapping.delimiter)
    rows.fieldnames = [name.strip() for name in rows.fieldnames or []]
    missing = [getattr(mapping, f) for f in MAPPED_FIELDS
               if getattr(mapping, f) and getattr(mapping, f) not in rows.fieldnames]
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


# Column names Belgian banks use (fr, nl, en), most telling first; matched without accents.
_COLUMN_WORDS = {
    "iban_column": ("iban", "compte contrepartie", "compte de la contrepartie",
                    "rekening tegenpartij", "rekeningnummer tegenpartij", "tegenrekening",
                    "counterparty account"),
    "date_column": ("date de comptabilisation", "boekingsdatum", "date d'execution",
                    "uitvoeringsdatum", "date", "datum"),
    "amount_column": ("montant", "bedrag", "amount"),
    "name_column": ("nom de la contrepartie", "naam tegenpartij", "naam van de tegenpartij",
                    "contrepartie", "tegenpartij", "nom", "naam", "name", "counterparty"),
    "communication_column": ("communication", "mededeling", "remittance", "libelle",
                             "omschrijving", "description"),
    # Only a reference unique to each line: a statement or a per-statement transaction number
    # would make different lines look like one already imported.
    "reference_column": ("reference bancaire", "bankreferentie", "bank reference"),
}
_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%d/%m/%y")
PREVIEW_ROWS = 5


@dataclass
class CsvPreview:
    """What a co-manager sees before saving a bank's columns: the file's first rows and what
    this app guessed of them."""

    encoding: str
    delimiter: str
    headers: list[str]
    rows: list[list[str]]
    columns: dict[str, str] = field(default_factory=dict)  # mapped field -> column name
    date_format: str = "%d/%m/%Y"
    decimal_comma: bool = True


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"\s+", " ", text.replace("\u2019", "'")).strip()


def _table_width(rows: list[list[str]]) -> int:
    """The widest row shape found at least twice (the header and a line at least): lines
    about the account above the columns are narrower."""
    widths = Counter(len(row) for row in rows if len(row) > 1)
    repeated = [width for width, count in widths.items() if count > 1]
    return max(repeated or widths or [0])


def _guess_delimiter(lines: list[str]) -> str:
    """The separator that gives the widest table."""
    return max((";", ",", "\t"),
               key=lambda d: _table_width(list(csv.reader(lines, delimiter=d))))


def _header_index(rows: list[list[str]]) -> int:
    """The first row as wide as the table: lines above it describe the account."""
    width = _table_width(rows)
    return next((i for i, row in enumerate(rows) if len(row) == width), 0)


def _guess_columns(headers: list[str]) -> dict[str, str]:
    plain = {header: _plain(header) for header in headers}
    found: dict[str, str] = {}
    for mapped, words in _COLUMN_WORDS.items():
        for word in words:
            column = next((h for h, p in plain.items() if word in p
                           and h not in found.values()), None)
            if column:
                found[mapped] = column
                break
    return found


def _guess_date_format(values: list[str]) -> str:
    for fmt in _DATE_FORMATS:
        try:
            for value in values:
                datetime.strptime(value, fmt)
        except ValueError:
            continue
        if values:
            return fmt
    return "%d/%m/%Y"


def csv_preview(content: bytes) -> CsvPreview:
    """The separator, header and first rows of a bank's CSV export, and a guess of which column
    holds what (dates, "1.234,50" amounts), for the co-manager to check and save."""
    text, encoding = _decode_as(content)
    lines = text.splitlines()[:60]
    delimiter = _guess_delimiter(lines)
    rows = [[cell.strip() for cell in row] for row in csv.reader(lines, delimiter=delimiter)]
    start = _header_index(rows)
    headers = [h for h in rows[start] if h] if rows else []
    if len(headers) < 2:
        raise StatementUnreadable(_l("No columns were found in this file: export the "
                                     "statement from your bank as CSV and try again."))
    data = [row for row in rows[start + 1:] if any(row)]
    preview = CsvPreview(encoding="UTF-8" if encoding == "utf-8-sig" else "Windows-1252",
                         delimiter=delimiter, headers=headers, rows=data[:PREVIEW_ROWS],
                         columns=_guess_columns(headers))
    index = {name: i for i, name in enumerate(rows[start])}

    def samples(mapped: str) -> list[str]:
        column = preview.columns.get(mapped)
        if column is None:
            return []
        return [row[index[column]] for row in data[:20]
                if len(row) > index[column] and row[index[column]]]
    preview.date_format = _guess_date_format(samples("date_column"))
    amounts = samples("amount_column")
    preview.decimal_comma = not amounts or any(re.search(r",\d{1,2}$", a) for a in amounts) \
        or not any(re.search(r"\.\d{1,2}$", a) for a in amounts)
    return preview


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
    for name in MAPPED_FIELDS:
        setattr(mapping, name, (columns.get(name) or "").strip())
    session.add(mapping)
    session.flush()
    record_audit(session, actor, "bank.csv_mapping", "bank_csv_mapping", mapping.id, bank_name)
    return mapping
