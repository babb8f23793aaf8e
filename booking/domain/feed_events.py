"""Which bookings and closures each calendar feed holds, as events, and the one aggregate
query that says whether a feed changed (its ETag). The encoding is in `ical`.

The same conditions serve the rows and the aggregate, so the validator always covers exactly
the rows the feed would contain.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import and_, func, literal, or_, select, union_all
from sqlalchemy.orm import Session, object_session

from ..models import ACTIVE_STATUSES, Booking, Closure, Member, Space
from . import equipment
from .bookings import mine_condition
from .ical import (
    CANCELLED_KEPT,
    HISTORY,
    FeedEvent,
    FeedValidator,
    booking_uid,
    closure_uid,
    compute_validator,
    event_status,
)


@dataclass(frozen=True)
class FeedScope:
    """A member's own bookings, one space's bookings and closures, or everything."""

    kind: str  # "member", "space" or "all"
    member_id: int | None = None
    space_id: int | None = None
    organisation_id: int | None = None  # a member's: bookings made for it are theirs too

    @property
    def has_closures(self) -> bool:
        return self.kind in ("space", "all")


@dataclass(frozen=True)
class FeedLinks:
    """Absolute links put in events, and the host part of UIDs."""

    base_url: str
    timezone: str = "Europe/Brussels"

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or "localhost"

    def booking(self, booking_id: int) -> str:
        return f"{self.base_url}/bookings/{booking_id}"

    def space_week(self, space_id: int, moment: datetime) -> str:
        day = moment.astimezone(ZoneInfo(self.timezone)).date().isoformat()
        return f"{self.base_url}/calendar/week?space={space_id}&date={day}"


# --- what a feed holds -----------------------------------------------------------------------

def _booking_conditions(scope: FeedScope, now: datetime) -> list:
    """From HISTORY back on; cancelled and rejected ones only for CANCELLED_KEPT after the
    change, so calendar apps see them cancelled before they disappear."""
    conditions = [
        Booking.start_at >= now - HISTORY,
        or_(Booking.status.in_(ACTIVE_STATUSES), Booking.updated_at >= now - CANCELLED_KEPT),
    ]
    if scope.kind == "member":
        conditions.append(mine_condition(scope.member_id, scope.organisation_id))
    elif scope.kind == "space":
        conditions.append(Booking.space_id == scope.space_id)
    return conditions


def _closure_conditions(scope: FeedScope, now: datetime) -> list:
    """As for bookings: a removed closure stays CANCELLED_KEPT after its removal."""
    conditions = [Closure.end_at >= now - HISTORY,
                  or_(Closure.active(), Closure.updated_at >= now - CANCELLED_KEPT)]
    if scope.kind == "space":
        conditions.append(or_(Closure.space_id == scope.space_id, Closure.space_id.is_(None)))
    return conditions


def feed_validator(session: Session, scope: FeedScope, now: datetime, key: str) -> FeedValidator:
    """ETag and Last-Modified of the feed from one aggregate query (no row is loaded)."""
    query = select(literal(1), func.max(Booking.updated_at), func.count(Booking.id)).where(
        and_(*_booking_conditions(scope, now)))
    if scope.has_closures:
        query = union_all(query, select(literal(2), func.max(Closure.updated_at),
                                        func.count(Closure.id))
                          .where(and_(*_closure_conditions(scope, now))))
    rows = sorted(session.execute(query).all())
    return compute_validator(key, [_aware(row[1]) for row in rows], sum(row[2] for row in rows))


def _aware(moment) -> datetime | None:
    """SQLite hands aggregates back as text; PostgreSQL as aware datetimes."""
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def feed_events(session: Session, scope: FeedScope, now: datetime, links: FeedLinks,
                *, show_member: bool = False) -> list[FeedEvent]:
    """The feed's events, from two queries at most (bookings with their space and member as
    plain columns, then closures), in the reader's language (the caller sets it)."""
    rows = session.execute(
        select(Booking.id, Booking.space_id, Booking.start_at, Booking.end_at, Booking.status,
               Booking.title, Booking.note, Booking.sequence, Booking.updated_at,
               Space.name, Space.address, Space.show_titles, Member.name,
               equipment.summary_column())
        .join(Space, Space.id == Booking.space_id)
        .join(Member, Member.id == Booking.member_id)
        .where(*_booking_conditions(scope, now))
        .order_by(Booking.start_at, Booking.id)).all()
    events = [_with_equipment(_booking_event(row[:-1], scope, links, show_member), row[-1])
              for row in rows]
    if scope.has_closures:
        events.extend(_closure_events(session, scope, now, links))
    return events


