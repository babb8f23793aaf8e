"""The charter and the cooperative's decisions: read and accept the charter, publish a
version (co-managers), propose, vote, close early and plan the expense of an adopted one."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import jsonify, url_for

from .. import clock
from ..domain import governance
from ..domain.errors import DomainError
from ..domain.markdown import render_markdown
from ..domain.periods import add_months, month_start
from ..extensions import db
from ..models import Member, Proposal
from ..models.governance import HORIZONS
from .actions import problem_for
from .auth import comanager_required, current_member
from .blueprint import bp
from .governance_schemas import GOVERNANCE_SCHEMAS
from .inputs import MAX_ID, format_instant, parse_instant, parse_month
from .json import expense_json
from .openapi import array_of, endpoint, query_param, ref
from .problems import ApiProblem
from .schemas import COMPONENTS

COMPONENTS.update(GOVERNANCE_SCHEMAS)
LIST_STATUSES = ["open", "closed", "done", "adopted", "rejected", "no_quorum"]


@contextmanager
def governance_action(commit: bool = True) -> Iterator[None]:
    """api_action with the governance problems: 403, proposal-closed, already-voted..."""
    try:
        yield
    except DomainError as error:
        db.session.rollback()
        if isinstance(error, governance.NotAllowedHere):
            raise ApiProblem(403, error.message) from None
        if isinstance(error, governance.ProposalClosed):
            raise ApiProblem(409, error.message, "proposal-closed") from None
        if isinstance(error, governance.AlreadyVoted):
            raise ApiProblem(409, error.message, "already-voted") from None
        if isinstance(error, governance.AlreadyPlanned):
            raise ApiProblem(409, error.message, "already-planned") from None
        raise problem_for(error) from None
    if commit:
        db.session.commit()


# --- the charter -----------------------------------------------------------------------------

def _charter_json(member: Member) -> dict:
    version = governance.current_version(db.session)
    if version is None:
        raise ApiProblem(404, None, "no-charter")
    return {
        "version": version.number, "published_at": format_instant(version.published_at),
        "summary": version.summary, "body_html": str(render_markdown(version.body_markdown)),
        "accepted": governance.has_accepted(db.session, member),
        "requires_acceptance": version.requires_acceptance,
        "deposit_cents": governance.deposit_asked(version, member),
        "deposit_held_cents": governance.deposit_held(db.session, member.id),
        "deposit_required_to_book": version.deposit_required_to_book,
        "read_url": url_for("governance.charter", _external=True),
    }


@endpoint(bp, "/charter", "GET", summary="The charter in force", tag="governance",
          response=ref("Charter"), errors=(404,),
          description="The current version, rendered, and whether the caller accepted it "
                      "(bookings are refused with charter-not-accepted until then). 404 "
                      "(no-charter) before the first version is published.")
def get_charter():
    return jsonify(_charter_json(current_member()))


@endpoint(bp, "/charter/accept", "POST", summary="Accept the charter in force",
          tag="governance", body=ref("CharterAccept"), response=ref("Charter"),
          description="`version` must be the current version's number (422 otherwise): one "
                      "accepts what one has read. Accepting twice changes nothing.")
def accept_charter(body):
    member = current_member()
    with governance_action():
        governance.accept_charter(db.session, member=member, number=body["version"],
                                  now=clock.now())
    return jsonify(_charter_json(member))


@endpoint(bp, "/charter", "POST", summary="Publish a new charter version", tag="governance",
          comanager=True, status=201, body=ref("CharterPublish"), response=ref("Charter"),
          description="Co-managers. requires_acceptance false marks a minor version: whoever "
                      "accepted an earlier one need not accept again. `deposits` sets the "
                      "deposit per plan; deposit_required_to_book makes it a booking "
                      "condition (deposit-not-paid).")
@comanager_required
def publish_charter(body):
    member = current_member()
    with governance_action():
        governance.publish_charter(
            db.session, actor=member, body_markdown=body["body_markdown"],
            summary=body["summary"], requires_acceptance=body["requires_acceptance"],
            now=clock.now(), deposits={d["plan_id"]: d["amount_cents"]
                                       for d in body.get("deposits", [])},
            deposit_required_to_book=body.get("deposit_required_to_book", False))
    return jsonify(_charter_json(member)), 201


@endpoint(bp, "/charter/acceptances", "GET", summary="Who accepted which version",
          tag="governance", comanager=True, response=array_of("CharterAcceptance"))
@comanager_required
def charter_acceptances():
    return jsonify([{
        "member_id": row.member.id, "name": row.member.name,
        "accepted_version": row.accepted_number, "accepted_at": format_instant(row.accepted_at),
        "up_to_date": row.up_to_date, "deposit_cents": row.deposit_asked_cents,
        "deposit_held_cents": row.deposit_held_cents,
    } for row in governance.acceptance_overview(db.session)])


# --- proposals -------------------------------------------------------------------------------

def _proposal_json(proposal: Proposal, member: Member, mine: governance.MyVote,
                   live: governance.Tally | None, eligible: int | None) -> dict:
    counts = None
    if governance.counts_visible(proposal):
        if proposal.counts is not None:
            counts = proposal.counts
        elif live is not None:
            counts = {"eligible": eligible, "voted": live.voted, "choices": live.choices,
                      "options": live.options, "winner": None}
    my_vote = None
    if mine.voted:
        ballot = mine.ballot
        my_vote = {"voted": True, "choice": ballot.choice if ballot else None,
                   "options": (ballot.values if ballot and proposal.kind != "score" else None),
                   "scores": (ballot.values if ballot and proposal.kind == "score" else None),
                   "reason": ballot.reason if ballot else None}
    return {
        "id": proposal.id, "title": proposal.title, "body_markdown": proposal.body_markdown,
        "body_html": str(render_markdown(proposal.body_markdown)), "kind": proposal.kind,
        "multiple": proposal.multiple, "options": [o.label for o in proposal.options],
        "horizon": proposal.horizon, "estimated_cost_cents": proposal.estimated_cost_cents,
        "opened_at": format_instant(proposal.opened_at),
        "closes_at": format_instant(proposal.closes_at),
        "closed_at": format_instant(proposal.closed_at), "voters": proposal.voters,
        "quorum_percent": proposal.quorum_percent, "threshold": proposal.threshold,
        "anonymous": proposal.anonymous, "results_before_close": proposal.results_before_close,
        "votes_changeable": proposal.votes_changeable, "status": proposal.status,
        "outcome": proposal.outcome, "counts": counts, "my_vote": my_vote,
        "may_vote": proposal.status == "open" and governance.may_vote(proposal, member),
        "expense_id": proposal.expense_id,
        "survey_question_ids": [q.id for q in proposal.survey_questions],
        "author_id": proposal.author_id,
    }


def _proposals_json(proposals: list[Proposal], member: Member) -> list[dict]:
    """Each proposal with the caller's vote and the live counts where shown: bounded queries."""
    mine = governance.my_votes(db.session, proposals, member)
    live_ones = [p for p in proposals if p.status == "open" and p.results_before_close]
    live = governance.tallies(db.session, live_ones)
    eligible = {voters: governance.eligible_count(db.session, voters)
                for voters in {p.voters for p in live_ones}}
    return [_proposal_json(p, member, mine[p.id], live.get(p.id), eligible.get(p.voters))
            for p in proposals]


