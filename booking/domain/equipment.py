"""Equipment reserved with a space: items with a quantity (2 vans, 20 stage lights), the
spaces they may be used in, and the rule that the units reserved at any instant never exceed
the quantity. Reserving runs inside the booking's transaction, under a lock on the item rows
(PostgreSQL) or the database write lock the booking already holds (SQLite)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import Integer, Select, String, any_, bindparam, cast, func, literal, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.expression import FunctionElement

from ..models import ACTIVE_STATUSES, Booking, BookingEquipment, EquipmentItem, Member, Space
from .accounts import record_audit
from .errors import BookingRefused, DomainError
from .rows import plain_rows

MAX_LINES = 20


@dataclass(frozen=True)
class EquipmentRequest:
    """Units of one item wanted with a booking."""

    item_id: int
    quantity: int


@dataclass(frozen=True)
class EquipmentLine:
    """Units of one item a booking holds, as pages and the API show them."""

    item_id: int
    name: str
    quantity: int


class EquipmentUnavailable(BookingRefused):
    reason = "equipment"

    def __init__(self, message):
        super().__init__(message, code="equipment_unavailable")


# --- managing items (co-managers) ------------------------------------------------------------

def all_items(session: Session, *, active_only: bool = False) -> list[EquipmentItem]:
    query = select(EquipmentItem).options(selectinload(EquipmentItem.spaces)).order_by(
        EquipmentItem.name)
    if active_only:
        query = query.where(EquipmentItem.active.is_(True))
    return list(session.execute(query).scalars())


def items_for_space(items: Iterable[EquipmentItem], space_id: int) -> list[EquipmentItem]:
    """Active items usable in the space (an item tied to no space goes anywhere)."""
    return [i for i in items if i.active and (not i.spaces or any(s.id == space_id
                                                                   for s in i.spaces))]


def save_item(session: Session, actor: Member, item: EquipmentItem | None, *, name: str,
              quantity: int, description: str = "", hourly_weight_pct: int = 0,
              space_ids: Sequence[int] = (), active: bool = True) -> EquipmentItem:
    """Create (item=None) or update an item; names are unique."""
    name = name.strip()
    if not name:
        raise DomainError(_l("Give the equipment a name."))
    if quantity < 1:
        raise DomainError(_l("The quantity is at least 1."))
    clash = select(EquipmentItem.id).where(func.lower(EquipmentItem.name) == name.lower())
    if item is not None and item.id is not None:
        clash = clash.where(EquipmentItem.id != item.id)
    if session.execute(clash).first():
        raise DomainError(_l("Equipment named %(name)s already exists. Choose another name.",
                             name=name))
    creating = item is None
    if creating:
        item = EquipmentItem()
        session.add(item)
    item.name, item.quantity, item.description = name, quantity, (description or "").strip()
    item.hourly_weight_pct, item.active = hourly_weight_pct, active
    item.spaces = list(session.execute(select(Space).where(Space.id.in_(list(space_ids))))
                       .scalars()) if space_ids else []
    session.flush()
    record_audit(session, actor, "equipment.create" if creating else "equipment.update",
                 "equipment", item.id, name)
    return item


# --- reserving -------------------------------------------------------------------------------

def _merged(requests: Iterable[EquipmentRequest]) -> dict[int, int]:
    wanted: dict[int, int] = defaultdict(int)
    for request in requests:
        if request.quantity > 0:
            wanted[request.item_id] += request.quantity
    return dict(wanted)


def _lock_items(session: Session, item_ids: list[int]) -> dict[int, EquipmentItem]:
    """The items, locked until commit (PostgreSQL, in id order so two bookings cannot
    deadlock); on SQLite the booking already holds the database's write lock."""
    query = select(EquipmentItem).options(selectinload(EquipmentItem.spaces)).where(
        EquipmentItem.id.in_(item_ids)).order_by(EquipmentItem.id)
    if session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update(of=EquipmentItem)
    return {item.id: item for item in session.execute(query).scalars()}


def peak_reserved(intervals: Sequence[tuple[datetime, datetime, int]], start: datetime,
                  end: datetime) -> int:
    """Most units held at one instant of [start, end) by the given (start, end, units)."""
    events = []
    for a, b, units in intervals:
        a, b = max(a, start), min(b, end)
        if b > a:
            events += [(a, 1, units), (b, 0, -units)]
    peak = held = 0
    for _moment, _order, change in sorted(events):  # ends (0) before starts (1) at a tie
        held += change
        peak = max(peak, held)
    return peak


