"""Shared decisions: the charter (versioned, accepted by each member), proposals and votes.

Anonymity is kept by the shape of the tables, as in the surveys: "has voted" lives in
`proposal_participations`; a ballot of an anonymous proposal carries no voter, no time and a
random id, so nothing links it back to a participation row.
"""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import Member, Plan
from .ledger import Expense
from .surveys import SurveyQuestion
from .types import UTCDateTime, utcnow

DECISION_KINDS = ("consent", "majority", "choice", "score", "time")
HORIZONS = ("short", "medium", "long")
VOTERS = ("members", "comanagers", "organisations")
THRESHOLDS = ("simple", "two_thirds", "no_block")
OUTCOMES = ("adopted", "rejected", "no_quorum")
PROPOSAL_STATUSES = ("open", "closed", "done")
CONSENT_CHOICES = ("agree", "abstain", "disagree", "block")
MAJORITY_CHOICES = ("yes", "no", "abstain")
PROPOSERS = ("members", "comanagers")


def random_id() -> str:
    return str(uuid.uuid4())


class CharterVersion(db.Model):
    """One published version of the charter: Markdown, never edited once published."""

    __tablename__ = "charter_versions"
    __table_args__ = (CheckConstraint("number >= 1", name="number_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    summary: Mapped[str] = mapped_column(Text, default="")
    body_markdown: Mapped[str] = mapped_column(Text)
    # False for a minor version: whoever accepted an earlier version need not accept again.
    requires_acceptance: Mapped[bool] = mapped_column(Boolean, default=True)
    # When true, a member must also have paid their plan's deposit before booking.
    deposit_required_to_book: Mapped[bool] = mapped_column(Boolean, default=False)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))

    deposits: Mapped[list[CharterDeposit]] = relationship(
        back_populates="version", cascade="all, delete-orphan")
    published_by: Mapped[Member | None] = relationship()


