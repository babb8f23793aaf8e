"""Belgian structured communications (+++123/4567/89012+++): ten digits and two check digits,
the remainder of the ten digits by 97 (97 when it is 0). Each account has one, for good."""
from __future__ import annotations

import re
import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...models import AccountCommunication, Member, Organisation

# In free text banks keep +++ or *** around it; some members type it without the slashes.
_IN_TEXT = re.compile(r"(?:\+\+\+|\*\*\*)\s*(\d{3})\s*/?\s*(\d{4})\s*/?\s*(\d{5})\s*"
                      r"(?:\+\+\+|\*\*\*)")


def check_digits(base: str) -> str:
    """The two check digits of ten digits: their remainder by 97, or 97 for a remainder of 0."""
    if len(base) != 10 or not base.isdigit():
        raise ValueError("a structured communication starts with ten digits")
    remainder = int(base) % 97
    return f"{remainder or 97:02d}"


def is_valid(digits: str) -> bool:
    """True for twelve digits whose last two are the check digits of the first ten."""
    return (len(digits) == 12 and digits.isdigit() and digits[:10] != "0" * 10
            and check_digits(digits[:10]) == digits[10:])


def formatted(digits: str) -> str:
    """090933755493 -> +++090/9337/55493+++"""
    return f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"


def find_in_text(text: str) -> str | None:
    """The first valid structured communication written in a free-text communication."""
    for match in _IN_TEXT.finditer(text or ""):
        digits = "".join(match.groups())
        if is_valid(digits):
            return digits
    return None


def normalise(reference: str) -> str | None:
    """A reference given in a structured field (digits, maybe with + / *), if valid."""
    digits = re.sub(r"[\s+*/]", "", reference or "")
    return digits if is_valid(digits) else find_in_text(reference)


def _new_digits() -> str:
    base = f"{secrets.randbelow(9_000_000_000) + 1_000_000_000}"
    return base + check_digits(base)


def communication_for(session: Session, *, member: Member | None = None,
                      organisation: Organisation | None = None) -> AccountCommunication:
    """The account's structured communication, generated on first need and then kept.

    Random digits (not the account id) so a communication says nothing about the account;
    the unique constraint catches the rare clash, and another draw is made.
    """
    column = (AccountCommunication.member_id if member is not None
              else AccountCommunication.organisation_id)
    owner_id = member.id if member is not None else organisation.id
    existing = session.execute(select(AccountCommunication).where(column == owner_id)
                               ).scalar_one_or_none()
    if existing is not None:
        return existing
    for _attempt in range(20):
        row = AccountCommunication(member_id=member.id if member is not None else None,
                                   organisation_id=None if member is not None
                                   else organisation.id, digits=_new_digits())
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:
            continue
        return row
    raise RuntimeError("no free structured communication after 20 draws")


def accounts_by_communication(session: Session) -> dict[str, tuple[int | None, int | None]]:
    """Every known communication -> (member_id, organisation_id), in one query."""
    return {digits: (member_id, organisation_id) for digits, member_id, organisation_id in
            session.execute(select(AccountCommunication.digits, AccountCommunication.member_id,
                                   AccountCommunication.organisation_id))}
