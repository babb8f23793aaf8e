"""Signed, expiring links for invitations and password resets.

A token embeds a fingerprint of the current password hash, so it stops working once used:
setting a password changes the hash.
"""
from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..extensions import db
from ..models import Member


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"mutualise-{purpose}")


def _fingerprint(member: Member) -> str:
    return hashlib.sha256((member.password_hash or "none").encode()).hexdigest()[:16]


def make_token(member: Member, purpose: str) -> str:
    return _serializer(purpose).dumps({"id": member.id, "fp": _fingerprint(member)})


def read_token(token: str, purpose: str, max_age_seconds: int) -> Member | None:
    """The member the token was made for, or None if it is forged, expired, used or inactive."""
    try:
        data = _serializer(purpose).loads(token, max_age=max_age_seconds)
    except (SignatureExpired, BadSignature):
        return None
    member = db.session.get(Member, data.get("id"))
    if member is None or not member.active or _fingerprint(member) != data.get("fp"):
        return None
    return member


EMAIL_CHANGE_MAX_AGE_SECONDS = 48 * 3600


def make_email_change_token(member: Member, email: str) -> str:
    return _serializer("email-change").dumps({"id": member.id, "email": email})


def read_email_change_token(token: str) -> tuple[Member, str] | None:
    """(member, new address) of a valid e-mail change link, or None."""
    try:
        data = _serializer("email-change").loads(token, max_age=EMAIL_CHANGE_MAX_AGE_SECONDS)
    except (SignatureExpired, BadSignature):
        return None
    member = db.session.get(Member, data.get("id"))
    if member is None or not member.active or not isinstance(data.get("email"), str):
        return None
    return member, data["email"]
