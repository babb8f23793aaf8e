"""Writing notifications into the outbox, in the caller's transaction (never committing), and
the member's side: their list, unread count, marking read, and their preferences."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from ...models import Booking, Member, Notification, NotificationPreference, ReminderSetting
from ...models.notifications import DEFAULT_REMINDER_MINUTES
from ...models.types import utcnow
from ..errors import DomainError
from ..rows import plain_rows
from .kinds import KINDS, kinds_for

# Set on the session when a notification is added: the job queue wakes a worker after commit.
ADDED_FLAG = "notifications_added"
MAX_REMINDER_MINUTES = 7 * 24 * 60
# One Core statement, compiled once: writing a notification must cost a booking next to nothing.
_INSERT = insert(Notification.__table__)


def booking_params(booking: Booking) -> dict:
    """The booking as the notification tells it: a snapshot taken when the event happens."""
    space = booking.space
    return {"booking_id": booking.id, "space": space.name, "address": space.address or "",
            "title": booking.title, "note": booking.note or "",
            "start": booking.start_at.isoformat(), "end": booking.end_at.isoformat(),
            "status": booking.status, "sequence": booking.sequence}


def preference_of(session: Session, member_id: int, kind: str) -> tuple[bool, bool]:
    """(email, app) for this member and kind; both on without a saved choice."""
    if KINDS[kind].mandatory:
        return True, True
    row = session.execute(select(NotificationPreference.email, NotificationPreference.app)
                          .where(NotificationPreference.member_id == member_id,
                                 NotificationPreference.kind == kind)).first()
    return (row.email, row.app) if row else (True, True)


def notify(session: Session, member: Member, kind: str, *, link: str = "",
           booking: Booking | None = None, dedupe_key: str | None = None,
           **params) -> bool:
    """Tell `member` about an event, in the caller's transaction (never committed). The
    member's preferences apply when it is shown or sent, so this is a single INSERT.

    Returns False when `dedupe_key` was already used (what must be said once, e.g. a
    reminder for a booking's start)."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if dedupe_key is not None and session.execute(select(Notification.id).where(
            Notification.dedupe_key == dedupe_key)).first():
        return False
    if booking is not None:
        params = {**booking_params(booking), **params}
        link = link or f"/bookings/{booking.id}"
    plain_rows(session, _INSERT, {
        "member_id": member.id, "kind": kind, "params": params, "link": link,
        "booking_id": booking.id if booking is not None else None, "created_at": utcnow(),
        "email_state": "pending", "attempts": 0, "last_error": "", "dedupe_key": dedupe_key})
    session.info[ADDED_FLAG] = True
    return True


def notify_many(session: Session, kind: str, notices: Sequence[tuple[Member, dict]], *,
                link: str = "", dedupe_prefix: str | None = None) -> int:
    """The same kind of event for many members (a proposal opened, a statement's payments):
    one batched INSERT instead of one per member. With `dedupe_prefix`, each member's key is
    `prefix:member_id` and those already told are skipped. Returns how many were written."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    keys = {m.id: f"{dedupe_prefix}:{m.id}" if dedupe_prefix else None for m, _ in notices}
    if dedupe_prefix is not None and keys:
        told = set(session.execute(select(Notification.dedupe_key).where(
            Notification.dedupe_key.in_(list(keys.values())))).scalars())
        notices = [(m, params) for m, params in notices if keys[m.id] not in told]
    if not notices:
        return 0
    now = utcnow()
    session.execute(_INSERT, [
        {"member_id": member.id, "kind": kind, "params": params, "link": link,
         "booking_id": None, "created_at": now, "email_state": "pending", "attempts": 0,
         "last_error": "", "dedupe_key": keys[member.id]} for member, params in notices])
    session.info[ADDED_FLAG] = True
    return len(notices)


def comanagers(session: Session) -> list[Member]:
    """Who is told about approvals and payments: active co-managers and admins."""
    return list(session.execute(select(Member).where(
        Member.role.in_(("comanager", "admin")), Member.active.is_(True))
        .order_by(Member.id)).scalars())


# --- the member's list -----------------------------------------------------------------------

def _visible(member_id: int):
    """The member's notifications but those of kinds they switched off in the app."""
    hidden = select(NotificationPreference.id).where(
        NotificationPreference.member_id == member_id,
        NotificationPreference.kind == Notification.kind,
        NotificationPreference.app.is_(False))
    return (Notification.member_id == member_id, ~hidden.exists())


