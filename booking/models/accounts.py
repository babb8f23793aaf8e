"""People, their structures and plans, and the cooperative's own settings."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow

ROLES = ("member", "comanager", "admin")
ROLE_RANK = {"member": 0, "comanager": 1, "admin": 2}


class Organisation(db.Model):
    """A band, a company or an asbl some members belong to."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # When true, its members' charges go to the organisation's own account.
    pays_for_members: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list[Member]] = relationship(back_populates="organisation")


class Plan(db.Model):
    """A membership tier: a monthly fee, a number of cost shares and default quotas."""

    __tablename__ = "plans"
    __table_args__ = (
        CheckConstraint("monthly_fee_cents >= 0", name="fee_not_negative"),
        CheckConstraint("shares >= 0", name="shares_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    monthly_fee_cents: Mapped[int] = mapped_column(Integer, default=0)
    shares: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    members: Mapped[list[Member]] = relationship(back_populates="plan")


class Member(UserMixin, db.Model):
    """A person's account. Deactivated members keep their data but cannot sign in."""

    __tablename__ = "members"
    __table_args__ = (
        CheckConstraint("role IN ('member', 'comanager', 'admin')", name="role_known"),
        CheckConstraint("locale IS NULL OR locale IN ('fr', 'nl', 'en')", name="locale_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(40), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="member")
    locale: Mapped[str | None] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"), index=True)
    shares_override: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The secret in the member's calendar feed URLs; None until the member asks for a link.
    feed_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Part of the id in session and remember-me cookies: raising it signs out every device.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A new address waiting for its confirmation link to be opened.
    pending_email: Mapped[str | None] = mapped_column(String(254))

    organisation: Mapped[Organisation | None] = relationship(back_populates="members")
    plan: Mapped[Plan | None] = relationship(back_populates="members")

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version or 0}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)

    def has_role(self, role: str) -> bool:
        """Roles are ranked: an admin can do what a co-manager can, who can do what a member can."""
        return ROLE_RANK[self.role] >= ROLE_RANK[role]

    @property
    def is_comanager(self) -> bool:
        return self.has_role("comanager")

    @property
    def is_admin(self) -> bool:
        return self.has_role("admin")


class OrganisationJoinRequest(db.Model):
    """A member asks to join an organisation; a co-manager approves or refuses it.

    One open request per member; it is deleted once answered (the audit trail keeps the answer).
    """

    __tablename__ = "organisation_join_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), unique=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member] = relationship()
    organisation: Mapped[Organisation] = relationship()


class Settings(db.Model):
    """The cooperative's own settings: one row, created on first use."""

    __tablename__ = "settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), default="Mutualise")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Brussels")
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_address: Mapped[str] = mapped_column(Text, default="")
    # What an hour of volunteer work is credited at, against the member's charges.
    contribution_rate_cents: Mapped[int] = mapped_column(Integer, default=1500)
    # Where members send their transfers (checked with schwifty when saved).
    bank_account_holder: Mapped[str] = mapped_column(String(70), default="")
    bank_iban: Mapped[str] = mapped_column(String(34), default="")
    bank_bic: Mapped[str] = mapped_column(String(11), default="")


class AuditEvent(db.Model):
    """Who did what to which object, and when: kept for accountability, never edited."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text, default="")

    actor: Mapped[Member | None] = relationship()