def reserved_between(session: Session, item_ids: list[int], start: datetime, end: datetime,
                     exclude_booking_ids: Iterable[int] = ()
                     ) -> dict[int, list[tuple[datetime, datetime, int]]]:
    """Units of each item held by active bookings meeting [start, end), one query."""
    query = (select(BookingEquipment.item_id, Booking.start_at, Booking.end_at,
                    BookingEquipment.quantity)
             .join(Booking, Booking.id == BookingEquipment.booking_id)
             .where(BookingEquipment.item_id.in_(item_ids),
                    Booking.status.in_(ACTIVE_STATUSES), *Booking.meeting(start, end)))
    excluded = list(exclude_booking_ids)
    if excluded:
        query = query.where(Booking.id.not_in(excluded))
    held: dict[int, list] = defaultdict(list)
    for item_id, a, b, units in session.execute(query):
        held[item_id].append((a, b, units))
    return held


def _check_available(session: Session, space_id: int, wanted: dict[int, int],
                     start: datetime, end: datetime, exclude_booking_ids: Iterable[int] = ()
                     ) -> dict[int, EquipmentItem]:
    items = _lock_items(session, sorted(wanted))
    held = reserved_between(session, sorted(wanted), start, end, exclude_booking_ids)
    for item_id, units in sorted(wanted.items()):
        item = items.get(item_id)
        if item is None or not item.active:
            raise EquipmentUnavailable(_l("This equipment does not exist or is no longer "
                                          "lent. Choose another item."))
        if item.spaces and space_id not in {s.id for s in item.spaces}:
            raise EquipmentUnavailable(_l(
                "%(item)s cannot be used in this space. Choose equipment listed for it.",
                item=item.name))
        free = item.quantity - peak_reserved(held.get(item_id, []), start, end)
        if units > free:
            raise EquipmentUnavailable(_not_enough_free(item, max(free, 0)))
    return items


def _not_enough_free(item: EquipmentItem, free: int):
    if free == 0:
        return lazy_ngettext(
            "The only %(item)s is taken at that time. Choose another time or book without it.",
            "All %(num)d × %(item)s are taken at that time. Choose another time or book "
            "without it.", item.quantity, item=item.name)
    return lazy_ngettext(
        "Only %(num)d of %(total)d × %(item)s is free at that time. Ask for fewer or choose "
        "another time.",
        "Only %(num)d of %(total)d × %(item)s are free at that time. Ask for fewer or choose "
        "another time.", free, total=item.quantity, item=item.name)


def _too_many_kinds() -> DomainError:
    return DomainError(lazy_ngettext("At most %(num)d kind of equipment per booking.",
                                     "At most %(num)d kinds of equipment per booking.",
                                     MAX_LINES))


def reserve_equipment(session: Session, booking: Booking,
                      requests: Iterable[EquipmentRequest]) -> list[BookingEquipment]:
    """Hold the units for the booking's time, or raise EquipmentUnavailable (nothing held)."""
    wanted = _merged(requests)
    if not wanted:
        return []
    if len(wanted) > MAX_LINES:
        raise _too_many_kinds()
    _check_available(session, booking.space_id, wanted, booking.start_at, booking.end_at,
                     [booking.id] if booking.id else [])
    lines = [BookingEquipment(booking_id=booking.id, item_id=item_id, quantity=units)
             for item_id, units in sorted(wanted.items())]
    session.add_all(lines)
    session.flush()
    return lines


