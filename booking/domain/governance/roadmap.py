"""The roadmap: where the cooperative is going, by horizon, with what it costs."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from ...models import Proposal
from ...models.governance import HORIZONS

ROADMAP_STATUSES = ("open", "adopted", "done", "rejected")


def roadmap_status(proposal: Proposal) -> str:
    """open, adopted (and perhaps planned), done, or rejected (no quorum counts as rejected)."""
    if proposal.status == "open":
        return "open"
    if proposal.status == "done":
        return "done"
    return "adopted" if proposal.outcome == "adopted" else "rejected"


@dataclass
class HorizonColumn:
    horizon: str
    by_status: dict[str, list[Proposal]] = field(default_factory=dict)
    cost_cents: int = 0  # what the open, adopted and done proposals are estimated to cost

    @property
    def empty(self) -> bool:
        return not any(self.by_status.values())


def roadmap(session: Session) -> list[HorizonColumn]:
    """Every proposal by horizon and status, with survey links and expenses: bounded queries.

    Callers close those due first (`close_due_proposals`)."""
    proposals = session.execute(
        select(Proposal).options(selectinload(Proposal.survey_questions),
                                 joinedload(Proposal.expense))
        .order_by(Proposal.closes_at.desc(), Proposal.id.desc())).scalars()
    columns = {h: HorizonColumn(h, {s: [] for s in ROADMAP_STATUSES}) for h in HORIZONS}
    for proposal in proposals:
        column = columns[proposal.horizon]
        status = roadmap_status(proposal)
        column.by_status[status].append(proposal)
        if status != "rejected":
            column.cost_cents += proposal.estimated_cost_cents or 0
    return list(columns.values())
