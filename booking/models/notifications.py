"""The notification outbox: one row per thing a member is told, written in the transaction of
the change it reports, shown in the app and e-mailed after commit by the worker."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import Member
from .types import UTCDateTime, utcnow

EMAIL_STATES = ("pending", "sent", "failed", "dead", "skipped")
DEFAULT_REMINDER_MINUTES = 1440


class Notification(db.Model):
    """What a member is told. Texts are rendered when read or sent, in the reader's language,
    from `kind` and `params`; `email_state` follows the e-mail through the worker:
    pending -> sent, or failed (retried at `next_attempt_at`) -> dead after too many tries;
    skipped when the member wants no e-mail of this kind. The member's preferences apply when
    the row is shown or sent, so writing one costs a single INSERT in the booking's
    transaction, and switching a kind off also silences what is still queued."""

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint("email_state IN ('pending', 'sent', 'failed', 'dead', 'skipped')",
                        name="email_state_known"),
        UniqueConstraint("dedupe_key", name="uq_notifications_dedupe_key"),
        Index("ix_notifications_member_unread", "member_id", "read_at"),
        Index("ix_notifications_delivery", "email_state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    link: Mapped[str] = mapped_column(String(300), default="")
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set for what must be written once only, e.g. "reminder:<booking>:<start>".
    dedupe_key: Mapped[str | None] = mapped_column(String(200))

    member: Mapped[Member] = relationship()


class NotificationPreference(db.Model):
    """A member's choice for one kind; no row means both channels on."""

    __tablename__ = "notification_preferences"
    __table_args__ = (
        UniqueConstraint("member_id", "kind", name="uq_notification_preferences_member_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    kind: Mapped[str] = mapped_column(String(40))
    email: Mapped[bool] = mapped_column(Boolean, default=True)
    app: Mapped[bool] = mapped_column(Boolean, default=True)


class ReminderSetting(db.Model):
    """How long before a booking the member is reminded; NULL: no reminder. No row: 24 h."""

    __tablename__ = "reminder_settings"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    reminder_minutes: Mapped[int | None] = mapped_column(Integer)