def _booking_event(row, scope: FeedScope, links: FeedLinks, show_member: bool) -> FeedEvent:
    (booking_id, space_id, start, end, status, title, note, sequence, updated_at,
     space_name, address, show_titles, member_name) = row
    private = scope.kind == "space" and not show_titles
    shown_title = _("Booked") if private else title
    if show_member:
        summary = _("%(title)s (%(member)s) · %(space)s", title=shown_title, member=member_name,
                    space=space_name)
    else:
        summary = _("%(title)s · %(space)s", title=shown_title, space=space_name)
    if scope.kind == "space":
        url = links.space_week(space_id, start)
        description = _("Calendar of the space: %(url)s", url=url)
    else:
        url = links.booking(booking_id)
        description = _("Booking page: %(url)s", url=url)
        if note:
            description = f"{note}\n\n{description}"
    return FeedEvent(
        uid=booking_uid(booking_id, links.host), start=start, end=end, summary=summary,
        location=", ".join(part for part in (space_name, address) if part),
        description=description, status=event_status(status), sequence=sequence,
        last_modified=updated_at, url=url)


def _with_equipment(event: FeedEvent, items: str | None) -> FeedEvent:
    """The equipment reserved with the booking ("2 × Van"), on the description's first line."""
    if not items:
        return event
    text = _("Equipment: %(items)s", items=items)
    return replace(event, description=f"{text}\n\n{event.description}")


def _closure_events(session: Session, scope: FeedScope, now: datetime,
                    links: FeedLinks) -> list[FeedEvent]:
    rows = session.execute(
        select(Closure.id, Closure.start_at, Closure.end_at, Closure.reason, Closure.sequence,
               Closure.updated_at, Closure.cancelled_at, Space.name, Space.address)
        .outerjoin(Space, Space.id == Closure.space_id)
        .where(*_closure_conditions(scope, now))
        .order_by(Closure.start_at, Closure.id)).all()
    events = []
    for (closure_id, start, end, reason, sequence, updated_at, cancelled_at, space_name,
         address) in rows:
        where = space_name or _("All spaces")
        events.append(FeedEvent(
            uid=closure_uid(closure_id, links.host), start=start, end=end,
            summary=_("Closed: %(reason)s · %(space)s", reason=reason, space=where),
            location=", ".join(part for part in (space_name, address) if part),
            description=reason, status="CONFIRMED" if cancelled_at is None else "CANCELLED",
            sequence=sequence,
            last_modified=updated_at))
    return events


def single_booking_events(booking: Booking, links: FeedLinks) -> Sequence[FeedEvent]:
    """The "Add to calendar" file of one booking, for its member or a co-manager."""
    url = links.booking(booking.id)
    description = _("Booking page: %(url)s", url=url)
    if booking.note:
        description = f"{booking.note}\n\n{description}"
    return [_with_equipment(FeedEvent(
        uid=booking_uid(booking.id, links.host), start=booking.start_at, end=booking.end_at,
        summary=_("%(title)s · %(space)s", title=booking.title, space=booking.space.name),
        location=", ".join(p for p in (booking.space.name, booking.space.address) if p),
        description=description, status=event_status(booking.status),
        sequence=booking.sequence, last_modified=booking.updated_at, url=url),
        equipment.describe_lines(equipment.equipment_of(object_session(booking), [booking.id])
                                 .get(booking.id, [])))]
