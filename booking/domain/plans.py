"""Membership plans: their names are unique (ignoring case), their fee and cost shares."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..formatting import CENTS, format_decimal
from ..models import Member, Plan
from .accounts import record_audit
from .errors import DomainError

MAX_MONTHLY_FEE_CENTS = 10_000_000


class PlanNameTaken(DomainError):
    pass


def save_plan(session: Session, plan: Plan | None, *, name: str, description: str,
              monthly_fee_cents: int, shares: int, actor: Member) -> Plan:
    """Create a plan (`plan` None) or change one; a name another plan uses is refused."""
    name = name.strip()
    if not name:
        raise DomainError(_l("Give the plan a name."))
    if not 0 <= monthly_fee_cents <= MAX_MONTHLY_FEE_CENTS:
        raise DomainError(_l("Write an amount in euros such as 25 or %(example)s.",
                             example=format_decimal(25.5, CENTS)))
    if not 0 <= shares <= 1000:
        raise DomainError(_l("A whole number from 0 to 1000."))
    taken = session.execute(select(Plan.id).where(
        func.lower(Plan.name) == name.lower(), Plan.id != (plan.id if plan else -1))).first()
    if taken:
        raise PlanNameTaken(_l("A plan named %(name)s already exists. Choose another name.",
                               name=name))
    plan = plan or Plan()
    plan.name, plan.description = name, description or ""
    plan.monthly_fee_cents, plan.shares = monthly_fee_cents, shares
    session.add(plan)
    session.flush()
    record_audit(session, actor, "plan.save", "plan", plan.id, plan.name)
    return plan


def plans_with_member_counts(session: Session) -> list[tuple[Plan, int]]:
    """Every plan by name, with how many members are on it."""
    return [tuple(row) for row in session.execute(
        select(Plan, func.count(Member.id)).outerjoin(Member, Member.plan_id == Plan.id)
        .group_by(Plan.id).order_by(Plan.name)).all()]
