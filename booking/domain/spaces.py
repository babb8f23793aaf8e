"""Setting up spaces: co-managers describe them; archived ones keep their history."""
from __future__ import annotations

import itertools
import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import ACTIVE_STATUSES, SPACE_KINDS, Booking, Member, Space
from ..models.bookings import LONGEST_BOOKING, LONGEST_BUFFER
from ..models.spaces import WEEKDAY_KEYS
from .accounts import record_audit
from .errors import DomainError

KIND_LABELS = {
    "rehearsal_room": _l("Rehearsal room"),
    "decor_workshop": _l("Decor workshop"),
    "storage": _l("Storage"),
    "equipment": _l("Shared equipment"),
}

SPACE_FIELDS = (
    "name", "kind", "description", "capacity", "access_instructions", "address", "colour",
    "hourly_weight_pct", "hourly_rate_cents", "opening_hours", "slot_minutes", "min_minutes",
    "max_minutes", "horizon_days", "notice_minutes", "buffer_minutes", "cancel_notice_hours",
    "needs_approval", "show_titles",
    # check-in, no-shows and the waiting list (domain/checkin, domain/waitlist)
    "checkin_required", "checkin_opens_minutes", "checkin_grace_minutes", "checkin_release",
    "no_show_cost", "no_show_fee_cents", "waitlist_offer_minutes",
)


# 10:00, 10.00, 10h, 10h30 (the French way of writing hours), 10u, 10u30 (the Dutch way).
_TIME = r"(\d{1,2})(?:[:.](\d{2})|[hHuU](\d{2})?)"
_RANGE = re.compile(rf"^\s*{_TIME}\s*[-–]\s*{_TIME}\s*$")


def parse_ranges(text: str) -> list[list[str]]:
    """"08:00-12:00, 13h-23h" as [["08:00", "12:00"], ["13:00", "23:00"]]; "" is closed.

    Raises ValueError with a message for the person when the text is not understood.
    """
    ranges = []
    for part in filter(None, (p.strip() for p in re.split(r"[,;]", text or ""))):
        match = _RANGE.match(part)
        if not match:
            raise ValueError(_l("“%(part)s” is not a time range: write it like 10:00-22:00, "
                                "10h-22h or 10h30-22h.", part=part))
        h1, m1a, m1b, h2, m2a, m2b = match.groups()
        h1, m1 = int(h1), int(m1a or m1b or 0)
        h2, m2 = int(h2), int(m2a or m2b or 0)
        if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
            raise ValueError(_l("“%(part)s” has an impossible time.", part=part))
        opening, closing = f"{h1:02d}:{m1:02d}", f"{h2:02d}:{m2:02d}"
        if closing != "24:00" and closing <= opening:
            raise ValueError(_l("“%(part)s” ends before it starts. To stay open until "
                                "midnight, write 24:00.", part=part))
        ranges.append([opening, closing])
    ranges.sort()
    for (_, previous_end), (next_start, _) in itertools.pairwise(ranges):
        if next_start < previous_end:
            raise ValueError(_l("The ranges overlap: list each time only once."))
    return ranges


def check_opening_hours(opening_hours) -> dict:
    """{"mon": [["08:00", "23:00"]], ...} checked day by day; missing days are closed. A day
    may also be written as on the form ("10h-22h, 23h-24h").

    Returns the normalised hours, or raises DomainError naming the day that is not right.
    """
    shape = _l("Give opening hours for the days mon, tue, wed, thu, fri, sat and sun, each as "
               "a list of [\"08:00\", \"23:00\"] ranges or as a text like \"10h-22h\".")
    if not isinstance(opening_hours, dict) or set(opening_hours) - set(WEEKDAY_KEYS):
        raise DomainError(shape)
    checked = {}
    for key in WEEKDAY_KEYS:
        ranges = opening_hours.get(key) or []
        if isinstance(ranges, list) and all(
                isinstance(r, list | tuple) and len(r) == 2 and all(isinstance(v, str) for v in r)
                for r in ranges):
            ranges = ", ".join(f"{a}-{b}" for a, b in ranges)
        elif not isinstance(ranges, str):
            raise DomainError(shape)
        try:
            checked[key] = parse_ranges(ranges)
        except ValueError as error:
            raise DomainError(error.args[0]) from None
    return checked


