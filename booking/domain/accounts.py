"""Accounts: creating members, checking passwords, keeping an audit trail."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..models import ROLES, AuditEvent, Member, Organisation, Settings
from ..models.accounts import ROLE_RANK
from ..models.types import utcnow
from .errors import DomainError

MIN_PASSWORD_LENGTH = 8
# Checked when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="pbkdf2:sha256:1000")


class EmailTaken(DomainError):
    pass


class WeakPassword(DomainError):
    pass


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_member_by_email(session: Session, email: str) -> Member | None:
    return session.execute(
        select(Member).where(func.lower(Member.email) == normalise_email(email))
    ).scalar_one_or_none()


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(
            _l("Choose a password of at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
        )


def set_password(member: Member, password: str, method: str = "scrypt") -> None:
    check_password_strength(password)
    member.password_hash = generate_password_hash(password, method=method)


def create_member(
    session: Session,
    *,
    email: str,
    name: str,
    role: str = "member",
    password: str | None = None,
    plan_id: int | None = None,
    organisation_id: int | None = None,
    locale: str | None = None,
    hash_method: str = "scrypt",
) -> Member:
    """Add a member; without a password the account waits for its invitation to be accepted."""
    if role not in ROLES:
        raise DomainError(_l("Unknown role: %(role)s.", role=role))
    email = normalise_email(email)
    if find_member_by_email(session, email) is not None:
        raise EmailTaken(_l("A member with the email %(email)s already exists.", email=email))
    member = Member(
        email=email,
        name=name.strip(),
        role=role,
        plan_id=plan_id,
        organisation_id=organisation_id,
        locale=locale,
        active=True,
    )
    if password is not None:
        set_password(member, password, hash_method)
    session.add(member)
    session.flush()
    return member


def authenticate(session: Session, email: str, password: str) -> Member | None:
    """The member if the email and password match an active account, else None.

    The same answer and about the same time whether the email exists or not: the login
    form must not tell who is a member.
    """
    member = find_member_by_email(session, email)
    if member is None or not member.password_hash:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(member.password_hash, password):
        return None
    if not member.active:
        return None
    member.last_login_at = utcnow()
    return member


def record_audit(
    session: Session, actor: Member | None, action: str, object_type: str,
    object_id: int | None = None, detail: str = "",
) -> None:
    session.add(AuditEvent(
        actor_id=actor.id if actor else None, action=action,
        object_type=object_type, object_id=object_id, detail=detail,
    ))


def get_settings(session: Session, default_timezone: str = "Europe/Brussels",
                 default_currency: str = "EUR") -> Settings:
    """The cooperative's settings row; before anyone saves them, the install's defaults.

    The default is not added to the session, so reading settings never writes.
    """
    settings = session.get(Settings, 1)
    if settings is None:
        settings = Settings(id=1, name="Mutualise", timezone=default_timezone,
                            currency=default_currency, contact_email="", contact_address="",
                            contribution_rate_cents=1500)
    return settings


def update_profile(session: Session, member: Member, *, name: str, email: str, phone: str,
                   organisation_id: int | None, locale: str | None) -> None:
    email = normalise_email(email)
    other = find_member_by_email(session, email)
    if other is not None and other.id != member.id:
        raise EmailTaken(_l("Another member already uses %(email)s.", email=email))
    member.name = name.strip()
    member.email = email
    member.phone = phone.strip()
    member.organisation_id = organisation_id
    member.locale = locale or None


def change_password(member: Member, current: str, new: str, method: str = "scrypt") -> None:
    if not member.password_hash or not check_password_hash(member.password_hash, current):
        raise DomainError(_l("The current password is not right. Type it again."))
    set_password(member, new, method)


def update_membership(session: Session, actor: Member, member: Member, *, role: str,
                      plan_id: int | None, organisation_id: int | None, active: bool,
                      shares_override: int | None = None) -> None:
    """A co-manager changes a member's role, plan, organisation or access.

    Only an admin may grant, remove or touch the admin role, and nobody can lock themselves
    out (deactivate or demote their own account): the cooperative must keep a way in.
    """
    if role not in ROLES:
        raise DomainError(_l("Unknown role: %(role)s.", role=role))
    if (role == "admin" or member.role == "admin") and not actor.is_admin:
        raise DomainError(_l("Only an admin can change an admin account or make someone admin."))
    if member.id == actor.id and (not active or ROLE_RANK[role] < ROLE_RANK[actor.role]):
        raise DomainError(_l("You cannot deactivate or demote your own account. "
                             "Ask another co-manager or an admin."))
    changes = []
    for field, value in (("role", role), ("plan_id", plan_id),
                         ("organisation_id", organisation_id), ("active", active),
                         ("shares_override", shares_override)):
        if getattr(member, field) != value:
            changes.append(f"{field}: {getattr(member, field)} -> {value}")
            setattr(member, field, value)
    if changes:
        record_audit(session, actor, "member.update", "member", member.id, "; ".join(changes))


def invite_member(session: Session, actor: Member, *, email: str, name: str, role: str,
                  plan_id: int | None, organisation_id: int | None) -> Member:
    if role == "admin" and not actor.is_admin:
        raise DomainError(_l("Only an admin can make someone admin."))
    member = create_member(session, email=email, name=name, role=role, plan_id=plan_id,
                           organisation_id=organisation_id)
    member.invited_at = utcnow()
    record_audit(session, actor, "member.invite", "member", member.id, member.email)
    return member


def create_organisation(session: Session, actor: Member, name: str,
                        pays_for_members: bool = False) -> Organisation:
    name = name.strip()
    exists = session.execute(
        select(Organisation.id).where(func.lower(Organisation.name) == name.lower())
    ).first()
    if exists:
        raise DomainError(_l("An organisation named %(name)s already exists.", name=name))
    organisation = Organisation(name=name, pays_for_members=pays_for_members)
    session.add(organisation)
    session.flush()
    record_audit(session, actor, "organisation.create", "organisation", organisation.id, name)
    return organisation