class CharterDeposit(db.Model):
    """The guarantee a charter version asks of the members of one plan."""

    __tablename__ = "charter_deposits"
    __table_args__ = (
        UniqueConstraint("charter_version_id", "plan_id", name="uq_charter_deposits_plan"),
        CheckConstraint("amount_cents > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    charter_version_id: Mapped[int] = mapped_column(
        ForeignKey("charter_versions.id", ondelete="CASCADE"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(Integer)

    version: Mapped[CharterVersion] = relationship(back_populates="deposits")
    plan: Mapped[Plan] = relationship()


class CharterAcceptance(db.Model):
    """A member accepted a version, at a time: kept, never edited."""

    __tablename__ = "charter_acceptances"
    __table_args__ = (UniqueConstraint("member_id", "charter_version_id",
                                       name="uq_charter_acceptances_member_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    charter_version_id: Mapped[int] = mapped_column(ForeignKey("charter_versions.id"),
                                                    index=True)
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member] = relationship()
    version: Mapped[CharterVersion] = relationship()


class GovernanceSettings(db.Model):
    """Who may propose, and the rules a new proposal starts from: one row, made on first use."""

    __tablename__ = "governance_settings"
    __table_args__ = (
        CheckConstraint("proposers IN ('members', 'comanagers')", name="proposers_known"),
        CheckConstraint("voters IN ('members', 'comanagers', 'organisations')",
                        name="voters_known"),
        CheckConstraint("threshold IN ('simple', 'two_thirds', 'no_block')",
                        name="threshold_known"),
        CheckConstraint("quorum_percent BETWEEN 0 AND 100", name="quorum_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposers: Mapped[str] = mapped_column(String(16), default="members")
    voters: Mapped[str] = mapped_column(String(16), default="members")
    quorum_percent: Mapped[int] = mapped_column(Integer, default=50)
    threshold: Mapped[str] = mapped_column(String(16), default="simple")
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    results_before_close: Mapped[bool] = mapped_column(Boolean, default=False)
    votes_changeable: Mapped[bool] = mapped_column(Boolean, default=True)


class Proposal(db.Model):
    """Something put to the cooperative's decision, with its rules and, once closed, its outcome."""

    __tablename__ = "proposals"
    __table_args__ = (
        CheckConstraint("kind IN ('consent', 'majority', 'choice', 'score', 'time')",
                        name="kind_known"),
        CheckConstraint("horizon IN ('short', 'medium', 'long')", name="horizon_known"),
        CheckConstraint("voters IN ('members', 'comanagers', 'organisations')",
                        name="voters_known"),
        CheckConstraint("threshold IN ('simple', 'two_thirds', 'no_block')",
                        name="threshold_known"),
        CheckConstraint("threshold <> 'no_block' OR kind = 'consent'",
                        name="no_block_only_for_consent"),
        CheckConstraint("quorum_percent BETWEEN 0 AND 100", name="quorum_range"),
        CheckConstraint("status IN ('open', 'closed', 'done')", name="status_known"),
        CheckConstraint("outcome IS NULL OR outcome IN ('adopted', 'rejected', 'no_quorum')",
                        name="outcome_known"),
        CheckConstraint("(status = 'open') = (outcome IS NULL)", name="outcome_when_closed"),
        CheckConstraint("estimated_cost_cents IS NULL OR estimated_cost_cents >= 0",
                        name="cost_not_negative"),
        CheckConstraint("closes_at > opened_at", name="closes_after_opening"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body_markdown: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(16))
    multiple: Mapped[bool] = mapped_column(Boolean, default=False)  # choice: several options
    horizon: Mapped[str] = mapped_column(String(8))
    estimated_cost_cents: Mapped[int | None] = mapped_column(Integer)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    voters: Mapped[str] = mapped_column(String(16), default="members")
    quorum_percent: Mapped[int] = mapped_column(Integer, default=50)
    threshold: Mapped[str] = mapped_column(String(16), default="simple")
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    results_before_close: Mapped[bool] = mapped_column(Boolean, default=False)
    votes_changeable: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(8), default="open", index=True)
    outcome: Mapped[str | None] = mapped_column(String(16))
    # Kept at closing: the counts, how many could vote, and the winning option if any.
    counts: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The planned expense that realises an adopted proposal (the link back is this column).
    expense_id: Mapped[int | None] = mapped_column(ForeignKey("expenses.id"), unique=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    # Set once the "closing in 24 hours" reminder went out.
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author: Mapped[Member | None] = relationship(foreign_keys=[author_id])
    expense: Mapped[Expense | None] = relationship()
    options: Mapped[list[ProposalOption]] = relationship(
        back_populates="proposal", order_by="ProposalOption.position",
        cascade="all, delete-orphan")
    survey_questions: Mapped[list[SurveyQuestion]] = relationship(
        secondary="proposal_survey_questions")
    comments: Mapped[list[ProposalComment]] = relationship(
        back_populates="proposal", order_by="ProposalComment.created_at",
        cascade="all, delete-orphan")


class ProposalOption(db.Model):
    """An option of a choice, score or time poll (for a time poll, the label is the date)."""

    __tablename__ = "proposal_options"
    __table_args__ = (UniqueConstraint("proposal_id", "position",
                                       name="uq_proposal_options_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"),
                                             index=True)
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(200))

    proposal: Mapped[Proposal] = relationship(back_populates="options")


class ProposalSurveyQuestion(db.Model):
    """A survey question whose results motivated the proposal."""

    __tablename__ = "proposal_survey_questions"

    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("survey_questions.id", ondelete="CASCADE"), primary_key=True)


class ProposalParticipation(db.Model):
    """"Has voted": one row per voter (a member, or an organisation when it votes as one)."""

    __tablename__ = "proposal_participations"
    __table_args__ = (UniqueConstraint("proposal_id", "voter_key",
                                       name="uq_proposal_participations_voter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"),
                                             index=True)
    # "m:<member id>" or "o:<organisation id>": what "one vote per voter" is counted on.
    voter_key: Mapped[str] = mapped_column(String(24))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)


class Ballot(db.Model):
    """A vote's content. Named: it carries the voter and can be replaced. Anonymous: nothing."""

    __tablename__ = "ballots"
    __table_args__ = (
        UniqueConstraint("proposal_id", "voter_key", name="uq_ballots_voter"),
        CheckConstraint("anonymous OR (voter_key IS NOT NULL AND member_id IS NOT NULL "
                        "AND cast_at IS NOT NULL)", name="named_has_voter"),
        CheckConstraint("NOT anonymous OR (voter_key IS NULL AND member_id IS NULL "
                        "AND cast_at IS NULL)", name="anonymous_has_no_voter"),
        CheckConstraint("choice IS NULL OR choice IN ('agree', 'abstain', 'disagree', "
                        "'block', 'yes', 'no')", name="choice_known"),
        CheckConstraint("choice <> 'block' OR reason <> ''",
                        name="block_has_reason"),
        CheckConstraint("length(id) = 36", name="random_uuid_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=random_id)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"),
                                             index=True)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    voter_key: Mapped[str | None] = mapped_column(String(24))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    choice: Mapped[str | None] = mapped_column(String(8))
    # Choice and time polls: the option positions chosen; score: one score (0-5) per option.
    values: Mapped[list | None] = mapped_column(JSON(none_as_null=True))
    reason: Mapped[str] = mapped_column(Text, default="")
    cast_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[Member | None] = relationship()


class ProposalComment(db.Model):
    """An argument for or against, kept with the proposal."""

    __tablename__ = "proposal_comments"
    __table_args__ = (CheckConstraint("stance IN ('for', 'against', 'other')",
                                      name="stance_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"),
                                             index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    stance: Mapped[str] = mapped_column(String(8), default="other")
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="comments")
    author: Mapped[Member] = relationship()
