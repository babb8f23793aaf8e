"""What the ledger refuses, each with a message for the person who asked."""
from __future__ import annotations

from ..errors import DomainError


class LedgerError(DomainError):
    pass


class AlreadyAllocated(LedgerError):
    """The portion is already posted: changing it is a correction, not a second post."""


class MonthClosed(LedgerError):
    """The date falls in a closed month."""


class NoBasisToShare(LedgerError):
    """The chosen key gives nobody a weight (nobody booked, nobody has shares)."""
