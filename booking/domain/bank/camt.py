"""Reading CAMT.053 (ISO 20022 bank-to-customer statements, versions 001.02 to 001.08).

The XML is parsed with defusedxml (no entity expansion, no external entities). Elements are
found by local name within the document's own camt.053 namespace, so every version reads the
same way. A batched entry (several TxDtls) gives one line per transfer.
"""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element

from defusedxml import ElementTree
from flask_babel import format_currency
from flask_babel import lazy_gettext as _l

from .communications import find_in_text, normalise
from .parsed import ParsedLine, ParsedStatement, StatementUnreadable

_NAMESPACE = re.compile(r"^\{urn:iso:std:iso:20022:tech:xsd:camt\.053\.001\.0[2-8]\}")


class _Reader:
    def __init__(self, namespace: str):
        self.ns = namespace

    def path(self, *names: str) -> str:
        return "/".join(f"{self.ns}{name}" for name in names)

    def find(self, element: Element | None, *names: str) -> Element | None:
        return None if element is None else element.find(self.path(*names))

    def text(self, element: Element | None, *names: str) -> str:
        found = self.find(element, *names)
        return (found.text or "").strip() if found is not None and found.text else ""

    def all(self, element: Element | None, *names: str) -> list[Element]:
        return [] if element is None else element.findall(self.path(*names))


def _cents(text: str) -> int:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise StatementUnreadable(_l("An amount in the statement cannot be read: %(value)s",
                                     value=text)) from None
    return int((value * 100).to_integral_value())


def _day(text: str) -> date | None:
    return date.fromisoformat(text[:10]) if text else None


def _communication(r: _Reader, tx: Element | None) -> tuple[str, str | None]:
    """(free text, structured digits) of a transfer's remittance information."""
    rmt = r.find(tx, "RmtInf")
    free = " ".join(u.text.strip() for u in r.all(rmt, "Ustrd") if u.text)
    for ref in r.all(rmt, "Strd"):
        digits = normalise(r.text(ref, "CdtrRefInf", "Ref"))
        if digits:
            return free, digits
    return free, find_in_text(free)


def _counterparty(r: _Reader, tx: Element | None, credit: bool) -> tuple[str, str]:
    # Money in came from the debtor; money out went to the creditor (a return: the debtor).
    parties = r.find(tx, "RltdPties")
    first, second = ("Dbtr", "Cdtr") if credit else ("Cdtr", "Dbtr")
    for role in (first, second):
        name = r.text(parties, role, "Nm") or r.text(parties, role, "Pty", "Nm")
        iban = r.text(parties, f"{role}Acct", "Id", "IBAN")
        if name or iban:
            return name, iban
    return "", ""


def _entry_lines(r: _Reader, entry: Element) -> list[ParsedLine]:
    credit = r.text(entry, "CdtDbtInd") == "CRDT"
    reversal = r.text(entry, "RvslInd").lower() == "true"
    booked = _day(r.text(entry, "BookgDt", "Dt") or r.text(entry, "BookgDt", "DtTm")
                  or r.text(entry, "ValDt", "Dt"))
    if booked is None:
        raise StatementUnreadable(_l("An entry of the statement has no booking date."))
    entry_ref = r.text(entry, "AcctSvcrRef")
    transfers = r.all(entry, "NtryDtls", "TxDtls") or [None]
    lines = []
    for index, tx in enumerate(transfers):
        # A batch gives each transfer's amount; a single transfer is the entry's amount.
        amount_text = ((r.text(tx, "AmtDtls", "TxAmt", "Amt") or r.text(tx, "Amt"))
                       if len(transfers) > 1 else "") or r.text(entry, "Amt")
        cents = _cents(amount_text)
        free, structured = _communication(r, tx)
        name, iban = _counterparty(r, tx, credit)
        tx_ref = r.text(tx, "Refs", "AcctSvcrRef")
        reference = ""
        if entry_ref:
            reference = entry_ref if len(transfers) == 1 and tx_ref in ("", entry_ref) \
                else f"{entry_ref}/{tx_ref or index + 1}"
        lines.append(ParsedLine(
            booked_on=booked, amount_cents=cents if credit else -cents,
            counterparty_name=name, counterparty_iban=iban.replace(" ", "").upper(),
            communication=free, structured=structured, bank_reference=reference,
            reversal=reversal, original_reference=tx_ref if reversal else ""))
    return lines


