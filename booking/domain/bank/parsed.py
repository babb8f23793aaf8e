"""A statement line as read from a file, before it is stored: one shape for CAMT.053 and CSV."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

from ..errors import DomainError


@dataclass
class ParsedLine:
    booked_on: date
    amount_cents: int  # + money in, - money out
    counterparty_name: str = ""
    counterparty_iban: str = ""
    communication: str = ""
    structured: str | None = None
    bank_reference: str = ""
    reversal: bool = False
    # The reference of the transfer a returned transfer gives back, when the bank gives it.
    original_reference: str = ""

    @property
    def dedup_key(self) -> str:
        """The bank's reference when there is one, else a hash of what identifies a transfer:
        with the structured communication, so two transfers alike but for it (two members
        paying the same amount the same day from one account) are two lines."""
        if self.bank_reference:
            return "ref:" + self.bank_reference
        if not self.structured:
            return self.unstructured_key
        return "hash:" + hashlib.sha256(
            f"{self._identity()}|{self.structured}".encode()).hexdigest()

    @property
    def unstructured_key(self) -> str:
        """The hash without the structured communication: the key lines were stored under
        before it counted, still recognised on a re-import (see importing._new_lines)."""
        return "hash:" + hashlib.sha256(self._identity().encode()).hexdigest()

    def _identity(self) -> str:
        return "|".join((self.booked_on.isoformat(), str(self.amount_cents),
                         self.counterparty_name.strip().lower(), self.counterparty_iban,
                         self.communication.strip()))


@dataclass
class ParsedStatement:
    reference: str = ""
    account_iban: str = ""
    from_date: date | None = None
    to_date: date | None = None
    lines: list[ParsedLine] = field(default_factory=list)
    # Entries the bank has not booked yet (CAMT.053 status PDNG): not imported; they come
    # back booked in a later statement.
    pending: int = 0


class StatementUnreadable(DomainError):
    """The file is not a statement this app reads; the message says what to check."""