def change_equipment(session: Session, booking: Booking, requests: Iterable[EquipmentRequest],
                     *, actor: Member, now: datetime) -> list[EquipmentLine]:
    """Replace what the booking holds by `requests` (none: give everything back), under the
    lock a new booking takes: only added units are checked, against every other booking at
    that time, so the units held at any instant never exceed the quantity. Dates of a series
    hold no equipment (as a series is booked without it)."""
    from . import bookings
    from .availability import lock_space_for_booking
    from .notifications import events as notices

    bookings.ensure_can_change(booking, actor, now, _l(
        "This booking can no longer be changed by you: it is over, cancelled, or someone "
        "else's."))
    if booking.series_id is not None:
        raise DomainError(_l("This date belongs to a series, and equipment is reserved with "
                             "single bookings only. Cancel this date of the series and book it "
                             "on its own with the equipment."))
    wanted = _merged(requests)
    if len(wanted) > MAX_LINES:
        raise _too_many_kinds()
    lock_space_for_booking(session, booking.space_id)
    held = {line.item_id: line for line in session.execute(select(BookingEquipment).where(
        BookingEquipment.booking_id == booking.id)).scalars()}
    if wanted == {item_id: line.quantity for item_id, line in held.items()}:
        return equipment_of(session, [booking.id]).get(booking.id, [])
    added = {item_id: units for item_id, units in wanted.items()
             if units > (held[item_id].quantity if item_id in held else 0)}
    if added:
        _check_available(session, booking.space_id, added, booking.start_at, booking.end_at,
                         [booking.id])
    for item_id, line in held.items():
        if item_id not in wanted:
            session.delete(line)
        else:
            line.quantity = wanted[item_id]
    session.add_all([BookingEquipment(booking_id=booking.id, item_id=item_id, quantity=units)
                     for item_id, units in sorted(wanted.items()) if item_id not in held])
    booking.sequence += 1  # the feeds' description names the equipment
    booking.updated_at = now
    session.flush()
    lines = equipment_of(session, [booking.id]).get(booking.id, [])
    record_audit(session, actor, "booking.equipment", "booking", booking.id,
                 describe_lines(lines))
    if actor.id != booking.member_id:  # a co-manager's change is told to the member
        notices.bookings_changed(session, [booking], actor)
    return lines


def equipment_choices(session: Session, booking: Booking
                      ) -> tuple[list[EquipmentItem], dict[int, int]]:
    """What the booking's change page offers: the items usable in its space, plus any it
    holds that no longer are (so they can be given back), and the units held of each."""
    held = {item_id: units for item_id, units in session.execute(
        select(BookingEquipment.item_id, BookingEquipment.quantity).where(
            BookingEquipment.booking_id == booking.id))}
    items = all_items(session)
    return ([i for i in items if i.id in held or i in items_for_space(items, booking.space_id)],
            held)


def recheck_moved(session: Session, bookings: Sequence[Booking]) -> None:
    """A moved booking keeps its equipment only if the units are free at the new time."""
    ids = [b.id for b in bookings]
    if not ids:
        return
    lines = session.execute(select(BookingEquipment).where(
        BookingEquipment.booking_id.in_(ids))).scalars().all()
    by_booking: dict[int, dict[int, int]] = defaultdict(dict)
    for line in lines:
        by_booking[line.booking_id][line.item_id] = line.quantity
    for booking in bookings:
        if by_booking.get(booking.id):
            _check_available(session, booking.space_id, by_booking[booking.id],
                             booking.start_at, booking.end_at, ids)


# --- reading ---------------------------------------------------------------------------------

# Built once: a listing asks for the equipment of a hundred bookings at a time, and building
# an IN of a hundred values cost more than running it.
def _held(ids_condition) -> Select:
    return (select(BookingEquipment.booking_id, EquipmentItem.id, EquipmentItem.name,
                   BookingEquipment.quantity)
            .join(EquipmentItem, EquipmentItem.id == BookingEquipment.item_id)
            .where(ids_condition)
            .order_by(BookingEquipment.booking_id, EquipmentItem.name))


# PostgreSQL takes the ids as one array: an IN list is rendered, and parsed by the driver,
# anew for each number of ids (a listing's hundred bookings cost more than the query).
_HELD = {"postgresql": _held(BookingEquipment.booking_id == any_(
             bindparam("ids", type_=postgresql.ARRAY(Integer)))),
         "sqlite": _held(BookingEquipment.booking_id.in_(bindparam("ids", expanding=True)))}


def equipment_of(session: Session, booking_ids: Iterable[int]) -> dict[int, list[EquipmentLine]]:
    """What each booking holds, one query for any number of bookings."""
    ids = list(booking_ids)
    if not ids:
        return {}
    statement = _HELD[session.connection().dialect.name]
    rows = plain_rows(session, statement, {"ids": ids}).all()
    found: dict[int, list[EquipmentLine]] = defaultdict(list)
    for booking_id, item_id, name, units in rows:
        found[booking_id].append(EquipmentLine(item_id, name, units))
    return dict(found)


