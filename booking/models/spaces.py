"""Spaces to book, and the attempts refused on them (the unmet demand)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow

SPACE_KINDS = ("rehearsal_room", "decor_workshop", "storage", "equipment")
WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
COLOURS = ("terracotta", "ocean", "forest", "plum", "ochre", "slate", "rose", "teal")


class Space(db.Model):
    """A rehearsal room, a decor workshop, a storage room or a piece of shared equipment."""

    __tablename__ = "spaces"
    __table_args__ = (
        CheckConstraint("kind IN ('rehearsal_room', 'decor_workshop', 'storage', 'equipment')",
                        name="kind_known"),
        CheckConstraint("slot_minutes IN (15, 30, 60)", name="slot_step_known"),
        CheckConstraint("min_minutes > 0 AND max_minutes >= min_minutes", name="length_range"),
        CheckConstraint("horizon_days >= 0 AND notice_minutes >= 0 AND buffer_minutes >= 0 "
                        "AND cancel_notice_hours >= 0", name="limits_not_negative"),
        CheckConstraint("hourly_weight_pct >= 0 AND hourly_rate_cents >= 0",
                        name="weights_not_negative"),
        CheckConstraint("checkin_opens_minutes >= 0 AND checkin_grace_minutes > 0 "
                        "AND no_show_fee_cents >= 0 AND waitlist_offer_minutes > 0",
                        name="desk_limits_valid"),
        CheckConstraint("no_show_cost IN ('quota', 'fee')", name="no_show_cost_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(32), default="rehearsal_room")
    description: Mapped[str] = mapped_column(Text, default="")
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    access_instructions: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(255), default="")
    colour: Mapped[str] = mapped_column(String(16), default="terracotta")
    # Weight of one hour here when costs are shared by usage, in percent (150 = 1.5x).
    hourly_weight_pct: Mapped[int] = mapped_column(Integer, default=100)
    hourly_rate_cents: Mapped[int] = mapped_column(Integer, default=0)
    # {"mon": [["08:00", "23:00"]], ..., "sun": []}, local wall-clock times.
    opening_hours: Mapped[dict] = mapped_column(JSON, default=dict)
    slot_minutes: Mapped[int] = mapped_column(Integer, default=30)
    min_minutes: Mapped[int] = mapped_column(Integer, default=60)
    max_minutes: Mapped[int] = mapped_column(Integer, default=8 * 60)
    horizon_days: Mapped[int] = mapped_column(Integer, default=90)
    notice_minutes: Mapped[int] = mapped_column(Integer, default=0)
    buffer_minutes: Mapped[int] = mapped_column(Integer, default=0)
    cancel_notice_hours: Mapped[int] = mapped_column(Integer, default=48)
    needs_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    show_titles: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Check-in: from `checkin_opens_minutes` before the start; a booking not checked in
    # `checkin_grace_minutes` after it is a no-show, which frees the rest of the slot when
    # `checkin_release` is set, and costs its hours (quota) or a fee (no_show_fee_cents).
    checkin_required: Mapped[bool] = mapped_column(Boolean, default=False,
                                                   server_default=false())
    checkin_opens_minutes: Mapped[int] = mapped_column(Integer, default=15, server_default="15")
    checkin_grace_minutes: Mapped[int] = mapped_column(Integer, default=15, server_default="15")
    checkin_release: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    no_show_cost: Mapped[str] = mapped_column(String(8), default="quota", server_default="quota")
    no_show_fee_cents: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # How long a freed slot is held for the first member on its waiting list.
    waitlist_offer_minutes: Mapped[int] = mapped_column(Integer, default=120,
                                                        server_default="120")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def hourly_weight(self) -> Decimal:
        return Decimal(self.hourly_weight_pct) / 100


class RefusedBooking(db.Model):
    """A booking attempt refused for a conflict, a closure or a quota: the unmet demand."""

    __tablename__ = "refused_bookings"
    __table_args__ = (
        CheckConstraint("reason IN ('conflict', 'closure', 'quota')", name="reason_known"),
        Index("ix_refused_bookings_space_time", "space_id", "start_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id"))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(16))
