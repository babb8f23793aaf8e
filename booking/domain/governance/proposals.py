"""Proposals: who may propose, opening one with its rules, closing it (early by a co-manager,
at its closing time by the scheduled job, or on the first read after it) with its outcome
kept, marking it done, turning an adopted cost into a planned expense, and comments."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from ...models import (
    Expense,
    GovernanceSettings,
    Member,
    Proposal,
    ProposalComment,
    ProposalOption,
    Survey,
    SurveyQuestion,
)
from ...models.governance import DECISION_KINDS, HORIZONS, PROPOSERS, THRESHOLDS, VOTERS
from .. import ledger
from ..accounts import record_audit
from ..periods import add_months, month_end, month_start
from . import hooks
from .errors import AlreadyPlanned, GovernanceError, NotAllowedHere, ProposalClosed
from .outcome import decide
from .voting import eligible_count, lock_proposal, tally

MAX_OPTIONS = 20
MAX_BODY_CHARS = 50_000
MAX_OPEN_DAYS = 730
STANCES = ("for", "against", "other")


def governance_settings(session: Session) -> GovernanceSettings:
    """The cooperative's defaults (one row, made on first use)."""
    settings = session.execute(select(GovernanceSettings).limit(1)).scalar_one_or_none()
    if settings is None:
        settings = GovernanceSettings()
        session.add(settings)
        session.flush()
    return settings


def update_settings(session: Session, *, actor: Member, proposers: str, voters: str,
                    quorum_percent: int, threshold: str, anonymous: bool,
                    results_before_close: bool, votes_changeable: bool) -> GovernanceSettings:
    if not actor.is_comanager:
        raise NotAllowedHere(_l("Only co-managers change the rules of decision."))
    if (proposers not in PROPOSERS or voters not in VOTERS or threshold not in THRESHOLDS
            or not 0 <= quorum_percent <= 100):
        raise GovernanceError(_l("Choose the rules from the lists."))
    settings = governance_settings(session)
    settings.proposers, settings.voters, settings.threshold = proposers, voters, threshold
    settings.quorum_percent, settings.anonymous = quorum_percent, anonymous
    settings.results_before_close = results_before_close
    settings.votes_changeable = votes_changeable
    session.flush()
    record_audit(session, actor, "governance.settings", "governance_settings", settings.id)
    return settings


def may_propose(session: Session, member: Member) -> bool:
    return member.is_comanager or governance_settings(session).proposers == "members"


@dataclass
class ProposalDraft:
    """What a person asks for; the rules left out take the cooperative's defaults."""

    title: str
    body_markdown: str
    kind: str
    horizon: str
    closes_at: datetime
    options: list[str]
    estimated_cost_cents: int | None = None
    multiple: bool = False
    voters: str | None = None
    quorum_percent: int | None = None
    threshold: str | None = None
    anonymous: bool | None = None
    results_before_close: bool | None = None
    votes_changeable: bool | None = None
    survey_question_ids: tuple[int, ...] = ()


def _check_draft(draft: ProposalDraft, now: datetime) -> list[str]:
    title = (draft.title or "").strip()
    if not title or len(title) > 200:
        raise GovernanceError(_l("Give the proposal a title (at most 200 characters)."))
    if len(draft.body_markdown or "") > MAX_BODY_CHARS:
        raise GovernanceError(_l("The text is too long: keep it under 50,000 characters."))
    if draft.kind not in DECISION_KINDS or draft.horizon not in HORIZONS:
        raise GovernanceError(_l("Choose the kind of decision and the horizon from the lists."))
    if draft.voters not in VOTERS or draft.threshold not in THRESHOLDS:
        raise GovernanceError(_l("Choose the rules from the lists."))
    if draft.quorum_percent is None or not 0 <= draft.quorum_percent <= 100:
        raise GovernanceError(_l("The quorum is a percentage from 0 to 100."))
    if draft.threshold == "no_block" and draft.kind != "consent":
        raise GovernanceError(_l("“No block” is the threshold of a consent decision only."))
    if draft.kind in ("score", "time") and draft.threshold != "simple":
        raise GovernanceError(_l("A score or a time poll is decided by the highest total: "
                                 "choose the simple majority."))
    if draft.estimated_cost_cents is not None and not (
            0 <= draft.estimated_cost_cents <= ledger.MAX_AMOUNT_CENTS):
        raise GovernanceError(_l("The estimated cost is an amount from 0 to 10,000,000 euros."))
    if not now < draft.closes_at <= now + timedelta(days=MAX_OPEN_DAYS):
        raise GovernanceError(_l("The closing time must be in the future, within two years."))
    options = [o.strip() for o in draft.options or [] if o and o.strip()]
    if draft.kind in ("consent", "majority"):
        return []
    if not 2 <= len(options) <= MAX_OPTIONS or any(len(o) > 200 for o in options):
        raise GovernanceError(_l("Give from 2 to 20 options, one per line, each under 200 "
                                 "characters."))
    if len(set(options)) != len(options):
        raise GovernanceError(_l("Each option must be different."))
    return options


