"""Accounts: creating members, checking passwords, keeping an audit trail."""
from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, joinedload

from ..formatting import CENTS, format_decimal
from ..models import ROLES, AuditEvent, Member, Organisation, Settings
from ..models.accounts import ROLE_RANK
from ..models.types import utcnow
from .errors import DomainError
from .passwords import (  # noqa: F401  (MIN_PASSWORD_LENGTH, WeakPassword: used by forms)
    MIN_PASSWORD_LENGTH,
    WeakPassword,
    check_password_strength,
    hash_password,
    verify_password,
)


class EmailTaken(DomainError):
    pass


class WrongPassword(DomainError):
    pass


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_email_address(email: str) -> str:
    """The address normalised, if the sign-in form would accept it (the same check as WTForms'
    Email validator: syntax, no special-use domain such as .test); DomainError otherwise."""
    try:
        validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise DomainError(_l("Enter a valid email address.")) from None
    return normalise_email(email)


def find_member_by_email(session: Session, email: str) -> Member | None:
    return session.execute(
        select(Member).where(func.lower(Member.email) == normalise_email(email))
    ).scalar_one_or_none()


def set_password(member: Member, password: str, method: str = "scrypt") -> None:
    """A new password ends every other session: the old one may be what leaked."""
    check_password_strength(password)
    member.password_hash = hash_password(password, method)
    sign_out_everywhere(member)


def sign_out_everywhere(member: Member) -> None:
    """Every session and remember-me cookie of the member stops working on its next request."""
    member.session_version = (member.session_version or 0) + 1


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
    email = check_email_address(email)
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


def authenticate(session: Session, email: str, password: str,
                 method: str = "scrypt") -> Member | None:
    """The member if the email and password match an active account, else None.

    The same answer and the same hashing work whether the email exists or not (`method` is
    the configured hash method): the login form must not tell who is a member.
    """
    member = find_member_by_email(session, email)
    if not verify_password(member.password_hash if member else None, password, method):
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


def update_profile(session: Session, member: Member, *, name: str, phone: str,
                   locale: str | None) -> None:
    """What a member changes alone. The e-mail goes through a confirmation link
    (domain.email_change) and the organisation through a co-manager (organisation_requests)."""
    member.name = name.strip()
    member.phone = phone.strip()
    member.locale = locale or None


def check_current_password(member: Member, password: str, method: str = "scrypt") -> None:
    if not verify_password(member.password_hash, password or "", method):
        raise WrongPassword(_l("The current password is not right. Type it again."))


def change_password(member: Member, current: str, new: str, method: str = "scrypt") -> None:
    check_current_password(member, current, method)
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
    changes, was_active = [], member.active
    for field, value in (("role", role), ("plan_id", plan_id),
                         ("organisation_id", organisation_id), ("active", active),
                         ("shares_override", shares_override)):
        if getattr(member, field) != value:
            changes.append(f"{field}: {getattr(member, field)} -> {value}")
            setattr(member, field, value)
    if was_active and not active:
        sign_out_everywhere(member)
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


def active_member_choices(session: Session) -> list[tuple[int, str]]:
    """(id, name) of the active members, by name: whom a co-manager may pick in a form."""
    return [tuple(row) for row in session.execute(
        select(Member.id, Member.name).where(Member.active.is_(True)).order_by(Member.name))]


def members_query(search: str = "", status: str = "active") -> Select:
    """The members list: a search in names and emails, and active, inactive or all."""
    query = select(Member).options(joinedload(Member.plan), joinedload(Member.organisation))
    if search:
        like = f"%{search.lower()}%"
        query = query.where(or_(func.lower(Member.name).like(like),
                                func.lower(Member.email).like(like)))
    if status == "active":
        query = query.where(Member.active.is_(True))
    elif status == "inactive":
        query = query.where(Member.active.is_(False))
    return query.order_by(func.lower(Member.name))


def organisations_with_member_counts(session: Session) -> list[tuple[Organisation, int]]:
    return [tuple(row) for row in session.execute(
        select(Organisation, func.count(Member.id))
        .outerjoin(Member, Member.organisation_id == Organisation.id)
        .group_by(Organisation.id).order_by(Organisation.name))]


def choose_password(session: Session, member: Member, password: str, *, purpose: str,
                    method: str = "scrypt") -> None:
    """A password chosen from an emailed link (`purpose`: reset or invite)."""
    set_password(member, password, method)
    record_audit(session, member, f"password.{purpose}", "member", member.id)


def set_locale(member: Member, locale: str) -> None:
    member.locale = locale


def bank_account_numbers(iban: str, bic: str) -> tuple[str, str]:
    """The IBAN and BIC in their compact form, checked with schwifty (empty stays empty)."""
    from schwifty import BIC, IBAN
    from schwifty.exceptions import SchwiftyException

    iban, bic = (iban or "").replace(" ", "").upper(), (bic or "").replace(" ", "").upper()
    try:
        iban = IBAN(iban).compact if iban else ""
    except SchwiftyException:
        raise DomainError(_l("This IBAN is not valid: check it on your bank statement.")
                          ) from None
    try:
        bic = str(BIC(bic)) if bic else ""
    except SchwiftyException:
        raise DomainError(_l("This BIC is not valid: 8 or 11 letters and digits, such as "
                             "GEBABEBB.")) from None
    return iban, bic


def update_settings(session: Session, actor: Member, *, name: str, timezone: str,
                    currency: str, contact_email: str, contact_address: str,
                    contribution_rate_cents: int, bank_account_holder: str = "",
                    bank_iban: str = "", bank_bic: str = "") -> Settings:
    """Save the cooperative's settings (the row is created on the first save)."""
    if not 0 <= contribution_rate_cents <= 100_000:
        raise DomainError(_l("Write an amount in euros such as 15 or %(example)s.",
                             example=format_decimal(12.5, CENTS)))
    bank_iban, bank_bic = bank_account_numbers(bank_iban, bank_bic)
    settings = get_settings(session)
    settings.name = name.strip()
    settings.timezone, settings.currency = timezone, currency
    settings.contact_email = contact_email or ""
    settings.contact_address = contact_address or ""
    settings.contribution_rate_cents = contribution_rate_cents
    settings.bank_account_holder = (bank_account_holder or "").strip()[:70]
    settings.bank_iban, settings.bank_bic = bank_iban, bank_bic
    session.add(settings)
    session.flush()
    record_audit(session, actor, "settings.update", "settings", 1)
    return settings
