"""What the charter and the proposals refuse, each with a message for the person who asked."""
from __future__ import annotations

from ..errors import BookingRefused, DomainError


class GovernanceError(DomainError):
    """A proposal, a vote or a charter version is not valid as given."""


class NotAllowedHere(GovernanceError):
    """The person's role does not allow this (the views and the API answer 403)."""


class NotAllowedToVote(NotAllowedHere):
    """The proposal's voters do not include this person."""


class ProposalClosed(GovernanceError):
    """The proposal is closed: no vote, no early close."""


class AlreadyVoted(GovernanceError):
    """One vote per voter, and this one cannot be changed (anonymous, or changes off)."""


class AlreadyPlanned(GovernanceError):
    """The adopted proposal already has its planned expense."""


class CharterNotAccepted(BookingRefused):
    """The member has not accepted the charter version in force."""

    reason = "charter"


class DepositNotPaid(BookingRefused):
    """The charter makes the plan's deposit a condition of booking, and it is not paid."""

    reason = "deposit"