def create_proposal(session: Session, *, author: Member, draft: ProposalDraft,
                    now: datetime) -> Proposal:
    """Open a proposal, after checking who proposes and every value."""
    if not may_propose(session, author):
        raise NotAllowedHere(_l("In this cooperative, co-managers make the proposals."))
    defaults = governance_settings(session)
    if draft.threshold is None and defaults.threshold == "no_block" and draft.kind != "consent":
        draft.threshold = "simple"  # the default fits consent; other kinds need a majority
    for name in ("voters", "quorum_percent", "threshold", "anonymous", "results_before_close",
                 "votes_changeable"):
        if getattr(draft, name) is None:
            setattr(draft, name, getattr(defaults, name))
    options = _check_draft(draft, now)
    questions = []
    if draft.survey_question_ids:
        questions = list(session.execute(select(SurveyQuestion).where(
            SurveyQuestion.id.in_(draft.survey_question_ids))).scalars())
        if len(questions) != len(set(draft.survey_question_ids)):
            raise GovernanceError(_l("One of the survey questions does not exist."))
    proposal = Proposal(
        title=draft.title.strip(), body_markdown=(draft.body_markdown or "").strip(),
        kind=draft.kind, multiple=draft.kind == "time" or bool(draft.multiple),
        horizon=draft.horizon, estimated_cost_cents=draft.estimated_cost_cents,
        opened_at=now, closes_at=draft.closes_at, voters=draft.voters,
        quorum_percent=draft.quorum_percent, threshold=draft.threshold,
        anonymous=bool(draft.anonymous), results_before_close=bool(draft.results_before_close),
        votes_changeable=bool(draft.votes_changeable), status="open", author_id=author.id,
        options=[ProposalOption(position=i, label=label) for i, label in enumerate(options)],
        survey_questions=questions)
    session.add(proposal)
    session.flush()
    record_audit(session, author, "proposal.create", "proposal", proposal.id, proposal.kind)
    hooks.proposal_opened(session, proposal)
    return proposal


def load_proposal(session: Session, proposal_id: int) -> Proposal | None:
    return session.execute(
        select(Proposal).options(selectinload(Proposal.options),
                                 selectinload(Proposal.survey_questions),
                                 joinedload(Proposal.author), joinedload(Proposal.expense))
        .where(Proposal.id == proposal_id)).scalar_one_or_none()


def close_proposal(session: Session, proposal: Proposal, *, actor: Member | None,
                   now: datetime) -> Proposal:
    """Close now (a co-manager's early close) or at its time (actor None): outcome kept."""
    if actor is not None and not actor.is_comanager:
        raise NotAllowedHere(_l("Only co-managers close a proposal early."))
    lock_proposal(session, proposal)
    if proposal.status != "open":
        raise ProposalClosed(_l("This proposal is already closed."))
    counts = tally(session, proposal)
    eligible = eligible_count(session, proposal.voters)
    decision = decide(proposal.kind, proposal.threshold, proposal.quorum_percent, eligible,
                      counts.voted, counts.choices, counts.options)
    proposal.status, proposal.outcome = "closed", decision.outcome
    proposal.counts = {"eligible": eligible, "voted": counts.voted, "choices": counts.choices,
                       "options": counts.options, "winner": decision.winner}
    proposal.closed_at = min(now, proposal.closes_at) if actor is None else now
    proposal.closed_by_id = actor.id if actor else None
    session.flush()
    record_audit(session, actor, "proposal.close", "proposal", proposal.id, decision.outcome)
    hooks.proposal_closed(session, proposal)
    return proposal


def close_if_due(session: Session, proposal: Proposal, now: datetime) -> bool:
    """Closing is also computed on read, so a late job cannot keep a proposal open."""
    if proposal.status == "open" and proposal.closes_at <= now:
        close_proposal(session, proposal, actor=None, now=now)
        return True
    return False


def close_due_proposals(session: Session, now: datetime) -> list[Proposal]:
    """The scheduled job: close every proposal whose closing time has passed."""
    due = list(session.execute(select(Proposal).options(selectinload(Proposal.options))
                               .where(Proposal.status == "open", Proposal.closes_at <= now)
                               ).scalars())
    for proposal in due:
        close_proposal(session, proposal, actor=None, now=now)
    return due


