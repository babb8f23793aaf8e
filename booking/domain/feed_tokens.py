"""The members' secret calendar-feed tokens: the token in a feed URL is the only login.

Stored hashed (SHA-256, like API tokens) in `Member.feed_token`: a copy of the database gives
no working feed URL, and the URL is shown once, when it is made.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Member

TOKEN_BYTES = 32  # 43 URL-safe characters


def hash_feed_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# Compared against when no member has the token, so a wrong token costs what a right one does.
_NO_TOKEN_HASH = hash_feed_token(secrets.token_urlsafe(TOKEN_BYTES))


def regenerate_feed_token(member: Member) -> str:
    """A new secret for the member's feed URLs, returned once and stored only as its hash;
    the old URLs stop working at once."""
    secret = secrets.token_urlsafe(TOKEN_BYTES)
    member.feed_token = hash_feed_token(secret)
    return secret


def revoke_feed_token(member: Member) -> bool:
    """Turn the member's feed URLs off; whether there was one to turn off."""
    had_token = member.feed_token is not None
    member.feed_token = None
    return had_token


def is_feed_token_of(member: Member, token: str | None) -> bool:
    """Whether `token` is the member's current feed secret (constant-time)."""
    if not token or member.feed_token is None:
        return False
    return hmac.compare_digest(member.feed_token, hash_feed_token(token))


def member_for_feed_token(session: Session, token: str) -> Member | None:
    """The active member whose feed token this is, or None.

    The lookup is by hash (indexed, unique column); the final comparison is constant-time,
    and done against a dummy hash when nobody matches, so a wrong token walks the same path.
    Deactivated members' tokens are refused after the comparison, not before it.
    """
    digest = hash_feed_token(token)
    candidate = session.execute(
        select(Member).where(Member.feed_token == digest)).scalar_one_or_none()
    expected = candidate.feed_token if candidate is not None else _NO_TOKEN_HASH
    matches = hmac.compare_digest(expected, digest)
    if candidate is None or not matches or not candidate.active:
        return None
    return candidate
