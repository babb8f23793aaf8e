"""Conditions, guarantees and shared decisions: the charter, proposals and votes, the roadmap.

One module per job; every name is importable from here (`from booking.domain import
governance`).
"""
from __future__ import annotations

from . import hooks
from .charter import (
    AcceptanceRow,
    DiffLine,
    accept_charter,
    acceptance_overview,
    accepted_number,
    all_versions,
    charter_gate,
    current_version,
    deposit_asked,
    deposit_held,
    has_accepted,
    plans_for_deposits,
    publish_charter,
    required_number,
    version_by_number,
    version_diff,
)
from .errors import (
    AlreadyPlanned,
    AlreadyVoted,
    CharterNotAccepted,
    DepositNotPaid,
    GovernanceError,
    NotAllowedHere,
    NotAllowedToVote,
    ProposalClosed,
)
from .outcome import Decision, decide, quorum_reached
from .proposals import (
    STANCES,
    ProposalDraft,
    add_comment,
    close_due_proposals,
    close_if_due,
    close_proposal,
    comments_of,
    counts_visible,
    create_proposal,
    governance_settings,
    linkable_survey_questions,
    load_proposal,
    mark_done,
    may_propose,
    plan_expense,
    proposal_for_expense,
    proposals_listing,
    remind_closing_soon,
    update_settings,
)
from .roadmap import ROADMAP_STATUSES, HorizonColumn, roadmap, roadmap_status
from .voting import (
    MyVote,
    Tally,
    block_reasons,
    cast_vote,
    eligible_count,
    has_voted,
    may_vote,
    my_votes,
    tallies,
    tally,
    voter_key,
)

__all__ = [
    "ROADMAP_STATUSES", "STANCES", "AcceptanceRow", "AlreadyPlanned", "AlreadyVoted",
    "CharterNotAccepted", "Decision", "DepositNotPaid", "DiffLine", "GovernanceError",
    "HorizonColumn", "MyVote", "NotAllowedHere", "NotAllowedToVote", "ProposalClosed",
    "ProposalDraft", "Tally", "accept_charter", "acceptance_overview", "accepted_number",
    "add_comment", "all_versions", "block_reasons", "cast_vote", "charter_gate",
    "close_due_proposals", "close_if_due", "close_proposal", "comments_of", "counts_visible",
    "create_proposal", "current_version", "decide", "deposit_asked", "deposit_held",
    "eligible_count", "governance_settings", "has_accepted", "has_voted", "hooks",
    "linkable_survey_questions", "load_proposal", "mark_done", "may_propose", "may_vote",
    "my_votes", "plan_expense", "plans_for_deposits",
    "proposal_for_expense", "proposals_listing", "publish_charter", "quorum_reached",
    "remind_closing_soon", "required_number", "roadmap", "roadmap_status", "tallies", "tally",
    "update_settings", "version_by_number", "version_diff", "voter_key",
]
