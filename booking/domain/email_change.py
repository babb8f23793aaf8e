"""Changing one's e-mail: the current password is asked, and the new address only takes
effect once the link sent to it is opened (the old address is told of the request)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ..models import Member
from .accounts import (
    EmailTaken,
    check_current_password,
    check_email_address,
    find_member_by_email,
    normalise_email,
    record_audit,
)
from .errors import DomainError


def request_email_change(session: Session, member: Member, new_email: str, password: str,
                         method: str = "scrypt") -> str | None:
    """Record `new_email` as waiting for confirmation; None when it is the current address."""
    if normalise_email(new_email) == member.email:
        member.pending_email = None
        return None
    email = check_email_address(new_email)
    _check_free(session, member, email)
    check_current_password(member, password, method)
    member.pending_email = email
    record_audit(session, member, "email.change_requested", "member", member.id, email)
    return email


def confirm_email_change(session: Session, member: Member, email: str) -> None:
    """Apply the change a link was sent for, if it is still the one waiting."""
    if not member.pending_email or member.pending_email != email:
        raise DomainError(_l("This link is not valid any more: ask for the change again "
                             "from your profile."))
    _check_free(session, member, email)
    old = member.email
    member.email, member.pending_email = email, None
    record_audit(session, member, "email.change", "member", member.id, f"{old} -> {email}")


def _check_free(session: Session, member: Member, email: str) -> None:
    other = find_member_by_email(session, email)
    if other is not None and other.id != member.id:
        raise EmailTaken(_l("Another member already uses %(email)s.", email=email))
