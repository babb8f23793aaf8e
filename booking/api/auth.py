"""Who calls the API: a personal access token in `Authorization: Bearer <token>`, and only
that. Cookie sessions are never accepted here, so the CSRF exemption cannot be abused."""
from __future__ import annotations

from functools import wraps

from flask import current_app, g, request
from flask_limiter.util import get_remote_address

from .. import clock
from ..domain import api_tokens
from ..extensions import db
from ..models import Member
from .problems import ApiProblem

_MISSING = object()
# How long a worker trusts a token it has checked: a revocation elsewhere waits at most this.
TOKEN_CACHE_SECONDS = 5.0


def bearer_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def current_token() -> api_tokens.TokenGrant | None:
    """The request's valid token, looked up once (the rate limiter asks first), by its hash,
    kept a few seconds per process (API_TOKEN_CACHE_SECONDS) so most calls skip the query."""
    token = g.get("api_token", _MISSING)
    if token is _MISSING:
        secret = bearer_secret()
        token = api_tokens.recent_grant(
            db.session, secret, current_app.config.get("API_TOKEN_CACHE_SECONDS",
                                                       TOKEN_CACHE_SECONDS)) if secret else None
        g.api_token = token
    return token


def rate_limit_key() -> str:
    """Per token; callers without a valid token share their address's budget."""
    token = current_token()
    return f"api-token:{token.token_id}" if token else f"api-anonymous:{get_remote_address()}"


def rate_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def authenticate() -> Member:
    """The token's member, made the request's user (without touching the session cookie)."""
    token = current_token()
    member = None
    if token is not None:
        member = api_tokens.grant_member(db.session(), token)
    if member is None or not member.active:
        raise ApiProblem(401)
    g._login_user = member  # Flask-Login's current_user for this request only
    if api_tokens.touch_grant(db.session, token, clock.now()):
        if g.get("autocommit"):
            db.session.flush()  # written at once; committing would end the autocommit
        else:
            db.session.commit()
    return member


def current_member() -> Member:
    return g._login_user


def comanager_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_member().is_comanager:
            raise ApiProblem(403)
        return view(*args, **kwargs)

    return wrapped
