"""Personal access tokens: created for a member, shown once, stored hashed, revoked at will."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from time import monotonic

from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select
from sqlalchemy.orm import Session, joinedload, make_transient_to_detached

from ..models import ApiToken, Member
from .accounts import record_audit
from .errors import DomainError
from .rows import by_id

TOKEN_PREFIX = "mut_"
# A token's last use is written at most this often, so reads stay reads.
LAST_USED_PRECISION = timedelta(minutes=1)
# Tokens checked recently, by hash, in this process (bounded; see recent_grant).
_GRANTS: dict[str, TokenGrant] = {}
MAX_GRANTS = 1000


@dataclass(frozen=True)
class TokenGrant:
    """What a valid token lets through: whose it is, and when that was checked."""

    token_id: int
    member_id: int
    last_used_at: datetime | None
    checked_at: float  # monotonic()
    # The member, when this request read the token from the database (never kept in _GRANTS,
    # which outlives sessions): holding it keeps it in the session's identity map.
    member: Member | None = field(default=None, compare=False)
    # What _GRANTS keeps instead: a detached copy of the member as read then, merged into each
    # request's session without a query (see grant_member).
    snapshot: Member | None = field(default=None, compare=False)


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
        _GRANTS.pop(token.token_hash, None)
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


def recent_grant(session: Session, secret: str, max_age: float) -> TokenGrant | None:
    """The token's grant, from this process's memory when checked less than `max_age` seconds
    ago, else from the database (find_active_token). A revocation, or a change to the member
    (deactivated, made a member again), made in this process takes effect at once, one made
    in another worker within `max_age` seconds."""
    if not secret or len(secret) > 200:
        return None
    key = hash_token(secret)
    grant = _GRANTS.get(key)
    if grant is not None and monotonic() - grant.checked_at < max_age:
        return grant
    token = find_active_token(session, secret)
    if token is None:
        _GRANTS.pop(key, None)
        return None
    if len(_GRANTS) >= MAX_GRANTS:
        _GRANTS.clear()
    grant = TokenGrant(token.id, token.member_id, token.last_used_at, monotonic(),
                       member=token.member)
    _GRANTS[key] = replace(grant, member=None, snapshot=_detached_copy(token.member))
    return grant


def grant_member(session: Session, grant: TokenGrant) -> Member | None:
    """The grant's member in this session: the one just read with the token, else the cached
    copy merged in without a query (it was half of a small API call), else read by number."""
    if grant.member is not None:
        return grant.member
    if grant.snapshot is not None:
        return session.merge(grant.snapshot, load=False)
    return by_id(session, Member, grant.member_id)


def _detached_copy(member: Member) -> Member:
    copy = Member(**{attr.key: getattr(member, attr.key)
                     for attr in Member.__mapper__.column_attrs})
    make_transient_to_detached(copy)
    return copy


def forget_member(member_id: int) -> None:
    """Drop this process's grants for the member's tokens: the next call reads them again."""
    for key in [k for k, grant in _GRANTS.items() if grant.member_id == member_id]:
        _GRANTS.pop(key, None)


@event.listens_for(Session, "after_flush")
def _note_member_write(session: Session, _context) -> None:
    changed = {o.id for o in (*session.dirty, *session.deleted) if isinstance(o, Member)}
    if changed:
        for member_id in changed:
            forget_member(member_id)
        session.info.setdefault("members_written", set()).update(changed)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _members_written(session: Session) -> None:
    """Once more when the transaction ends: a call that read the member between the flush and
    the commit (another thread) must not keep what it read."""
    for member_id in session.info.pop("members_written", ()):
        forget_member(member_id)


def touch_grant(session: Session, grant: TokenGrant, now: datetime) -> bool:
    """Note the token's use at most once per LAST_USED_PRECISION; True when a row changed
    and needs a commit."""
    if grant.last_used_at is not None and now - grant.last_used_at < LAST_USED_PRECISION:
        return False
    token = session.get(ApiToken, grant.token_id)
    if token is None or not touch_token(token, now):
        return False
    cached = _GRANTS.get(token.token_hash)
    if cached is not None:
        _GRANTS[token.token_hash] = replace(cached, last_used_at=now)
    return True
