"""Who takes part in an equal share: the accounts co-managers choose for each expense, by
default the active members with a plan (admins and members without a plan run or visit the
place; they do not share its costs unless co-managers say so)."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as ngettext
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from ...models import Expense, ExpenseParticipant, Member
from ..accounts import record_audit
from .accounts import active_members
from .errors import LedgerError


def takes_part_by_default(member: Member) -> bool:
    return member.plan_id is not None and member.role != "admin"


@dataclass(frozen=True)
class Participation:
    member: Member
    takes_part: bool


def _chosen_ids(session: Session, expense: Expense) -> set[int]:
    return set(session.execute(select(ExpenseParticipant.member_id).where(
        ExpenseParticipant.expense_id == expense.id)).scalars())


def equal_share_members(session: Session, expense: Expense, members: list[Member]
                        ) -> list[Member]:
    """Among the active `members`, those the equal part of this expense is shared by."""
    chosen = _chosen_ids(session, expense)
    if chosen:
        return [m for m in members if m.id in chosen]
    return [m for m in members if takes_part_by_default(m)]


def participations(session: Session, expense: Expense) -> list[Participation]:
    """Every active member and whether they share the equal part: the preview's checklist."""
    members = active_members(session)
    taking_part = {m.id for m in equal_share_members(session, expense, members)}
    return [Participation(m, m.id in taking_part) for m in members]


def uses_equal_share(expense: Expense) -> bool:
    return expense.method == "equal" or (expense.method == "mixed"
                                         and expense.mixed_base == "equal")


def choose_participants(session: Session, expense: Expense, member_ids: list[int], *,
                        actor: Member) -> list[int]:
    """Save who shares the equal part of this expense; later posts and corrections use it.

    Every id must be an active member's: a mistyped or deactivated one is refused, not
    dropped, so nobody is left out of a share without being told. These rows are a setting,
    not the ledger: entries already posted stay as they are."""
    if not uses_equal_share(expense):
        raise LedgerError(_l("This cost is not shared equally: choosing who shares an equal "
                             "part applies only to the equal key, or a mixed key whose fixed "
                             "part is shared equally."))
    wanted = set(member_ids)
    if not wanted:
        raise LedgerError(_l("Tick at least one member to share this cost equally."))
    active = {m.id for m in active_members(session)}
    strangers = sorted(wanted - active)
    if strangers:
        raise LedgerError(ngettext(
            "Number %(ids)s is not an active member: choose who shares this cost among the "
            "active members.",
            "Numbers %(ids)s are not active members: choose who shares this cost among the "
            "active members.", len(strangers), ids=", ".join(map(str, strangers))))
    chosen = sorted(wanted)
    session.execute(delete(ExpenseParticipant).where(
        ExpenseParticipant.expense_id == expense.id))
    session.execute(insert(ExpenseParticipant),
                    [{"expense_id": expense.id, "member_id": member_id} for member_id in chosen])
    record_audit(session, actor, "expense.participants", "expense", expense.id,
                 ",".join(map(str, chosen))[:500])
    return chosen


def chosen_participant_ids(session: Session, expense: Expense) -> list[int] | None:
    """The ids co-managers chose for the equal part, or None: then the default applies."""
    return sorted(_chosen_ids(session, expense)) or None