def _proposal(proposal_id: int) -> Proposal:
    """The proposal, closed first when its time has passed (a late job changes nothing)."""
    proposal = (governance.load_proposal(db.session, proposal_id)
                if proposal_id <= MAX_ID else None)
    if proposal is None:
        raise ApiProblem(404)
    with governance_action():
        governance.close_if_due(db.session, proposal, clock.now())
    return proposal


@endpoint(bp, "/proposals", "POST", summary="Propose something to decide", tag="governance",
          status=201, body=ref("ProposalCreate"), response=ref("Proposal"), errors=(403,),
          description="Rules left out take the cooperative's defaults. options: 2 to 20 for "
                      "choice, score and time polls. no_block is the threshold of consent only; "
                      "score and time polls use simple. 403 when only co-managers propose.")
def create_proposal(body):
    member = current_member()
    draft = governance.ProposalDraft(
        title=body["title"], body_markdown=body["body_markdown"], kind=body["kind"],
        horizon=body["horizon"], closes_at=parse_instant(body["closes_at"], "closes_at"),
        options=body.get("options", []), estimated_cost_cents=body.get("estimated_cost_cents"),
        multiple=body.get("multiple", False), voters=body.get("voters"),
        quorum_percent=body.get("quorum_percent"), threshold=body.get("threshold"),
        anonymous=body.get("anonymous"), results_before_close=body.get("results_before_close"),
        votes_changeable=body.get("votes_changeable"),
        survey_question_ids=tuple(body.get("survey_question_ids", ())))
    with governance_action():
        proposal = governance.create_proposal(db.session, author=member, draft=draft,
                                              now=clock.now())
    return jsonify(_proposals_json([proposal], member)[0]), 201


