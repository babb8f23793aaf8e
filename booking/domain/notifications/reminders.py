"""The scheduled notifications: reminders before bookings and the co-managers' daily digest.

Both are written with a dedupe key, so running the tick twice (two workers, a restart) never
writes one twice. Reminder times are real elapsed minutes before the start instant (stored in
UTC), so "24 h before" stays right across a change of daylight-saving time.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from ...models import Booking, Member, Notification, Payment, ReminderSetting
from ...models.notifications import DEFAULT_REMINDER_MINUTES
from .outbox import MAX_REMINDER_MINUTES, comanagers, notify

DIGEST_ITEMS = 10  # items listed in a digest; the counts say how many in all


def reminder_key(booking: Booking) -> str:
    """Once per booking and start time: a booking moved to another time is reminded again."""
    return f"reminder:{booking.id}:{booking.start_at.isoformat()}"


def queue_reminders(session: Session, now: datetime) -> int:
    """Write the reminders due by `now` for confirmed bookings not started yet (flushes).

    Three queries: the bookings of the next days with their members' settings, the keys
    already used, and the members' preferences as each reminder is written."""
    rows = session.execute(
        select(Booking, ReminderSetting.member_id, ReminderSetting.reminder_minutes)
        .options(joinedload(Booking.space), joinedload(Booking.member))
        .outerjoin(ReminderSetting, ReminderSetting.member_id == Booking.member_id)
        .where(Booking.status == "confirmed", Booking.start_at > now,
               Booking.start_at <= now + timedelta(minutes=MAX_REMINDER_MINUTES))
        .order_by(Booking.start_at)).all()
    due = []
    for booking, has_setting, minutes in rows:
        minutes = minutes if has_setting else DEFAULT_REMINDER_MINUTES
        if minutes is None or not booking.member.active:
            continue
        moment = booking.start_at - timedelta(minutes=minutes)
        # Booked inside the reminder window: the confirmation was the reminder.
        if moment <= now and booking.created_at < moment:
            due.append(booking)
    if not due:
        return 0
    keys = [reminder_key(b) for b in due]
    used = set(session.execute(select(Notification.dedupe_key)
                               .where(Notification.dedupe_key.in_(keys))).scalars())
    written = 0
    for booking, key in zip(due, keys, strict=True):
        if key not in used and notify(session, booking.member, "booking_reminder",
                                      booking=booking, dedupe_key=key):
            written += 1
    return written


def queue_digests(session: Session, now: datetime, timezone: str, hour: int = 8) -> int:
    """Once a day from `hour` (local time), each co-manager gets what waits for them:
    pending approvals and declared payments. Nothing is written when nothing waits."""
    local = now.astimezone(ZoneInfo(timezone))
    if local.hour < hour:
        return 0
    approvals_count = session.execute(select(func.count(Booking.id)).where(
        Booking.status == "pending", Booking.end_at > now)).scalar_one()
    payments_count = session.execute(select(func.count(Payment.id)).where(
        Payment.status == "declared")).scalar_one()
    if not (approvals_count or payments_count):
        return 0
    approvals = session.execute(
        select(Booking).options(joinedload(Booking.space), joinedload(Booking.member))
        .where(Booking.status == "pending", Booking.end_at > now)
        .order_by(Booking.start_at).limit(DIGEST_ITEMS)).scalars()
    payments = session.execute(
        select(Payment.amount_cents, Payment.paid_on, Member.name)
        .join(Member, Member.id == Payment.member_id).where(Payment.status == "declared")
        .order_by(Payment.paid_on).limit(DIGEST_ITEMS)).all()
    params = {
        "approvals_count": approvals_count, "payments_count": payments_count,
        "approvals": [{"member": b.member.name, "space": b.space.name,
                       "start": b.start_at.isoformat(), "end": b.end_at.isoformat()}
                      for b in approvals],
        "payments": [{"member": name, "amount_cents": cents, "paid_on": paid_on.isoformat()}
                     for cents, paid_on, name in payments],
    }
    day = local.date().isoformat()
    written = 0
    for person in comanagers(session):
        if notify(session, person, "comanager_digest", link="/bookings/approvals",
                  dedupe_key=f"digest:{person.id}:{day}", **params):
            written += 1
    return written