def remind_closing_soon(session: Session, now: datetime) -> list[Proposal]:
    """The scheduled job: say once that a proposal closes within 24 hours."""
    soon = list(session.execute(select(Proposal).where(
        Proposal.status == "open", Proposal.reminded_at.is_(None),
        Proposal.closes_at > now, Proposal.closes_at <= now + timedelta(hours=24))).scalars())
    for proposal in soon:
        proposal.reminded_at = now
        hooks.proposal_closing_soon(session, proposal)
    session.flush()
    return soon


def proposals_listing(session: Session, *, status: str | None = None,
                      horizon: str | None = None, limit: int = 500) -> list[Proposal]:
    """Proposals, newest first; `status` open, closed, done or an outcome (adopted,
    rejected, no_quorum). Callers close those due first (`close_due_proposals`)."""
    query = (select(Proposal).options(selectinload(Proposal.options),
                                      selectinload(Proposal.survey_questions),
                                      joinedload(Proposal.author))
             .order_by(Proposal.opened_at.desc(), Proposal.id.desc()).limit(limit))
    if status in ("open", "closed", "done"):
        query = query.where(Proposal.status == status)
    elif status in ("adopted", "rejected", "no_quorum"):
        query = query.where(Proposal.outcome == status)
    if horizon in HORIZONS:
        query = query.where(Proposal.horizon == horizon)
    return list(session.execute(query).scalars())


def counts_visible(proposal: Proposal) -> bool:
    return proposal.status != "open" or proposal.results_before_close


def mark_done(session: Session, proposal: Proposal, *, actor: Member, now: datetime) -> None:
    """An adopted proposal was carried out: the roadmap shows it done."""
    if not actor.is_comanager:
        raise NotAllowedHere(_l("Only co-managers mark a proposal as done."))
    if proposal.outcome != "adopted" or proposal.status == "done":
        raise GovernanceError(_l("Only an adopted proposal can be marked as done."))
    proposal.status, proposal.done_at = "done", now
    session.flush()
    record_audit(session, actor, "proposal.done", "proposal", proposal.id)


def plan_expense(session: Session, proposal: Proposal, *, actor: Member, first_month: date,
                 spread_months: int = 12, category: str = "renovation",
                 method: str = "shares") -> Expense:
    """Turn an adopted proposal's cost into a planned expense, spread over months and
    allocated later by the usual keys; the proposal keeps the link to it."""
    if not actor.is_comanager:
        raise NotAllowedHere(_l("Only co-managers plan an expense."))
    if proposal.outcome != "adopted" or not proposal.estimated_cost_cents:
        raise GovernanceError(_l("Only an adopted proposal with a cost becomes a planned "
                                 "expense."))
    if proposal.expense_id is not None:
        raise AlreadyPlanned(_l("This proposal already has its planned expense."))
    start = month_start(first_month)
    expense = ledger.create_expense(
        session, actor=actor, label=str(_l("Proposal %(number)d: %(title)s",
                                           number=proposal.id, title=proposal.title))[:200],
        category=category, amount_cents=proposal.estimated_cost_cents, spent_on=start,
        period_start=start, period_end=month_end(add_months(start, spread_months - 1)),
        method=method, spread_months=spread_months)
    proposal.expense_id = expense.id
    session.flush()
    record_audit(session, actor, "proposal.plan", "proposal", proposal.id, str(expense.id))
    return expense


def proposal_for_expense(session: Session, expense_id: int) -> Proposal | None:
    """The way back from a planned expense to the proposal that decided it."""
    return session.execute(select(Proposal).where(Proposal.expense_id == expense_id)
                           ).scalar_one_or_none()


def add_comment(session: Session, proposal: Proposal, *, author: Member, stance: str,
                body: str, now: datetime) -> ProposalComment:
    body = (body or "").strip()
    if not body or len(body) > 5000:
        raise GovernanceError(_l("Write your comment (at most 5,000 characters)."))
    if stance not in STANCES:
        raise GovernanceError(_l("Choose for, against or other."))
    comment = ProposalComment(proposal_id=proposal.id, author_id=author.id, stance=stance,
                              body=body, created_at=now)
    session.add(comment)
    session.flush()
    record_audit(session, author, "proposal.comment", "proposal", proposal.id)
    return comment


def comments_of(session: Session, proposal: Proposal) -> list[ProposalComment]:
    return list(session.execute(
        select(ProposalComment).options(joinedload(ProposalComment.author))
        .where(ProposalComment.proposal_id == proposal.id)
        .order_by(ProposalComment.created_at, ProposalComment.id)).scalars())


def linkable_survey_questions(session: Session) -> list[SurveyQuestion]:
    """Questions of published surveys, which a proposal may cite as its motivation."""
    return list(session.execute(
        select(SurveyQuestion).join(Survey, Survey.id == SurveyQuestion.survey_id)
        .options(joinedload(SurveyQuestion.survey))
        .where(Survey.status == "published")
        .order_by(Survey.id, SurveyQuestion.section_id, SurveyQuestion.position)).scalars())
