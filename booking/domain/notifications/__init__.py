"""Notifications: the outbox written in the transaction of each change (`notify`), the texts
(`kinds`), delivery by e-mail after commit (`delivery`), calendar invitations (`invites`), the
events the other domain modules report (`events`) and the scheduled ones (`reminders`)."""
from .delivery import (
    DeliveryReport,
    MailContext,
    build_message,
    dead_notifications,
    deliver_due,
    mail_context,
    render,
    retry_dead,
    smtp_sender,
)
from .kinds import KINDS, Formatter, Kind, kinds_for
from .outbox import (
    ADDED_FLAG,
    MAX_REMINDER_MINUTES,
    NotificationNotFound,
    Preferences,
    booking_params,
    mark_all_read,
    mark_read,
    notifications_of,
    notify,
    notify_many,
    preferences_of,
    save_preferences,
    unread_count,
)
from .reminders import queue_digests, queue_reminders, reminder_key

__all__ = [
    "ADDED_FLAG", "KINDS", "MAX_REMINDER_MINUTES", "DeliveryReport", "Formatter", "Kind",
    "MailContext",
    "NotificationNotFound", "Preferences", "booking_params", "build_message",
    "dead_notifications", "deliver_due", "kinds_for", "mail_context", "mark_all_read",
    "mark_read", "notifications_of", "notify", "notify_many", "preferences_of", "queue_digests",
    "queue_reminders", "reminder_key", "render", "retry_dead", "save_preferences",
    "smtp_sender", "unread_count",
]
