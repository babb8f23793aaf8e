"""Where members are to be told about decisions. These do nothing yet: the notifications
outbox (another area) will fill them in, so the governance rules need not change then."""
from __future__ import annotations

from sqlalchemy.orm import Session

from ...models import CharterVersion, Proposal


def charter_version_published(session: Session, version: CharterVersion) -> None:
    """A new charter version: everyone, and when it needs acceptance, to accept it."""


def proposal_opened(session: Session, proposal: Proposal) -> None:
    """A proposal is open: those who may vote."""


def proposal_closing_soon(session: Session, proposal: Proposal) -> None:
    """The proposal closes within 24 hours: those who may vote and have not."""


def proposal_closed(session: Session, proposal: Proposal) -> None:
    """The proposal is closed, with its outcome: everyone who could vote."""
