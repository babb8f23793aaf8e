"""Which account a credit pays: first the structured communication (exact), then the
counterparty's IBAN when it has paid for exactly one account before, else a proposal by amount
and name that a co-manager confirms. Everything is read once per import (a few queries), so a
statement of thousands of lines costs the same handful of reads."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ...models import BankLine, Member, Organisation
from ..ledger import balances
from .communications import accounts_by_communication

Account = tuple[int | None, int | None]  # (member_id, organisation_id)


def _words(name: str) -> set[str]:
    plain = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode()
    return {w for w in re.split(r"[^a-z0-9]+", plain.lower()) if len(w) > 1}


@dataclass
class Candidate:
    account: Account
    name: str
    payer: Member  # the member a Payment is recorded for (an organisation: its first member)
    due_cents: int
    words: set[str] = field(default_factory=set)


@dataclass
class MatchContext:
    by_communication: dict[str, Account]
    by_iban: dict[str, Account]
    candidates: dict[Account, Candidate]

    def learn(self, iban: str, account: Account) -> None:
        if iban and iban not in self.by_iban:
            self.by_iban[iban] = account


def _known_ibans(session: Session) -> dict[str, Account]:
    """IBANs that paid for exactly one account, learnt from lines already matched."""
    seen: dict[str, set[Account]] = {}
    for iban, member_id, organisation_id in session.execute(
            select(BankLine.counterparty_iban, BankLine.member_id, BankLine.organisation_id)
            .where(BankLine.status == "matched", BankLine.counterparty_iban != "")
            .distinct()):
        seen.setdefault(iban, set()).add((member_id, organisation_id))
    return {iban: next(iter(accounts)) for iban, accounts in seen.items()
            if len(accounts) == 1 and next(iter(accounts)) != (None, None)}


def _candidates(session: Session) -> dict[Account, Candidate]:
    members = list(session.execute(
        select(Member).options(joinedload(Member.organisation)).where(Member.active.is_(True))
        .order_by(Member.id)).scalars())
    due = {(b.member_id, b.organisation_id): b.balance_cents for b in balances(session)}
    found: dict[Account, Candidate] = {}
    for member in members:
        organisation = member.organisation
        if organisation is not None and organisation.pays_for_members:
            key = (None, organisation.id)
            if key not in found:
                found[key] = Candidate(key, organisation.name, member, due.get(key, 0),
                                       _words(organisation.name))
            continue
        key = (member.id, None)
        found[key] = Candidate(key, member.name, member, due.get(key, 0), _words(member.name))
    return found


def match_context(session: Session) -> MatchContext:
    return MatchContext(accounts_by_communication(session), _known_ibans(session),
                        _candidates(session))


def _for_payment(ctx: MatchContext, account: Account) -> Account | None:
    """The account as candidates know it: a member whose organisation pays maps to it."""
    if account in ctx.candidates:
        return account
    member_id, _organisation = account
    for candidate in ctx.candidates.values():
        if member_id is not None and candidate.payer.id == member_id:
            return candidate.account
    return None


def _score(candidate: Candidate, amount_cents: int, words: set[str]) -> int:
    score = 0
    if candidate.words and words:
        common = candidate.words & words
        score += 2 if common == candidate.words else 1 if common else 0
    if candidate.due_cents > 0 and candidate.due_cents == amount_cents:
        score += 1
    return score


def suggestions(ctx: MatchContext, amount_cents: int, counterparty: str, limit: int = 3
                ) -> list[Candidate]:
    """Accounts whose name is in the counterparty's, or whose amount due is the amount."""
    words = _words(counterparty)
    scored = [(_score(c, amount_cents, words), c) for c in ctx.candidates.values()]
    scored = [pair for pair in scored if pair[0] > 0]
    scored.sort(key=lambda pair: (-pair[0], pair[1].name))
    return [candidate for _score_value, candidate in scored[:limit]]


@dataclass(frozen=True)
class Match:
    account: Account | None
    matched_by: str | None  # communication, iban; None when only proposed
    proposal: Account | None = None


def match_credit(ctx: MatchContext, *, structured: str | None, iban: str, amount_cents: int,
                 counterparty: str) -> Match:
    if structured and structured in ctx.by_communication:
        account = _for_payment(ctx, ctx.by_communication[structured])
        if account is not None:
            return Match(account, "communication")
    if iban and iban in ctx.by_iban:
        account = _for_payment(ctx, ctx.by_iban[iban])
        if account is not None:
            return Match(account, "iban")
    best = suggestions(ctx, amount_cents, counterparty, limit=2)
    # Propose only a clear winner: a tie between two accounts is left for a person.
    if best and (len(best) == 1 or _score(best[0], amount_cents, _words(counterparty))
                 > _score(best[1], amount_cents, _words(counterparty))):
        return Match(None, None, best[0].account)
    return Match(None, None)


def candidate_accounts(session: Session) -> list[tuple[Account, str]]:
    """Accounts a co-manager may assign a line to, by name."""
    return sorted(((c.account, c.name) for c in _candidates(session).values()),
                  key=lambda pair: pair[1].lower())


def organisation_payer(session: Session, organisation: Organisation) -> Member | None:
    return session.execute(select(Member).where(Member.organisation_id == organisation.id,
                                                Member.active.is_(True))
                           .order_by(Member.id).limit(1)).scalar_one_or_none()