def unread_count(session: Session, member_id: int) -> int:
    return session.execute(select(func.count(Notification.id)).where(
        *_visible(member_id), Notification.read_at.is_(None))).scalar_one()


def notifications_of(session: Session, member_id: int, *, unread_only: bool = False,
                     limit: int = 100) -> list[Notification]:
    """The member's in-app notifications, newest first (one query)."""
    query = select(Notification).where(*_visible(member_id))
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(session.execute(query.order_by(Notification.id.desc()).limit(limit)).scalars())


class NotificationNotFound(DomainError):
    """No such notification among the member's."""


def mark_read(session: Session, member_id: int, notification_id: int,
              now: datetime) -> Notification:
    """Mark one of the member's notifications read; another member's is "not found"."""
    row = session.get(Notification, notification_id)
    if row is None or row.member_id != member_id:
        raise NotificationNotFound(_l("This notification does not exist."))
    if row.read_at is None:
        row.read_at = now
    session.flush()
    return row


def mark_all_read(session: Session, member_id: int, now: datetime) -> int:
    result = session.execute(update(Notification).where(
        *_visible(member_id), Notification.read_at.is_(None)).values(read_at=now))
    return result.rowcount


# --- preferences -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Preferences:
    kinds: dict[str, dict[str, bool]]  # kind -> {"email": bool, "app": bool}
    reminder_minutes: int | None


def preferences_of(session: Session, member: Member) -> Preferences:
    saved = {p.kind: p for p in session.execute(select(NotificationPreference).where(
        NotificationPreference.member_id == member.id)).scalars()}
    kinds = {}
    for kind in kinds_for(member.is_comanager):
        row = saved.get(kind.name)
        on = kind.mandatory or row is None
        kinds[kind.name] = {"email": on or row.email, "app": on or row.app}
    setting = session.get(ReminderSetting, member.id)
    minutes = setting.reminder_minutes if setting else DEFAULT_REMINDER_MINUTES
    return Preferences(kinds, minutes)


def save_preferences(session: Session, member: Member, kinds: dict[str, dict[str, bool]],
                     reminder_minutes: int | None) -> Preferences:
    """Save the member's choices; kinds left out keep theirs, mandatory ones stay on, and
    co-managers' kinds sent by a member are ignored."""
    if reminder_minutes is not None and not 0 < reminder_minutes <= MAX_REMINDER_MINUTES:
        raise DomainError(_l("A reminder can be sent from 1 minute to 7 days before."))
    unknown = [name for name in kinds if name not in KINDS]
    if unknown:
        raise DomainError(_l("Unknown kind of notification: %(kind)s", kind=unknown[0]))
    allowed = {k.name: k for k in kinds_for(member.is_comanager)}
    kinds = {name: choice for name, choice in kinds.items() if name in allowed}
    saved = {p.kind: p for p in session.execute(select(NotificationPreference).where(
        NotificationPreference.member_id == member.id)).scalars()}
    for name, choice in kinds.items():
        if allowed[name].mandatory:
            continue
        row = saved.get(name)
        if row is None:
            row = NotificationPreference(member_id=member.id, kind=name)
            session.add(row)
        row.email, row.app = bool(choice.get("email", True)), bool(choice.get("app", True))
    setting = session.get(ReminderSetting, member.id)
    if setting is None:
        setting = ReminderSetting(member_id=member.id)
        session.add(setting)
    setting.reminder_minutes = reminder_minutes
    session.flush()
    return preferences_of(session, member)
