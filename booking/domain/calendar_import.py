"""Importing an external calendar (.ics) as closures of a space: read (an upload, or fetched
by URL: http(s), public addresses only, a timeout and a size limit), parse, preview,
apply.

A re-import matches closures by the event's UID (`Closure.source_uid`, per space) and updates
them instead of adding duplicates. It removes the closures whose event left the calendar: an
event the source marks STATUS:CANCELLED, an occurrence taken out of a series (EXDATE), an
event deleted. "Left the calendar" is judged among the future closures of the same space
imported from the same calendar (its X-WR-CALNAME, or a UID the file still holds), so
importing a second calendar into a space does not remove the first one's closures. Removed
closures are cancelled, not deleted, so feeds show them cancelled. Nothing is written until
the co-manager confirms the preview, and a file that cannot be read writes nothing at all.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import recurring_ical_events
from flask_babel import lazy_gettext as _l
from icalendar import Calendar
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..models import Closure, Member
from . import calendar_fetch
from .calendar_fetch import CalendarFetchFailed
from .closures import delete_closure
from .errors import DomainError

MAX_EVENTS = 2000
# Imported occurrences of recurring events are expanded up to this far ahead.
IMPORT_HORIZON = timedelta(days=730)
REASON_MAX = 200
UID_MAX = 255


class CalendarFileInvalid(DomainError):
    """The file is not a calendar we can read; nothing was written."""


@dataclass(frozen=True)
class ImportedEvent:
    uid: str
    start: datetime
    end: datetime
    reason: str
    cancelled: bool = False


@dataclass(frozen=True)
class ParsedCalendar:
    """The future events of a calendar file, and what identifies the calendar."""

    events: list[ImportedEvent]
    skipped: int  # past events, events without a length
    name: str  # X-WR-CALNAME, "" when the file has none
    uids: frozenset[str]  # every event UID in the file, past and cancelled ones included


@dataclass
class ImportPlan:
    """What a confirmed import would do."""

    calendar_name: str = ""
    to_create: list[ImportedEvent] = field(default_factory=list)
    to_update: list[tuple[Closure, ImportedEvent]] = field(default_factory=list)
    to_remove: list[Closure] = field(default_factory=list)
    # Of to_remove, the ids of closures whose event is gone (rather than marked cancelled).
    vanished_ids: set[int] = field(default_factory=set)
    kept: list[Closure] = field(default_factory=list)
    skipped: int = 0  # past events, events without a length

    @property
    def unchanged(self) -> int:
        return len(self.kept)

    @property
    def changes(self) -> int:
        return len(self.to_create) + len(self.to_update) + len(self.to_remove)

    @property
    def closures(self) -> list[Closure]:
        """Every existing closure the plan names."""
        return [c for c, _event in self.to_update] + self.to_remove + self.kept


def parse_calendar(data: bytes, *, tz: str, now: datetime) -> ParsedCalendar:
    """The future events of an .ics file as UTC intervals, and how many were skipped.

    Recurring events are expanded (each occurrence gets the UID "<uid>/<start>"); all-day
    events cover whole local days; floating times are read in the cooperative's zone.
    Raises CalendarFileInvalid with a message saying what to do.
    """
    zone = ZoneInfo(tz)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CalendarFileInvalid(_l(
            "This file is not text in UTF-8, so it is not an iCalendar file. Export the "
            "calendar again as .ics and retry.")) from None
    if "BEGIN:VCALENDAR" not in text.upper():
        raise CalendarFileInvalid(_l(
            "This is not an iCalendar file (it has no BEGIN:VCALENDAR). Choose the .ics file "
            "or the calendar's iCal address."))
    try:
        calendar = Calendar.from_ical(text)
        name = " ".join(str(calendar.get("X-WR-CALNAME") or "").split())[:UID_MAX]
        uids = frozenset(str(c.get("UID") or "").strip()[:UID_MAX]
                         for c in calendar.walk("VEVENT")) - {""}
        recurring = {str(c.get("UID")) for c in calendar.walk("VEVENT")
                     if "RRULE" in c or "RDATE" in c or "RECURRENCE-ID" in c}
        occurrences = recurring_ical_events.of(calendar).between(now, now + IMPORT_HORIZON)
        events, skipped = [], 0
        for component in occurrences:
            event = _read_event(component, zone, str(component.get("UID")) in recurring)
            if event is None or event.end <= now:
                skipped += 1
                continue
            events.append(event)
            if len(events) > MAX_EVENTS:
                raise CalendarFileInvalid(_l(
                    "This calendar has more than %(max)d future events. Import a shorter "
                    "calendar, or split it.", max=MAX_EVENTS))
    except CalendarFileInvalid:
        raise
    except Exception as error:  # noqa: BLE001 -- icalendar and its helpers raise many kinds
        raise CalendarFileInvalid(_l(
            "This calendar file is damaged and could not be read (%(detail)s). Nothing was "
            "imported. Export it again and retry.", detail=str(error)[:120])) from None
    return ParsedCalendar(_unique(events), skipped, name, uids)


def _read_event(component, zone: ZoneInfo, recurring: bool) -> ImportedEvent | None:
    if "DTSTART" not in component:
        raise ValueError("VEVENT without DTSTART")
    start = _instant(component["DTSTART"].dt, zone)
    if "DTEND" in component:
        end = _instant(component["DTEND"].dt, zone)
    elif "DURATION" in component:
        end = start + component["DURATION"].dt
    elif isinstance(component["DTSTART"].dt, date) and not isinstance(
            component["DTSTART"].dt, datetime):
        end = _instant(component["DTSTART"].dt + timedelta(days=1), zone)
    else:
        end = start
    if end <= start:
        return None
    uid = str(component.get("UID") or "").strip()
    if not uid:
        uid = f"{start.isoformat()}/{component.get('SUMMARY', '')}"
    if recurring:  # one closure per occurrence, named by its original start
        original = component["RECURRENCE-ID"].dt if "RECURRENCE-ID" in component else start
        uid = f"{uid}/{_instant(original, zone).strftime('%Y%m%dT%H%M%SZ')}"
    reason = " ".join(str(component.get("SUMMARY") or "").split()) or str(
        _l("Event at the venue"))
    status = str(component.get("STATUS") or "").upper()
    return ImportedEvent(uid=uid[:UID_MAX], start=start, end=end, reason=reason[:REASON_MAX],
                         cancelled=status == "CANCELLED")


def _instant(value, zone: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=zone)
        return value.astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=zone).astimezone(UTC)
    raise ValueError(f"not a date: {value!r}")


def _unique(events: list[ImportedEvent]) -> list[ImportedEvent]:
    """One event per UID (the last one wins, as in the file)."""
    by_uid = {event.uid: event for event in events}
    return sorted(by_uid.values(), key=lambda e: (e.start, e.uid))


def plan_import(session: Session, *, space_id: int | None, parsed: ParsedCalendar,
                now: datetime) -> ImportPlan:
    """Compare with the closures already imported for this space (one query)."""
    uids = [event.uid for event in parsed.events]
    query = select(Closure).where(
        Closure.active(), Closure.source_uid.is_not(None),
        Closure.space_id.is_(None) if space_id is None else Closure.space_id == space_id,
        or_(Closure.end_at > now, Closure.source_uid.in_(uids)) if uids
        else Closure.end_at > now)
    existing: dict[str, Closure] = {
        c.source_uid: c for c in session.execute(query.order_by(Closure.start_at)).scalars()}
    plan = ImportPlan(calendar_name=parsed.name, skipped=parsed.skipped)
    for event in parsed.events:
        closure = existing.pop(event.uid, None)
        if event.cancelled:
            if closure is not None:
                plan.to_remove.append(closure)
            else:
                plan.skipped += 1
        elif closure is None:
            plan.to_create.append(event)
        elif (closure.start_at, closure.end_at, closure.reason) != (
                event.start, event.end, event.reason):
            plan.to_update.append((closure, event))
        else:
            plan.kept.append(closure)
    for closure in existing.values():  # imported, still to come, and not in the file
        if closure.end_at > now and _from_this_calendar(closure, parsed):
            plan.to_remove.append(closure)
            plan.vanished_ids.add(closure.id)
    return plan


def _from_this_calendar(closure: Closure, parsed: ParsedCalendar) -> bool:
    """Same calendar name (or none kept: imported before names were), or an occurrence of a
    series the file still holds (its UID is "<series UID>/<original start>")."""
    if closure.source_calendar is None or closure.source_calendar == parsed.name:
        return True
    return closure.source_uid.rsplit("/", 1)[0] in parsed.uids


def apply_import(session: Session, plan: ImportPlan, *, actor: Member, space_id: int | None,
                 now: datetime) -> None:
    """Write the plan; the caller commits."""
    for event in plan.to_create:
        session.add(Closure(space_id=space_id, start_at=event.start, end_at=event.end,
                            reason=event.reason, source_uid=event.uid,
                            source_calendar=plan.calendar_name, sequence=0,
                            created_by_id=actor.id, created_at=now, updated_at=now))
    for closure, event in plan.to_update:
        closure.start_at, closure.end_at, closure.reason = event.start, event.end, event.reason
        closure.source_calendar = plan.calendar_name
        closure.sequence = (closure.sequence or 0) + 1
        closure.updated_at = now
    for closure in plan.kept:  # unchanged for the feeds: no new sequence
        closure.source_calendar = plan.calendar_name
    for closure in plan.to_remove:
        delete_closure(session, closure, actor=actor, now=now)
    session.flush()


# --- reading the file -------------------------------------------------------------------------

def read_upload(stream, max_bytes: int) -> bytes:
    """An uploaded file's bytes, refused when longer than `max_bytes`."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise CalendarFileInvalid(_l(
            "This file is larger than %(size)d KB. Import a shorter calendar.",
            size=max_bytes // 1024))
    return data


def fetch_calendar(url: str, *, timeout: float, max_bytes: int,
                   allowed_hosts: frozenset[str] = frozenset()) -> bytes:
    """The body at `url`, at most `max_bytes` long. webcal:// is read as https://.

    The download itself (addresses checked against SSRF, redirects) is `calendar_fetch`'s.
    """
    url = url.strip()
    if url.lower().startswith("webcal://"):
        url = "https://" + url[len("webcal://"):]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CalendarFetchFailed(_l(
            "Give an address starting with https:// (or http://, or webcal://)."))
    body = calendar_fetch.fetch(url, timeout=timeout, max_bytes=max_bytes,
                                allowed_hosts=allowed_hosts)
    if len(body) > max_bytes:
        raise CalendarFetchFailed(_l(
            "This calendar is larger than %(size)d KB. Import a shorter calendar.",
            size=max_bytes // 1024))
    return body
