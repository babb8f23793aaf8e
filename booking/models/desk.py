"""Equipment booked with a space, and the waiting list of taken slots."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import Member
from .bookings import Booking
from .spaces import Space
from .types import UTCDateTime, utcnow

# "cancelled": the member left the line; "removed": a co-manager took them off it.
WAITLIST_STATUSES = ("waiting", "offered", "booked", "expired", "cancelled", "removed")
WAITLIST_OPEN = ("waiting", "offered")

equipment_spaces = Table(
    "equipment_spaces", db.metadata,
    Column("item_id", ForeignKey("equipment_items.id", ondelete="CASCADE"), primary_key=True),
    Column("space_id", ForeignKey("spaces.id", ondelete="CASCADE"), primary_key=True),
)


class EquipmentItem(db.Model):
    """Shared equipment (a PA system, 2 vans, 20 stage lights) reserved with a space.

    No spaces listed: it may be used in any space."""

    __tablename__ = "equipment_items"
    __table_args__ = (
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        CheckConstraint("hourly_weight_pct >= 0", name="weight_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    # Weight of one unit for one hour when costs are shared by usage, in percent of an hour.
    hourly_weight_pct: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    spaces: Mapped[list[Space]] = relationship(secondary=equipment_spaces,
                                               order_by="Space.name")


class BookingEquipment(db.Model):
    """Units of an item a booking holds for its [start_at, end_at)."""

    __tablename__ = "booking_equipment"
    __table_args__ = (
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        UniqueConstraint("booking_id", "item_id", name="uq_booking_equipment_item"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("equipment_items.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)

    item: Mapped[EquipmentItem] = relationship()
    booking: Mapped[Booking] = relationship()


class WaitlistEntry(db.Model):
    """A member waiting for a taken slot: offered it when it frees, or booked directly."""

    __tablename__ = "waitlist_entries"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="ends_after_start"),
        CheckConstraint("status IN ('waiting', 'offered', 'booked', 'expired', 'cancelled', "
                        "'removed')",
                        name="status_known"),
        Index("ix_waitlist_entries_space_time", "space_id", "start_at", "end_at"),
        Index("ix_waitlist_entries_status_expiry", "status", "offer_expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    auto_book: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    space: Mapped[Space] = relationship()
    member: Mapped[Member] = relationship()
    booking: Mapped[Booking | None] = relationship()

    @property
    def is_open(self) -> bool:
        return self.status in WAITLIST_OPEN
