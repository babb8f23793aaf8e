"""Calendar invitations (iTIP, RFC 5546) attached to booking mails: METHOD:REQUEST adds or
updates the event in the member's calendar app, METHOD:CANCEL removes it. UID and SEQUENCE are
the feed's (`ical.booking_uid`, the booking's sequence), so the feed and the mails agree."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from icalendar import Calendar, Event, vCalAddress, vText

from ..ical import booking_uid, event_status

PRODID = "-//Mutualise//Notifications 1.0//EN"


@dataclass(frozen=True)
class Invitation:
    """Who invites whom, and what the event says (texts already in the member's language)."""

    method: str  # REQUEST or CANCEL
    host: str
    organizer_email: str
    organizer_name: str
    attendee_email: str
    attendee_name: str
    summary: str
    location: str
    description: str
    url: str


def itip_calendar(invitation: Invitation, date: dict, stamp: datetime) -> bytes:
    """One booking date (`booking_id`, `start`, `end`, `sequence`, `status`) as an iTIP
    object: one VEVENT, as RFC 5546 wants one UID per message."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", invitation.method)
    event = Event()
    event.add("uid", booking_uid(date["booking_id"], invitation.host))
    event.add("sequence", date["sequence"])
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", datetime.fromisoformat(date["start"]).astimezone(UTC))
    event.add("dtend", datetime.fromisoformat(date["end"]).astimezone(UTC))
    event.add("summary", invitation.summary)
    if invitation.location:
        event.add("location", invitation.location)
    if invitation.description:
        event.add("description", invitation.description)
    if invitation.url:
        event.add("url", invitation.url)
    cancelled = invitation.method == "CANCEL"
    event.add("status", "CANCELLED" if cancelled else event_status(date["status"]))
    organizer = vCalAddress(f"mailto:{invitation.organizer_email}")
    organizer.params["cn"] = vText(invitation.organizer_name)
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{invitation.attendee_email}")
    attendee.params["cn"] = vText(invitation.attendee_name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText("DECLINED" if cancelled else "ACCEPTED")
    attendee.params["rsvp"] = vText("FALSE")
    event.add("attendee", attendee)
    calendar.add_component(event)
    return calendar.to_ical()
