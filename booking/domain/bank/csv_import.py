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

MAPPED_FIELDS = ("date_column", "amount_column", "debit_column", "credit_column",
                 "name_column", "iban_column", "communication_column", "reference_column")

_UTF8_BOM = b"\xef\xbb\xbf"
# Bytes Windows-1252 leaves undefined: a file holding them is no text export of a bank.
_NOT_CP1252 = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")


def _unreadable_file() -> StatementUnreadable:
    return StatementUnreadable(_l(
        "This file cannot be read as a CSV export (a spreadsheet or a PDF, perhaps). Nothing "
        "was imported: export the statement from your bank again as CSV, or save it as "
        "\u201cCSV (separator: semicolon)\u201d, and import that file."))


def _decode_as(content: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 (with or without the BOM Excel writes), else Windows-1252, the
    encoding of most Belgian banks' exports; UTF-16 when it starts with its BOM ("Unicode
    text" of Excel). Some exports put a UTF-8 BOM before Windows-1252 text: the BOM goes."""
    if content[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return content.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise _unreadable_file() from None
    if content.startswith(_UTF8_BOM):
        content = content[len(_UTF8_BOM):]
    if b"\x00" in content:
        raise _unreadable_file()
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if _NOT_CP1252.search(content):
        raise _unreadable_file()
    return content.decode("cp1252"), "cp1252"


_ENCODING_NAMES = {"utf-8": "UTF-8", "utf-16": "UTF-16", "cp1252": "Windows-1252"}


def _decode(content: bytes) -> str:
    return _decode_as(content)[0]


def _cents(text: str, decimal_comma: bool) -> int:
    """Cents of an amount as banks write it: "1.234,50", "-12,00", "+45,00", "12,00 EUR";
    an empty cell is zero."""
    cleaned = re.sub(r"(?i)eur|€|\s", "", text.replace("\u00a0", "").replace("\u202f", ""))
    if not cleaned:
        return 0
    if cleaned.endswith("-"):  # "12,00-", as some banks write a debit
        cleaned = "-" + cleaned[:-1]
    cleaned = (cleaned.replace(".", "").replace(",", ".") if decimal_comma
               else cleaned.replace(",", ""))
    try:
        return int((Decimal(cleaned) * 100).to_integral_value())
    except InvalidOperation:
        raise StatementUnreadable(_l("An amount in the CSV file cannot be read: %(value)s. "
                                     "Check the amount columns and the decimal comma of "
                                     "this bank's mapping.", value=text)) from None


def _amount_columns(mapping: CsvMapping) -> tuple[str, ...]:
    if mapping.amount_column:
        return (mapping.amount_column,)
    return tuple(c for c in (mapping.debit_column, mapping.credit_column) if c)


def _line_cents(cell, mapping: CsvMapping) -> int:
    """The signed amount: one signed column, or credit minus debit (a debit column holds
    the amount spent with or without its minus sign)."""
    if mapping.amount_column:
        return _cents(cell("amount_column"), mapping.decimal_comma)
    return (abs(_cents(cell("credit_column"), mapping.decimal_comma))
            - abs(_cents(cell("debit_column"), mapping.decimal_comma)))


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
                        (mapping.date_column, *_amount_columns(mapping)))
    try:
        rows = csv.DictReader(text, delimiter=mapping.delimiter)
        rows.fieldnames = [name.strip() for name in rows.fieldnames or []]
    except csv.Error:
        raise _unreadable_file() from None
    missing = [getattr(mapping, f) for f in MAPPED_FIELDS
               if getattr(mapping, f) and getattr(mapping, f) not in rows.fieldnames]
    if missing:
        raise StatementUnreadable(_l("The file has no column %(names)s: check the mapping of "
                                     "this bank.", names=", ".join(missing)))
    statement = ParsedStatement()
    try:
        for row in rows:
            line = _csv_line(row, mapping)
            if line is not None:
                statement.lines.append(line)
    except csv.Error:
        raise _unreadable_file() from None
    if statement.lines:
        statement.from_date = min(line.booked_on for line in statement.lines)
        statement.to_date = max(line.booked_on for line in statement.lines)
    return statement


def _csv_line(row: dict, mapping: CsvMapping) -> ParsedLine | None:
    """The line of one row, or None for what is no movement (blank lines, totals, zero)."""
    def cell(field: str) -> str:
        column = getattr(mapping, field)
        value = row.get(column) if column else ""
        return value.strip() if isinstance(value, str) else ""
    amounts = [cell(f) for f in ("amount_column", "debit_column", "credit_column")]
    if not cell("date_column") and not any(amounts):
        return None  # blank lines and totals some banks add
    try:
        booked = datetime.strptime(cell("date_column"), mapping.date_format).date()
    except ValueError:
        raise StatementUnreadable(_l("A date in the CSV file cannot be read: %(value)s",
                                     value=cell("date_column"))) from None
    cents = _line_cents(cell, mapping)
    if cents == 0:
        return None
    free = cell("communication_column")
    return ParsedLine(
        booked_on=booked, amount_cents=cents, counterparty_name=cell("name_column"),
        counterparty_iban=cell("iban_column").replace(" ", "").upper(),
        communication=free, structured=normalise(free) or find_in_text(free),
        bank_reference=cell("reference_column"))


# Column names Belgian banks use (fr, nl, en), most telling first; matched without accents.
_COLUMN_WORDS = {
    "iban_column": ("iban", "compte contrepartie", "compte de la contrepartie",
                    "compte partie adverse",
                    "rekening tegenpartij", "rekeningnummer tegenpartij", "tegenrekening",
                    "counterparty account"),
    "date_column": ("date de comptabilisation", "date comptable", "boekingsdatum",
                    "date d'execution",
                    "uitvoeringsdatum", "date", "datum"),
    "amount_column": ("montant", "bedrag", "amount"),
    "name_column": ("nom de la contrepartie", "nom partie adverse", "naam tegenpartij",
                    "naam van de tegenpartij",
                    "contrepartie", "tegenpartij", "nom", "naam", "name", "counterparty"),
    "communication_column": ("communication", "mededeling", "remittance", "libelle",
                             "omschrijving", "description", "message"),
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


# A debit and a credit column instead of a signed amount (ING, Belfius): "Débit", "Debet",
# "Crédit", "Credit (EUR)"; the header must start with the word, so "Date de crédit" is not one.
_DEBIT_CREDIT = {"debit_column": re.compile(r"^(debit|debet)\b"),
                 "credit_column": re.compile(r"^credit\b")}


def _guess_columns(headers: list[str]) -> dict[str, str]:
    plain = {header: _plain(header) for header in headers}
    found: dict[str, str] = {}
    for mapped, pattern in _DEBIT_CREDIT.items():
        column = next((h for h, p in plain.items() if pattern.match(p)), None)
        if column:
            found[mapped] = column
    if len(found) < 2:
        found = {}  # half a pair reads no amount
    for mapped, words in _COLUMN_WORDS.items():
        for word in words:
            column = next((h for h, p in plain.items() if word in p
                           and h not in found.values()), None)
            if column:
                found[mapped] = column
                break
    if "debit_column" in found:
        found.pop("amount_column", None)
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
    preview = CsvPreview(encoding=_ENCODING_NAMES[encoding],
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
    amounts = [a for mapped in ("amount_column", "debit_column", "credit_column")
               for a in samples(mapped)]
    preview.decimal_comma = not amounts or any(re.search(r",\d{1,2}$", a) for a in amounts) \
        or not any(re.search(r"\.\d{1,2}$", a) for a in amounts)
    return preview


def csv_mappings(session: Session) -> list[CsvMapping]:
    return list(session.execute(select(CsvMapping).order_by(CsvMapping.bank_name)).scalars())


CSV_DELIMITERS = (";", ",", "\t")
_SAMPLE_DAY = datetime(2027, 2, 28)


def _reads_a_date(date_format: str) -> bool:
    """The format writes a day and reads the same day back (%d, %m or %b, and %Y or %y)."""
    try:
        return datetime.strptime(_SAMPLE_DAY.strftime(date_format), date_format) == _SAMPLE_DAY
    except ValueError:
        return False


def save_csv_mapping(session: Session, actor: Member, *, bank_name: str, delimiter: str,
                     date_format: str, decimal_comma: bool, **columns: str) -> CsvMapping:
    """Create or update the mapping of one bank (by name)."""
    bank_name = bank_name.strip()
    delimiter, date_format = delimiter or ";", (date_format or "%d/%m/%Y").strip()
    if delimiter not in CSV_DELIMITERS:
        raise StatementUnreadable(_l("The separator is a semicolon, a comma or a tab."))
    if len(date_format) > 20 or not _reads_a_date(date_format):
        raise StatementUnreadable(_l(
            "This date format cannot read a date: write it with %d (day), %m (month) and %Y "
            "(year), for example %d/%m/%Y for 28/02/2027."))
    amount = (columns.get("amount_column") or "").strip()
    debit = (columns.get("debit_column") or "").strip()
    credit = (columns.get("credit_column") or "").strip()
    if not bank_name or not columns.get("date_column") or not (
            amount or (debit and credit)):
        raise StatementUnreadable(_l(
            "Give the bank's name, the date column, and either the amount column or both the "
            "debit and the credit columns."))
    if amount and (debit or credit):
        raise StatementUnreadable(_l(
            "Choose either one amount column (amounts with their sign) or a debit and a "
            "credit column, not both: leave the other choice empty."))
    mapping = session.execute(select(CsvMapping).where(CsvMapping.bank_name == bank_name)
                              ).scalar_one_or_none() or CsvMapping(bank_name=bank_name)
    mapping.delimiter, mapping.date_format = delimiter, date_format
    mapping.decimal_comma = decimal_comma
    for name in MAPPED_FIELDS:
        setattr(mapping, name, (columns.get(name) or "").strip())
    session.add(mapping)
    session.flush()
    record_audit(session, actor, "bank.csv_mapping", "bank_csv_mapping", mapping.id, bank_name)
    return mapping
