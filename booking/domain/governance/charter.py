"""The charter: versions published by co-managers, accepted by members, and the gate that
keeps a member who has not accepted the version in force (or paid its deposit) from booking."""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ...models import CharterAcceptance, CharterDeposit, CharterVersion, Deposit, Member, Plan
from ..accounts import record_audit
from ..rows import plain_rows
from . import hooks
from .errors import CharterNotAccepted, DepositNotPaid, GovernanceError, NotAllowedHere

MAX_CHARTER_CHARS = 100_000


def current_version(session: Session) -> CharterVersion | None:
    """The latest published version, with its deposits."""
    return session.execute(select(CharterVersion).options(selectinload(CharterVersion.deposits))
                           .order_by(CharterVersion.number.desc()).limit(1)).scalar_one_or_none()


def version_by_number(session: Session, number: int) -> CharterVersion | None:
    return session.execute(select(CharterVersion).where(CharterVersion.number == number)
                           ).scalar_one_or_none()


def all_versions(session: Session) -> list[CharterVersion]:
    return list(session.execute(select(CharterVersion).order_by(CharterVersion.number.desc())
                                ).scalars())


def required_number(session: Session) -> int | None:
    """The version number a member must have accepted (or a later one); None: no charter yet.

    A minor version ("no new acceptance needed") leaves the requirement where it was."""
    return session.execute(select(func.max(CharterVersion.number))
                           .where(CharterVersion.requires_acceptance)).scalar_one_or_none()


def accepted_number(session: Session, member_id: int) -> int | None:
    """The latest version number the member accepted, or None."""
    return session.execute(
        select(func.max(CharterVersion.number)).join(
            CharterAcceptance, CharterAcceptance.charter_version_id == CharterVersion.id)
        .where(CharterAcceptance.member_id == member_id)).scalar_one_or_none()


def has_accepted(session: Session, member: Member) -> bool:
    """True when no charter asks anything, or the member accepted the version in force."""
    required = required_number(session)
    if required is None:
        return True
    accepted = accepted_number(session, member.id)
    return accepted is not None and accepted >= required


def publish_charter(session: Session, *, actor: Member, body_markdown: str, summary: str,
                    requires_acceptance: bool, now: datetime,
                    deposits: dict[int, int] | None = None,
                    deposit_required_to_book: bool = False) -> CharterVersion:
    """Publish the next version. The first always needs acceptance; `deposits` is plan id ->
    cents."""
    if not actor.is_comanager:
        raise NotAllowedHere(_l("Only co-managers publish the charter."))
    body = (body_markdown or "").strip()
    if not body:
        raise GovernanceError(_l("Write the charter's text."))
    if len(body) > MAX_CHARTER_CHARS:
        raise GovernanceError(_l("The charter is too long: keep it under 100,000 characters."))
    latest = session.execute(select(func.max(CharterVersion.number))).scalar_one_or_none() or 0
    version = CharterVersion(
        number=latest + 1, published_at=now, summary=(summary or "").strip(),
        body_markdown=body, requires_acceptance=requires_acceptance or latest == 0,
        deposit_required_to_book=deposit_required_to_book, published_by_id=actor.id)
    for plan_id, cents in (deposits or {}).items():
        if cents < 0 or cents > 100_000_000:
            raise GovernanceError(_l("A deposit is an amount from 0 to 1,000,000 euros."))
        if session.get(Plan, plan_id) is None:
            raise GovernanceError(_l("This plan does not exist: choose one from the list."))
        if cents:
            version.deposits.append(CharterDeposit(plan_id=plan_id, amount_cents=cents))
    session.add(version)
    session.flush()
    record_audit(session, actor, "charter.publish", "charter_version", version.id,
                 str(version.number))
    hooks.charter_version_published(session, version)
    return version


def accept_charter(session: Session, *, member: Member, number: int,
                   now: datetime) -> CharterAcceptance:
    """Accept the version in force (an older one is refused: read the current one)."""
    current = current_version(session)
    if current is None or current.number != number:
        raise GovernanceError(_l("Accept the current version of the charter: reload the page "
                                 "and read it first."))
    existing = session.execute(select(CharterAcceptance).where(
        CharterAcceptance.member_id == member.id,
        CharterAcceptance.charter_version_id == current.id)).scalar_one_or_none()
    if existing is not None:
        return existing
    acceptance = CharterAcceptance(member_id=member.id, charter_version_id=current.id,
                                   accepted_at=now)
    session.add(acceptance)
    session.flush()
    record_audit(session, member, "charter.accept", "charter_version", current.id,
                 str(current.number))
    return acceptance


