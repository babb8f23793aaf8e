"""The caller's notifications (what the bell shows) and their notification preferences."""
from __future__ import annotations

from flask import jsonify

from .. import clock
from ..domain import notifications as outbox
from ..extensions import db
from ..notifications.views import formatter
from .actions import api_action
from .auth import current_member
from .blueprint import bp
from .inputs import format_instant
from .openapi import endpoint, query_param, ref
from .problems import ApiProblem
from .schemas import COMPONENTS

CHANNELS = {"type": "object", "additionalProperties": False, "required": ["email", "app"],
            "properties": {"email": {"type": "boolean"}, "app": {"type": "boolean"}}}
REMINDER = {"type": ["integer", "null"], "minimum": 1, "maximum": outbox.MAX_REMINDER_MINUTES,
            "description": "Minutes before a booking's start; null: no reminder."}
COMPONENTS.update({
    "Notification": {
        "type": "object",
        "required": ["id", "kind", "created_at", "read", "title", "body", "link"],
        "properties": {
            "id": {"type": "integer"},
            "kind": {"type": "string", "enum": list(outbox.KINDS)},
            "created_at": {"type": "string", "format": "date-time"},
            "read": {"type": "boolean"},
            "title": {"type": "string"},
            "body": {"type": "string", "description": "Plain text, paragraphs separated by "
                                                      "blank lines, in the caller's language."},
            "link": {"type": "string", "description": "Absolute path in the application."},
            "booking_id": {"type": ["integer", "null"]},
        },
    },
    "NotificationList": {
        "type": "object", "required": ["items"],
        "properties": {"items": {"type": "array", "items": ref("Notification")}},
    },
    "NotificationPreferences": {
        "type": "object", "required": ["kinds", "reminder_minutes"],
        "properties": {
            "kinds": {"type": "object", "additionalProperties": CHANNELS,
                      "propertyNames": {"enum": list(outbox.KINDS)},
                      "description": "Per kind, whether it is e-mailed and shown in the app."},
            "reminder_minutes": REMINDER,
        },
    },
    "NotificationPreferencesInput": {
        "type": "object", "additionalProperties": False,
        "properties": {
            "kinds": {"type": "object", "additionalProperties": CHANNELS,
                      "propertyNames": {"enum": list(outbox.KINDS)}},
            "reminder_minutes": REMINDER,
        },
    },
})


def _item(row, fmt) -> dict:
    title, paragraphs = outbox.render(row, fmt)
    return {"id": row.id, "kind": row.kind, "created_at": format_instant(row.created_at),
            "read": row.read_at is not None, "title": title, "body": "\n\n".join(paragraphs),
            "link": row.link, "booking_id": row.booking_id}


@endpoint(bp, "/me/notifications", "GET", summary="The caller's notifications", tag="me",
          response=ref("NotificationList"),
          description="Newest first, at most 100; `unread=true` for the unread ones only.",
          query=[query_param("unread", {"type": "boolean"}, "Only the unread ones.")])
def my_notifications(query):
    rows = outbox.notifications_of(db.session, current_member().id,
                                   unread_only=bool(query["unread"]))
    fmt = formatter()
    return jsonify({"items": [_item(row, fmt) for row in rows]})


@endpoint(bp, "/me/notifications/<int:notification_id>/read", "POST",
          summary="Mark one of the caller's notifications read", tag="me",
          response=ref("Notification"))
def read_notification(notification_id: int):
    try:
        row = outbox.mark_read(db.session, current_member().id, notification_id, clock.now())
    except outbox.NotificationNotFound:
        db.session.rollback()
        raise ApiProblem(404) from None
    db.session.commit()
    return jsonify(_item(row, formatter()))


def _preferences(saved: outbox.Preferences):
    return jsonify({"kinds": saved.kinds, "reminder_minutes": saved.reminder_minutes})


@endpoint(bp, "/me/notification-preferences", "GET", summary="The caller's notification choices",
          tag="me", response=ref("NotificationPreferences"))
def my_notification_preferences():
    return _preferences(outbox.preferences_of(db.session, current_member()))


@endpoint(bp, "/me/notification-preferences", "PUT",
          summary="Change the caller's notification choices", tag="me",
          response=ref("NotificationPreferences"), body=ref("NotificationPreferencesInput"),
          description="Kinds left out keep their choice; without `reminder_minutes` the "
                      "reminder is unchanged. Co-managers' kinds sent by a member are ignored.")
def update_notification_preferences(body):
    member = current_member()
    with api_action():
        current = outbox.preferences_of(db.session, member)
        minutes = body.get("reminder_minutes", current.reminder_minutes)
        saved = outbox.save_preferences(db.session, member, body.get("kinds", {}), minutes)
    return _preferences(saved)