class _Euros:
    """Cents shown in the reader's locale when the message is rendered, not when raised."""

    def __init__(self, cents: int):
        self.cents = cents

    def __str__(self) -> str:
        return format_currency(self.cents / 100, "EUR")


class StatementDoesNotAddUp(StatementUnreadable):
    """Opening balance plus the movements is not the closing balance: a line is missing."""


_OPENING_CODES, _CLOSING_CODES = ("OPBD", "PRCD"), ("CLBD",)
_NOT_BOOKED = ("PDNG", "INFO")


def _balance(r: _Reader, stmt: Element, codes: tuple[str, ...]) -> int | None:
    for code in codes:
        for bal in r.all(stmt, "Bal"):
            if r.text(bal, "Tp", "CdOrPrtry", "Cd") == code:
                cents = _cents(r.text(bal, "Amt"))
                return -cents if r.text(bal, "CdtDbtInd") == "DBIT" else cents
    return None


def _status(r: _Reader, entry: Element) -> str:
    """BOOK, PDNG or INFO: the text of Sts in older versions, of Sts/Cd in newer ones."""
    return (r.text(entry, "Sts") or r.text(entry, "Sts", "Cd")).upper()


def _booked_entries(r: _Reader, stmt: Element) -> list[Element]:
    """The entries the bank counts in its booked balance: the only ones imported. A pending
    entry (PDNG) comes back booked in a later statement and is imported then; an INFO entry
    is no movement of the account."""
    return [entry for entry in r.all(stmt, "Ntry") if _status(r, entry) not in _NOT_BOOKED]


def _booked_movements(r: _Reader, stmt: Element) -> int:
    total = 0
    for entry in _booked_entries(r, stmt):
        cents = _cents(r.text(entry, "Amt"))
        total += cents if r.text(entry, "CdtDbtInd") == "CRDT" else -cents
    return total


def _check_balances(r: _Reader, stmt: Element) -> None:
    """Opening balance + booked movements = closing balance, when the bank gives both."""
    opening, closing = _balance(r, stmt, _OPENING_CODES), _balance(r, stmt, _CLOSING_CODES)
    if opening is None or closing is None:
        return
    movements = _booked_movements(r, stmt)
    if opening + movements != closing:
        raise StatementDoesNotAddUp(_l(
            "Statement %(reference)s does not add up: the opening balance %(opening)s plus "
            "the movements %(movements)s makes %(expected)s, but its closing balance is "
            "%(closing)s. Nothing was imported: download the complete statement from your "
            "bank again and import it.",
            reference=r.text(stmt, "Id") or "?", opening=_Euros(opening),
            movements=_Euros(movements), expected=_Euros(opening + movements),
            closing=_Euros(closing)))


def parse_camt053(content: bytes) -> list[ParsedStatement]:
    """Every statement (Stmt) in the file, in file order, lines in entry order: the booked
    entries only, as in the balances the statement is checked against; `pending` counts the
    entries left for a later statement.

    A statement whose balances do not add up refuses the whole file, before anything is stored.
    """
    try:
        root = ElementTree.fromstring(content)
    except Exception:  # defusedxml's refusals and plain syntax errors alike
        raise StatementUnreadable(_l("This file is not a CAMT.053 statement (XML) this app "
                                     "can read.")) from None
    match = _NAMESPACE.match(root.tag)
    if not match:
        raise StatementUnreadable(_l("This file is not a CAMT.053 statement (XML) this app "
                                     "can read."))
    r = _Reader(match.group(0))
    statements = []
    for stmt in r.all(root, "BkToCstmrStmt", "Stmt"):
        _check_balances(r, stmt)
        statements.append(ParsedStatement(
            reference=r.text(stmt, "Id"),
            account_iban=r.text(stmt, "Acct", "Id", "IBAN"),
            from_date=_day(r.text(stmt, "FrToDt", "FrDtTm")),
            to_date=_day(r.text(stmt, "FrToDt", "ToDtTm")),
            lines=[line for entry in _booked_entries(r, stmt)
                   for line in _entry_lines(r, entry)],
            pending=sum(1 for entry in r.all(stmt, "Ntry") if _status(r, entry) == "PDNG")))
    if not statements:
        raise StatementUnreadable(_l("This file holds no statement."))
    return statements