def deposit_asked(version: CharterVersion | None, member: Member) -> int:
    """What the version asks of the member's plan as a deposit, in cents (0: nothing)."""
    if version is None or member.plan_id is None:
        return 0
    return next((d.amount_cents for d in version.deposits if d.plan_id == member.plan_id), 0)


def deposit_held(session: Session, member_id: int) -> int:
    """The member's deposits the cooperative still holds (the ledger's deposit account)."""
    return session.execute(select(func.coalesce(func.sum(Deposit.amount_cents), 0)).where(
        Deposit.member_id == member_id, Deposit.returned_on.is_(None))).scalar_one()


# Two columns rather than the version and its deposits: no charter published is the common
# case, and then this is the gate's only query (on every booking). Built once.
_IN_FORCE = (select(CharterVersion.id, CharterVersion.deposit_required_to_book)
             .order_by(CharterVersion.number.desc()).limit(1))


def charter_gate(session: Session, member: Member) -> None:
    """Refuse a booking when the member has not accepted the charter in force, or when the
    charter makes the deposit a condition and it is not paid. Nothing when no charter exists."""
    current = plain_rows(session, _IN_FORCE).first()
    if current is None:
        return
    if not has_accepted(session, member):
        raise CharterNotAccepted(_l("Before booking, read and accept the cooperative's "
                                    "charter (menu Decisions, then Charter)."),
                                 code="charter_not_accepted")
    if current.deposit_required_to_book:
        asked = deposit_asked(current_version(session), member)
        if asked and deposit_held(session, member.id) < asked:
            raise DepositNotPaid(_l("Before booking, pay the deposit the charter asks of your "
                                    "plan: a co-manager records it when it is received."),
                                 code="deposit_not_paid")


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "added", "removed", "same" or "hunk"
    text: str


def version_diff(session: Session, version: CharterVersion) -> list[DiffLine]:
    """What changed since the previous version, line by line (empty for the first one)."""
    previous = version_by_number(session, version.number - 1)
    if previous is None:
        return []
    lines = []
    for line in difflib.unified_diff(previous.body_markdown.splitlines(),
                                     version.body_markdown.splitlines(), lineterm="", n=2):
        if line.startswith(("---", "+++")):
            continue
        kind = {"+": "added", "-": "removed", "@": "hunk"}.get(line[:1], "same")
        lines.append(DiffLine(kind, line[1:] if kind != "hunk" else "…"))
    return lines


@dataclass(frozen=True)
class AcceptanceRow:
    member: Member
    accepted_number: int | None
    accepted_at: datetime | None
    up_to_date: bool
    deposit_asked_cents: int
    deposit_held_cents: int


def acceptance_overview(session: Session) -> list[AcceptanceRow]:
    """Every active member, the latest version they accepted, and their deposit: three queries."""
    required = required_number(session)
    current = current_version(session)
    members = list(session.execute(select(Member).where(Member.active)
                                   .order_by(Member.name)).scalars())
    latest = (select(CharterAcceptance.member_id,
                     func.max(CharterVersion.number).label("number"),
                     func.max(CharterAcceptance.accepted_at).label("at"))
              .join(CharterVersion, CharterVersion.id == CharterAcceptance.charter_version_id)
              .group_by(CharterAcceptance.member_id))
    accepted = {row.member_id: (row.number, row.at) for row in session.execute(latest)}
    held = dict(session.execute(
        select(Deposit.member_id, func.sum(Deposit.amount_cents))
        .where(Deposit.returned_on.is_(None)).group_by(Deposit.member_id)).all())
    rows = []
    for member in members:
        number, at = accepted.get(member.id, (None, None))
        rows.append(AcceptanceRow(
            member, number, at, required is None or (number is not None and number >= required),
            deposit_asked(current, member), held.get(member.id, 0)))
    return rows


def plans_for_deposits(session: Session) -> list[Plan]:
    """The active plans, to set each one's deposit."""
    return list(session.execute(select(Plan).where(Plan.active).order_by(Plan.name)).scalars())