@endpoint(bp, "/proposals", "GET", summary="Proposals", tag="governance",
          response=array_of("Proposal"),
          description="Newest first, at most 500. status: open, closed, done, or an outcome "
                      "(adopted, rejected, no_quorum). Proposals past their closing time are "
                      "closed first.",
          query=[query_param("status", {"type": "string", "enum": LIST_STATUSES}, "Status."),
                 query_param("horizon", {"type": "string", "enum": list(HORIZONS)},
                             "Horizon.")])
def list_proposals(query):
    for name, allowed in (("status", LIST_STATUSES), ("horizon", HORIZONS)):
        if query[name] is not None and query[name] not in allowed:
            raise ApiProblem(422, None, "validation-error")
    with governance_action():
        governance.close_due_proposals(db.session, clock.now())
    proposals = governance.proposals_listing(db.session, status=query["status"],
                                             horizon=query["horizon"])
    return jsonify(_proposals_json(proposals, current_member()))


@endpoint(bp, "/proposals/<int:proposal_id>", "GET", summary="One proposal", tag="governance",
          response=ref("Proposal"),
          description="outcome is null while open; counts are null while hidden; my_vote is "
                      "the caller's vote (only `voted` on an anonymous proposal).")
def get_proposal(proposal_id):
    return jsonify(_proposals_json([_proposal(proposal_id)], current_member())[0])


@endpoint(bp, "/proposals/<int:proposal_id>/votes", "POST", summary="Vote, or change one's vote",
          tag="governance", body=ref("VoteCast"), response=ref("Proposal"), errors=(403, 409),
          description="consent: choice agree, abstain, disagree or block (a block needs a "
                      "reason, else 422); majority: yes, no or abstain; choice and time: an "
                      "option index or a list; score: scores, 0 to 5 per option. Voting again "
                      "replaces the vote (409 already-voted when changes are off or the vote is "
                      "anonymous). 409 proposal-closed after closing; 403 for a non-voter.")
def cast_vote(proposal_id, body):
    proposal, member = _proposal(proposal_id), current_member()
    with governance_action():
        governance.cast_vote(db.session, proposal, member, choice=body.get("choice"),
                             scores=body.get("scores"), reason=body.get("reason", ""),
                             now=clock.now())
    return jsonify(_proposals_json([proposal], member)[0])


@endpoint(bp, "/proposals/<int:proposal_id>/close", "POST", summary="Close a proposal early",
          tag="governance", comanager=True, response=ref("Proposal"), errors=(409,),
          description="Co-managers. The outcome is computed and kept; 409 proposal-closed "
                      "when it already is.")
@comanager_required
def close_proposal(proposal_id):
    proposal, member = _proposal(proposal_id), current_member()
    with governance_action():
        governance.close_proposal(db.session, proposal, actor=member, now=clock.now())
    return jsonify(_proposals_json([proposal], member)[0])


@endpoint(bp, "/proposals/<int:proposal_id>/plan", "POST", summary="Plan an adopted cost",
          tag="governance", comanager=True, status=201, body=ref("ProposalPlan"),
          response=ref("Expense"), errors=(409,),
          description="Co-managers. An adopted proposal with a cost becomes an expense spread "
                      "over months (default 12, from next month, shared by shares), to be "
                      "allocated later; 409 already-planned the second time.")
@comanager_required
def plan_proposal(proposal_id, body):
    proposal = _proposal(proposal_id)
    today = clock.now().date()
    first = (parse_month(body["first_month"], "first_month") if "first_month" in body
             else add_months(month_start(today), 1))
    with governance_action():
        expense = governance.plan_expense(
            db.session, proposal, actor=current_member(), first_month=first,
            spread_months=body.get("spread_months", 12),
            category=body.get("category", "renovation"), method=body.get("method", "shares"))
    return jsonify(expense_json(expense, set())), 201
