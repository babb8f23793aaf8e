"""Personal access tokens: created for a member, shown once, stored hashed, revoked at will."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ..models import ApiToken, Member
from .accounts import record_audit
from .errors import DomainError

TOKEN_PREFIX = "mut_"
# A token's last use is written at most this often, so reads stay reads.
LAST_USED_PRECISION = timedelta(minutes=1)


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(session: Session, member: Member, name: str, now: datetime
                 ) -> tuple[ApiToken, str]:
    """A new token for the member: returns the row and the secret, which is never stored."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Give the token a name, such as the script or site that uses it."))
    if len(name) > 80:
        raise DomainError(_l("A token name has at most 80 characters."))
    if not member.active:
        raise DomainError(_l("This account is deactivated: it cannot have tokens."))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(member_id=member.id, name=name, token_hash=hash_token(secret),
                     prefix=secret[:10], created_at=now)
    session.add(token)
    session.flush()
    record_audit(session, member, "api_token.create", "api_token", token.id, name)
    return token, secret


def revoke_token(session: Session, member: Member, token_id: int, now: datetime) -> ApiToken:
    """Revoke one of the member's own tokens (revoking twice changes nothing)."""
    token = session.get(ApiToken, token_id)
    if token is None or token.member_id != member.id:
        raise DomainError(_l("This token does not exist or is not yours."))
    if token.revoked_at is None:
        token.revoked_at = now
        record_audit(session, member, "api_token.revoke", "api_token", token.id, token.name)
        session.flush()
    return token


def member_tokens(session: Session, member: Member) -> list[ApiToken]:
    return list(session.execute(
        select(ApiToken).where(ApiToken.member_id == member.id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())).scalars())


def find_active_token(session: Session, secret: str) -> ApiToken | None:
    """The token with this secret, if it is not revoked and its member is active (one query)."""
    if not secret or len(secret) > 200:
        return None
    token = session.execute(
        select(ApiToken).options(joinedload(ApiToken.member))
        .where(ApiToken.token_hash == hash_token(secret))).scalar_one_or_none()
    if token is None or token.revoked_at is not None or not token.member.active:
        return None
    return token


def touch_token(token: ApiToken, now: datetime) -> bool:
    """Note the token's use; True when the row changed and needs a commit."""
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        token.last_used_at = now
        return True
    return False