def lines_of(session: Session, booking: Booking,
             requests: Iterable[EquipmentRequest]) -> list[EquipmentLine]:
    """What a booking just reserved, from the items the reservation loaded (no query)."""
    lines = [EquipmentLine(item_id, session.get(EquipmentItem, item_id).name, units)
             for item_id, units in _merged(requests).items()]
    return sorted(lines, key=lambda line: line.name)


class joined_text(FunctionElement):
    """The texts of a group joined with ", " (string_agg / group_concat)."""

    type = String()
    inherit_cache = True


@compiles(joined_text)
def _joined_postgresql(element, compiler, **kw):
    return f"string_agg({compiler.process(list(element.clauses)[0], **kw)}, ', ')"


@compiles(joined_text, "sqlite")
def _joined_sqlite(element, compiler, **kw):
    return f"group_concat({compiler.process(list(element.clauses)[0], **kw)}, ', ')"


def summary_column():
    """'2 × Van, 1 × PA system' of the outer query's booking, as a column (feeds list many
    bookings: no query of their own)."""
    return (select(joined_text(cast(BookingEquipment.quantity, String) + literal(" × ")
                               + EquipmentItem.name))
            .select_from(BookingEquipment)
            .join(EquipmentItem, EquipmentItem.id == BookingEquipment.item_id)
            .where(BookingEquipment.booking_id == Booking.id)
            .correlate(Booking).scalar_subquery())


def describe_lines(lines: Sequence[EquipmentLine]) -> str:
    """'2 × Van, 1 × PA system' (for feeds and lists)."""
    return ", ".join(f"{line.quantity} × {line.name}" for line in lines)


@dataclass(frozen=True)
class EquipmentUsage:
    """An item's reserved unit-hours over a period (the usage report)."""

    item_id: int
    name: str
    quantity: int
    bookings: int
    unit_minutes: float


def equipment_usage(session: Session, start: datetime, end: datetime) -> list[EquipmentUsage]:
    """Units × minutes reserved per item by counted bookings inside [start, end)."""
    from .quotas import counted_bookings

    rows = session.execute(
        select(EquipmentItem.id, EquipmentItem.name, EquipmentItem.quantity, Booking.start_at,
               Booking.end_at, BookingEquipment.quantity)
        .join(BookingEquipment, BookingEquipment.item_id == EquipmentItem.id)
        .join(Booking, Booking.id == BookingEquipment.booking_id)
        .where(counted_bookings(), *Booking.meeting(start, end))).all()
    totals: dict[int, list] = {}
    for item_id, name, quantity, a, b, units in rows:
        minutes = (min(b, end) - max(a, start)).total_seconds() / 60
        entry = totals.setdefault(item_id, [name, quantity, 0, 0.0])
        entry[2] += 1
        entry[3] += minutes * units
    return sorted((EquipmentUsage(i, n, q, c, round(m, 2)) for i, (n, q, c, m) in totals.items()),
                  key=lambda u: u.name.lower())


def weighted_equipment_minutes(session: Session, start: datetime, end: datetime,
                               space_id: int | None = None) -> dict[tuple[int, int], float]:
    """Extra weighted minutes per (member, space) from weighted equipment, for cost sharing:
    minutes inside the period × units × the item's hourly weight."""
    from .quotas import counted_bookings

    query = (select(Booking.member_id, Booking.space_id, Booking.start_at, Booking.end_at,
                    BookingEquipment.quantity, EquipmentItem.hourly_weight_pct)
             .join(BookingEquipment, BookingEquipment.booking_id == Booking.id)
             .join(EquipmentItem, EquipmentItem.id == BookingEquipment.item_id)
             .where(counted_bookings(), EquipmentItem.hourly_weight_pct > 0,
                    *Booking.meeting(start, end)))
    if space_id is not None:
        query = query.where(Booking.space_id == space_id)
    extra: dict[tuple[int, int], float] = defaultdict(float)
    for member_id, sid, a, b, units, weight in session.execute(query):
        minutes = (min(b, end) - max(a, start)).total_seconds() / 60
        extra[(member_id, sid)] += minutes * units * weight / 100
    return dict(extra)