def check_space_values(values: dict) -> None:
    """The rules a space's settings follow, whatever form or API sent them."""
    if "kind" in values and values["kind"] not in SPACE_KINDS:
        raise DomainError(_l("Choose a kind of space from the list."))
    if "slot_minutes" in values and values["slot_minutes"] not in (15, 30, 60):
        raise DomainError(_l("The time step is 15, 30 or 60 minutes."))
    if values.get("min_minutes", 1) <= 0:
        raise DomainError(_l("Give the shortest booking length."))
    step = values.get("slot_minutes") or 30
    if values.get("min_minutes", step) % step:
        raise DomainError(_l("Use a multiple of the time step (%(step)d minutes).", step=step))
    for key in ("horizon_days", "notice_minutes", "buffer_minutes", "cancel_notice_hours",
                "hourly_weight_pct", "hourly_rate_cents", "capacity", "checkin_opens_minutes",
                "no_show_fee_cents"):
        if values.get(key, 0) < 0:
            raise DomainError(_l("Numbers of minutes, hours, days and amounts cannot be "
                                 "negative."))
    if values.get("max_minutes", 0) > LONGEST_BOOKING.total_seconds() // 60:
        raise DomainError(_l("A booking lasts at most 14 days: give a longest booking of "
                             "20160 minutes or less."))
    if values.get("buffer_minutes", 0) > LONGEST_BUFFER.total_seconds() // 60:
        raise DomainError(_l("The buffer between two bookings is at most a day: give 1440 "
                             "minutes or less."))
    if values.get("checkin_grace_minutes", 1) < 1 or values.get("waitlist_offer_minutes", 1) < 1:
        raise DomainError(_l("The check-in grace and the waiting-list offer last at least one "
                             "minute."))
    if values.get("no_show_cost", "quota") not in ("quota", "fee"):
        raise DomainError(_l("A no-show costs its hours in the quota, or a fee."))


def save_space(session: Session, actor: Member, space: Space | None, values: dict) -> Space:
    """Create (space=None) or update a space from plain values; names are unique."""
    name = values["name"].strip()
    query = select(Space.id).where(func.lower(Space.name) == name.lower())
    if space is not None and space.id is not None:
        query = query.where(Space.id != space.id)
    if session.execute(query).first():
        raise DomainError(_l("A space named %(name)s already exists. Choose another name.",
                             name=name))
    check_space_values(values)
    if "opening_hours" in values:
        values = {**values, "opening_hours": check_opening_hours(values["opening_hours"])}
    if values["max_minutes"] < values["min_minutes"]:
        raise DomainError(_l("The longest booking cannot be shorter than the shortest."))
    creating = space is None
    if creating:
        space = Space(active=True)
        session.add(space)
    for field in SPACE_FIELDS:
        if field in values:
            setattr(space, field, values[field])
    space.name = name
    session.flush()
    record_audit(session, actor, "space.create" if creating else "space.update", "space",
                 space.id, name)
    return space


def set_space_active(session: Session, actor: Member, space: Space, active: bool) -> None:
    """Archive (no new bookings, history kept) or bring back a space."""
    space.active = active
    record_audit(session, actor, "space.restore" if active else "space.archive", "space",
                 space.id, space.name)
    session.flush()


def active_spaces(session: Session, kind: str | None = None) -> list[Space]:
    """Spaces that take bookings (of one kind, if given), by name."""
    query = select(Space).where(Space.active.is_(True))
    if kind is not None:
        query = query.where(Space.kind == kind)
    return list(session.execute(query.order_by(Space.name)).scalars())


def spaces_listed_for(session: Session, viewer: Member) -> list[Space]:
    """The list of spaces: co-managers also see archived ones."""
    query = select(Space).order_by(Space.kind, Space.name)
    if not viewer.is_comanager:
        query = query.where(Space.active.is_(True))
    return list(session.execute(query).scalars())


def most_used_space_id(session: Session, member_id: int, since) -> int | None:
    """The space a member booked most often since a date: where their calendar opens."""
    return session.execute(
        select(Booking.space_id)
        .where(Booking.member_id == member_id, Booking.start_at >= since,
               Booking.status.in_(ACTIVE_STATUSES))
        .group_by(Booking.space_id)
        .order_by(func.count().desc(), Booking.space_id)
        .limit(1)
    ).scalar_one_or_none()
