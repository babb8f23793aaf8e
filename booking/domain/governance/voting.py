"""Votes: who may vote, one ballot per voter (a member, or an organisation voting as one),
replaced when changed, refused once the proposal is closed, and counted.

Anonymous ballots carry nothing that points at the voter: "has voted" is a separate row,
so an anonymous vote cannot be changed (nothing says which ballot was whose).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session, joinedload

from ...models import Ballot, Member, Proposal, ProposalParticipation
from ...models.governance import CONSENT_CHOICES, MAJORITY_CHOICES
from ..accounts import record_audit
from ..locks import lock_row
from .errors import AlreadyVoted, GovernanceError, NotAllowedToVote, ProposalClosed

MAX_REASON_CHARS = 5000


def voter_key(proposal: Proposal, member: Member) -> str:
    """What one vote is counted on: the organisation when it votes as one, else the member."""
    if proposal.voters == "organisations" and member.organisation_id is not None:
        return f"o:{member.organisation_id}"
    return f"m:{member.id}"


def may_vote(proposal: Proposal, member: Member) -> bool:
    return member.active and (proposal.voters != "comanagers" or member.is_comanager)


def eligible_count(session: Session, voters: str) -> int:
    """How many votes there could be: members, co-managers, or organisations (members
    without one vote for themselves)."""
    active = select(Member).where(Member.active).subquery()
    if voters == "comanagers":
        return session.execute(select(func.count()).select_from(active)
                               .where(active.c.role.in_(("comanager", "admin")))).scalar_one()
    if voters == "organisations":
        organisations = session.execute(
            select(func.count(distinct(active.c.organisation_id)))).scalar_one()
        alone = session.execute(select(func.count()).select_from(active)
                                .where(active.c.organisation_id.is_(None))).scalar_one()
        return organisations + alone
    return session.execute(select(func.count()).select_from(active)).scalar_one()


def lock_proposal(session: Session, proposal: Proposal) -> None:
    """Serialize votes and closing on one proposal, then read its status afresh."""
    lock_row(session, Proposal.id, proposal.id)
    session.refresh(proposal)


def _ballot_values(proposal: Proposal, choice, scores) -> tuple[str | None, list | None]:
    """The ballot's content as stored, checked against the proposal's kind."""
    count = len(proposal.options)
    if proposal.kind in ("consent", "majority"):
        allowed = CONSENT_CHOICES if proposal.kind == "consent" else MAJORITY_CHOICES
        if choice not in allowed:
            raise GovernanceError(_l("Choose one of the answers offered."))
        return choice, None
    if proposal.kind == "score":
        if (not isinstance(scores, list) or len(scores) != count
                or any(not isinstance(s, int) or isinstance(s, bool) or not 0 <= s <= 5
                       for s in scores)):
            raise GovernanceError(_l("Give every option a score from 0 to 5."))
        return None, list(scores)
    chosen = choice if isinstance(choice, list) else [choice]
    if (not chosen or any(not isinstance(c, int) or isinstance(c, bool) or not 0 <= c < count
                          for c in chosen) or len(set(chosen)) != len(chosen)):
        raise GovernanceError(_l("Choose among the options offered."))
    if proposal.kind == "choice" and not proposal.multiple and len(chosen) != 1:
        raise GovernanceError(_l("Choose one option only."))
    return None, sorted(chosen)


def cast_vote(session: Session, proposal: Proposal, member: Member, *, choice=None,
              scores: list[int] | None = None, reason: str = "", now: datetime) -> Ballot:
    """Record the member's vote, or replace it; raise when closed, not a voter, or invalid."""
    lock_proposal(session, proposal)
    if proposal.status != "open" or proposal.closes_at <= now:
        raise ProposalClosed(_l("This proposal is closed: votes are no longer taken."))
    if not may_vote(proposal, member):
        raise NotAllowedToVote(_l("This proposal is decided by the co-managers."))
    stored_choice, values = _ballot_values(proposal, choice, scores)
    reason = (reason or "").strip()
    if stored_choice == "block" and not reason:
        raise GovernanceError(_l("A block must say why: write your reason."))
    if len(reason) > MAX_REASON_CHARS:
        raise GovernanceError(_l("Keep the reason under 5,000 characters."))
    key = voter_key(proposal, member)
    voted = session.execute(select(ProposalParticipation.id).where(
        ProposalParticipation.proposal_id == proposal.id,
        ProposalParticipation.voter_key == key)).scalar_one_or_none()
    if voted is not None:
        if proposal.anonymous or not proposal.votes_changeable:
            raise AlreadyVoted(_l("You have already voted, and this vote cannot be changed."))
        ballot = session.execute(select(Ballot).where(
            Ballot.proposal_id == proposal.id, Ballot.voter_key == key)).scalar_one()
        ballot.member_id, ballot.cast_at = member.id, now
    else:
        session.add(ProposalParticipation(proposal_id=proposal.id, voter_key=key,
                                          member_id=member.id))
        ballot = Ballot(proposal_id=proposal.id, anonymous=proposal.anonymous)
        if not proposal.anonymous:
            ballot.voter_key, ballot.member_id, ballot.cast_at = key, member.id, now
        session.add(ballot)
    ballot.choice, ballot.values, ballot.reason = stored_choice, values, reason
    session.flush()
    record_audit(session, member, "proposal.vote", "proposal", proposal.id)
    return ballot


