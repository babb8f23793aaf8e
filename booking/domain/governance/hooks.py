"""Where members are told about decisions: rows in the notifications outbox, written in the
caller's transaction (a rolled-back publication or closing tells nobody)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import CharterVersion, Member, Proposal
from ..notifications import notify_many


def _active_members(session: Session) -> list[Member]:
    return list(session.execute(select(Member).where(Member.active.is_(True))
                                .order_by(Member.id)).scalars())


def _tell_everyone(session: Session, kind: str, link: str, *,
                   dedupe_prefix: str | None = None, **params) -> None:
    members = _active_members(session)
    notify_many(session, kind, [(m, params) for m in members], link=link,
                dedupe_prefix=dedupe_prefix)


def charter_version_published(session: Session, version: CharterVersion) -> None:
    """A new charter version that asks for acceptance: everyone, to read and accept it."""
    if not version.requires_acceptance:
        return
    _tell_everyone(session, "charter_version", "/charter", number=version.number,
                   summary=version.summary or "")


def proposal_opened(session: Session, proposal: Proposal) -> None:
    """A proposal is open: every active member, with its closing time."""
    _tell_everyone(session, "proposal_opened", f"/proposals/{proposal.id}",
                   title=proposal.title, closes_at=proposal.closes_at.isoformat())


def proposal_closing_soon(session: Session, proposal: Proposal) -> None:
    """The proposal closes within 24 hours: every active member, once."""
    _tell_everyone(session, "proposal_closing", f"/proposals/{proposal.id}",
                   dedupe_prefix=f"proposal-closing:{proposal.id}",
                   title=proposal.title, closes_at=proposal.closes_at.isoformat())


def proposal_closed(session: Session, proposal: Proposal) -> None:
    """The proposal is closed: every active member, with its outcome."""
    _tell_everyone(session, "proposal_closed", f"/proposals/{proposal.id}",
                   title=proposal.title, outcome=proposal.outcome or "")
