"""Bookings of a space, recurring series, and closures (when a space cannot be booked)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import Member, Organisation
from .spaces import Space
from .types import UTCDateTime, utcnow

ACTIVE_STATUSES = ("pending", "confirmed")
BOOKING_STATUSES = ("pending", "confirmed", "cancelled", "rejected")


class BookingSeries(db.Model):
    """What a recurring booking was asked as; its occurrences are ordinary bookings."""

    __tablename__ = "booking_series"
    __table_args__ = (
        CheckConstraint("freq IN ('weekly', 'monthly')", name="freq_known"),
        CheckConstraint("interval >= 1", name="interval_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    freq: Mapped[str] = mapped_column(String(16))
    interval: Mapped[int] = mapped_column(Integer, default=1)
    count: Mapped[int | None] = mapped_column(Integer)
    until: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# The longest booking a space may allow, and its longest buffer: a booking's blocked range
# [start_at, blocked_until) is never longer than their sum (checked by the database). So a
# booking meeting a time starts at most LONGEST_BLOCK before it, which bounds every
# time-range lookup on the (space_id, start_at, ...) index from both sides: without that
# lower bound, each lookup read the space's whole history up to the time asked.
LONGEST_BOOKING = timedelta(days=14)
LONGEST_BUFFER = timedelta(days=1)
LONGEST_BLOCK = LONGEST_BOOKING + LONGEST_BUFFER


class Booking(db.Model):
    """A member's hold on a space for [start_at, end_at). Cancelled bookings are kept.

    `blocked_until` is end_at plus the space's buffer at booking time: two active bookings
    of a space conflict exactly when [start_at, blocked_until) ranges overlap, which the
    PostgreSQL exclusion constraint enforces and SQLite checks under a write lock.
    """

    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="ends_after_start"),
        CheckConstraint("blocked_until >= end_at", name="buffer_after_end"),
        # LONGEST_BLOCK; SQLite's migration installs triggers that refuse the same rows.
        CheckConstraint("blocked_until <= start_at + interval '15 days'",
                        name="block_within_longest").ddl_if(dialect="postgresql"),
        CheckConstraint("status IN ('pending', 'confirmed', 'cancelled', 'rejected')",
                        name="status_known"),
        Index("ix_bookings_space_time", "space_id", "start_at", "blocked_until"),
        Index("ix_bookings_member_time", "member_id", "start_at"),
        Index("ix_bookings_time", "start_at", "end_at"),
        ExcludeConstraint(
            (text("space_id"), "="),
            (func.tstzrange(text("start_at"), text("blocked_until"), "[)"), "&&"),
            name="bookings_no_overlap",
            using="gist",
            where=text("status IN ('pending', 'confirmed')"),
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    series_id: Mapped[int | None] = mapped_column(ForeignKey("booking_series.id"), index=True)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    blocked_until: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="confirmed")
    title: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    late_cancellation: Mapped[bool] = mapped_column(Boolean, default=False)
    # Minutes beyond a quota whose rule bills overage (at the space's hourly rate).
    overage_minutes: Mapped[int] = mapped_column(Integer, default=0)
    # Check-in on spaces that require it; `no_show_at` when the scheduled job found none.
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    no_show_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Who made it: the member, or a co-manager booking on their behalf (NULL before 2026-12).
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    # Booked for the booker's organisation: all its members take part, its pool is counted.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"),
                                                        index=True)

    @classmethod
    def meeting(cls, start, end, *, blocked: bool = False, earliest=None) -> list:
        """The conditions of the bookings whose [start_at, end_at) (with `blocked`, their
        blocked range) meets [start, end): both ends of the index range bounded, as none
        starts more than LONGEST_BLOCK before it. `earliest` stands for start - LONGEST_BLOCK
        where `start` is a bound parameter."""
        if earliest is None:
            earliest = start - LONGEST_BLOCK
        until = cls.blocked_until if blocked else cls.end_at
        return [cls.start_at < end, until > start, cls.start_at > earliest]

    space: Mapped[Space] = relationship()
    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    series: Mapped[BookingSeries | None] = relationship()
    cancelled_by: Mapped[Member | None] = relationship(foreign_keys=[cancelled_by_id])
    decided_by: Mapped[Member | None] = relationship(foreign_keys=[decided_by_id])
    created_by: Mapped[Member | None] = relationship(foreign_keys=[created_by_id])
    organisation: Mapped[Organisation | None] = relationship()
    participants: Mapped[list[BookingParticipant]] = relationship(
        back_populates="booking", cascade="all, delete-orphan")

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class BookingParticipant(db.Model):
    """A member named on someone else's booking (a band's rehearsal): they see it and are
    told of its changes; the booker's quota is the one counted."""

    __tablename__ = "booking_participants"
    __table_args__ = (Index("ix_booking_participants_member", "member_id", "booking_id"),)

    booking_id: Mapped[int] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"),
        primary_key=True)
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"),
        primary_key=True)

    booking: Mapped[Booking] = relationship(back_populates="participants")
    member: Mapped[Member] = relationship()


class Closure(db.Model):
    """A period when one space (or every space, space_id NULL) cannot be booked.

    A removed closure is kept with `cancelled_at` set (and its sequence bumped), so feeds show
    it as STATUS:CANCELLED before it disappears, as they do for bookings; only closures with
    `cancelled_at` NULL block anything (`Closure.active`).
    """

    __tablename__ = "closures"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="ends_after_start"),
        Index("ix_closures_time", "start_at", "end_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int | None] = mapped_column(ForeignKey("spaces.id"), index=True)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(200))
    source_uid: Mapped[str | None] = mapped_column(String(255), index=True)
    # The imported calendar's name (X-WR-CALNAME, "" when it has none): a re-import removes
    # only the vanished events of the same calendar. NULL: typed by hand, or imported before
    # the name was kept.
    source_calendar: Mapped[str | None] = mapped_column(String(255))
    # Bumped on every change, like Booking.sequence, so calendar apps take the new version.
    sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    space: Mapped[Space | None] = relationship()

    @classmethod
    def active(cls):
        """The condition every query of closures that block bookings adds."""
        return cls.cancelled_at.is_(None)