def has_voted(session: Session, proposal: Proposal, member: Member) -> bool:
    return session.execute(select(ProposalParticipation.id).where(
        ProposalParticipation.proposal_id == proposal.id,
        ProposalParticipation.voter_key == voter_key(proposal, member))).first() is not None


@dataclass(frozen=True)
class MyVote:
    voted: bool
    ballot: Ballot | None  # None when anonymous: nobody, not even the voter, can read it back


def my_votes(session: Session, proposals: list[Proposal], member: Member) -> dict[int, MyVote]:
    """The member's vote on each proposal: two queries whatever the number of proposals."""
    ids = [p.id for p in proposals]
    keys = {voter_key(p, member) for p in proposals}
    voted = set(session.execute(select(ProposalParticipation.proposal_id).where(
        ProposalParticipation.proposal_id.in_(ids),
        ProposalParticipation.voter_key.in_(keys))).scalars()) if ids else set()
    ballots = {b.proposal_id: b for b in session.execute(select(Ballot).where(
        Ballot.proposal_id.in_(ids), Ballot.voter_key.in_(keys))).scalars()} if ids else {}
    return {p.id: MyVote(p.id in voted, ballots.get(p.id)) for p in proposals}


@dataclass(frozen=True)
class Tally:
    voted: int
    choices: dict[str, int]
    options: list[int]  # votes per option (choice, time) or total score (score)


def tallies(session: Session, proposals: list[Proposal]) -> dict[int, Tally]:
    """The counts so far of several proposals: three queries whatever their number."""
    ids = [p.id for p in proposals]
    if not ids:
        return {}
    voted = dict(session.execute(
        select(ProposalParticipation.proposal_id, func.count())
        .where(ProposalParticipation.proposal_id.in_(ids))
        .group_by(ProposalParticipation.proposal_id)).all())
    chosen: dict[int, dict[str, int]] = {}
    for proposal_id, choice, count in session.execute(
            select(Ballot.proposal_id, Ballot.choice, func.count())
            .where(Ballot.proposal_id.in_(ids), Ballot.choice.is_not(None))
            .group_by(Ballot.proposal_id, Ballot.choice)):
        chosen.setdefault(proposal_id, {})[choice] = count
    by_id = {p.id: p for p in proposals}
    options = {p.id: [0] * len(p.options) for p in proposals}
    for proposal_id, values in session.execute(
            select(Ballot.proposal_id, Ballot.values)
            .where(Ballot.proposal_id.in_(ids), Ballot.values.is_not(None))):
        totals, score = options[proposal_id], by_id[proposal_id].kind == "score"
        for position, value in enumerate(values or []):
            if score and position < len(totals):
                totals[position] += value
            elif not score and 0 <= value < len(totals):
                totals[value] += 1
    result = {}
    for proposal in proposals:
        names = {"consent": CONSENT_CHOICES, "majority": MAJORITY_CHOICES}.get(proposal.kind, ())
        found = chosen.get(proposal.id, {})
        result[proposal.id] = Tally(voted.get(proposal.id, 0),
                                    {name: found.get(name, 0) for name in names},
                                    options[proposal.id])
    return result


def tally(session: Session, proposal: Proposal) -> Tally:
    return tallies(session, [proposal])[proposal.id]


def block_reasons(session: Session, proposal: Proposal) -> list[Ballot]:
    """Blocks and disagreements with their reasons (with the voter's name unless anonymous)."""
    return list(session.execute(
        select(Ballot).options(joinedload(Ballot.member))
        .where(Ballot.proposal_id == proposal.id, Ballot.reason != "")
        .order_by(Ballot.choice)).scalars())
