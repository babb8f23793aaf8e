"""iCalendar (RFC 5545) feeds built from plain values, and the HTTP validators that let
calendar apps ask "has anything changed?" without the calendar being built.

Choices, documented in docs/calendar-feeds.md:
- Every time is written in UTC (`DTSTART:20260329T160000Z`); no VTIMEZONE is needed, and
  X-WR-TIMEZONE tells apps which zone to show the calendar in.
- A recurring series is one VEVENT per occurrence (each occurrence is its own booking, with its
  own UID, status and sequence): no RRULE, EXDATE or RECURRENCE-ID to get wrong.
- An event's UID never changes (`booking-<id>@<host>`); SEQUENCE is the booking's sequence,
  bumped on every change; DTSTAMP and LAST-MODIFIED are its last change, so the same rows always
  give the same bytes (and the same ETag).
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event

PRODID = "-//Mutualise//Calendar feeds 1.0//EN"
# Bump when the shape of the output changes, so every ETag changes with it.
FORMAT_VERSION = "1"
# How far back a feed reaches, and how long a cancelled booking stays in it (so calendar apps
# see STATUS:CANCELLED and remove their copy before it disappears).
HISTORY = timedelta(days=90)
CANCELLED_KEPT = timedelta(days=30)
REFRESH_INTERVAL = timedelta(hours=1)  # a hint to apps; keep X-PUBLISHED-TTL in step

EVENT_STATUS = {
    "pending": "TENTATIVE",
    "confirmed": "CONFIRMED",
    "cancelled": "CANCELLED",
    "rejected": "CANCELLED",
}


@dataclass(frozen=True)
class FeedEvent:
    """One VEVENT, as plain values (times are aware datetimes)."""

    uid: str
    start: datetime
    end: datetime
    summary: str
    location: str
    description: str
    status: str  # TENTATIVE, CONFIRMED or CANCELLED
    sequence: int
    last_modified: datetime
    url: str = ""


@dataclass(frozen=True)
class FeedValidator:
    """What the HTTP caching headers are derived from: the newest change and the row count."""

    etag: str  # quoted, ready for the ETag header
    last_modified: datetime | None


def booking_uid(booking_id: int, host: str) -> str:
    return f"booking-{booking_id}@{host}"


def closure_uid(closure_id: int, host: str) -> str:
    return f"closure-{closure_id}@{host}"


def event_status(booking_status: str) -> str:
    return EVENT_STATUS[booking_status]


def build_calendar(*, name: str, timezone: str, events: Iterable[FeedEvent]) -> bytes:
    """The whole VCALENDAR as bytes: CRLF line ends, lines folded at 75 octets, text escaped
    (icalendar does the folding and escaping)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", timezone)
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")  # the older, Outlook spelling of the same
    for item in events:
        calendar.add_component(_vevent(item))
    return calendar.to_ical()


def _vevent(item: FeedEvent) -> Event:
    event = Event()
    event.add("uid", item.uid)
    event.add("dtstamp", item.last_modified.astimezone(UTC))
    event.add("dtstart", item.start.astimezone(UTC))
    event.add("dtend", item.end.astimezone(UTC))
    event.add("summary", item.summary)
    if item.location:
        event.add("location", item.location)
    if item.description:
        event.add("description", item.description)
    if item.url:
        event.add("url", item.url)
    event.add("status", item.status)
    event.add("sequence", item.sequence)
    event.add("last-modified", item.last_modified.astimezone(UTC))
    return event


def compute_validator(key: str, newest: Iterable[datetime | None], count: int) -> FeedValidator:
    """ETag and Last-Modified for a feed.

    `key` names everything besides the rows that shapes the output (feed, language, zone,
    cooperative name); `newest` the latest change of each kind of row; `count` how many rows.
    The count catches what a maximum cannot: a row leaving the window or being deleted.
    """
    newest = list(newest)
    moments = [m.astimezone(UTC) for m in newest if m is not None]
    last = max(moments) if moments else None
    stamp = "|".join([FORMAT_VERSION, key, str(count)] +
                     [m.isoformat() if m else "-" for m in newest])
    digest = hashlib.sha256(stamp.encode()).hexdigest()[:32]
    return FeedValidator(etag=f'"{digest}"',
                         last_modified=last.replace(microsecond=0) if last else None)


def is_not_modified(validator: FeedValidator, if_none_match: str | None,
                    if_modified_since: datetime | None) -> bool:
    """RFC 9110: If-None-Match (raw header, weak comparison) wins when present; otherwise
    If-Modified-Since is compared with the newest change, to the second."""
    if if_none_match and if_none_match.strip():
        tags = [t.strip().removeprefix("W/").strip('"') for t in if_none_match.split(",")]
        return "*" in tags or validator.etag.strip('"') in tags
    if if_modified_since is not None and validator.last_modified is not None:
        return validator.last_modified <= if_modified_since.astimezone(UTC)
    return False
