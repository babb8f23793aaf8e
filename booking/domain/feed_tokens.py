"""The members' secret calendar-feed tokens: the token in a feed URL is the only login."""
from __future__ import annotations

import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Member

TOKEN_BYTES = 32  # 43 URL-safe characters
# Compared against when no member has the token, so a wrong token costs what a right one does.
_NO_TOKEN = secrets.token_urlsafe(TOKEN_BYTES)


def regenerate_feed_token(member: Member) -> str:
    """A new secret for the member's feed URLs; the old URLs stop working at once."""
    member.feed_token = secrets.token_urlsafe(TOKEN_BYTES)
    return member.feed_token


def member_for_feed_token(session: Session, token: str) -> Member | None:
    """The active member whose feed token this is, or None.

    The lookup is indexed (unique column); the final comparison is constant-time, and done
    against a dummy secret when nobody matches, so a wrong token walks the same path.
    Deactivated members' tokens are refused after the comparison, not before it.
    """
    candidate = session.execute(
        select(Member).where(Member.feed_token == token)).scalar_one_or_none()
    expected = candidate.feed_token if candidate is not None else _NO_TOKEN
    matches = hmac.compare_digest(expected.encode(), token.encode())
    if candidate is None or not matches or not candidate.active:
        return None
    return candidate
