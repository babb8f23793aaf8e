"""Calendar grids (week of a space, day of all spaces): where each block sits on the page.

Rows are quarter hours of local wall-clock time; blocks are placed with CSS grid classes
(no inline styles, so the Content-Security-Policy stays strict).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from ..domain import schedule
from ..domain.bookings import can_see_booking, title_visible_to
from ..domain.schedule import SpaceRules
from ..formatting import format_date, format_time
from ..models import Booking, Closure, Member, Space

QUARTER = 15
HEADER_ROWS = 1
DEFAULT_RANGE = (time(8, 0), time(22, 0))


@dataclass
class Block:
    column: int
    row_start: int
    row_end: int
    kind: str  # past, closed, closure, booking, free
    label: str = ""
    detail: str = ""
    url: str | None = None
    css: str = ""
    name: str = ""  # what a screen reader says for the block, when the label is not enough


@dataclass
class Column:
    day: date
    space: Space
    label: str
    sublabel: str = ""


@dataclass
class Grid:
    columns: list[Column]
    hour_rows: list[tuple[int, str]]
    rows: int
    blocks: list[Block] = field(default_factory=list)
    first_minute: int = 0


@dataclass
class AgendaEntry:
    kind: str  # booking, closure, free
    when: str
    label: str = ""
    url: str | None = None
    css: str = ""
    name: str = ""


@dataclass
class AgendaDay:
    column: Column
    entries: list[AgendaEntry]


def agenda(grid: Grid) -> list[AgendaDay]:
    """The grid as a list a phone reads top to bottom: one day after another, free time merged
    into ranges, each with its hours."""
    def wall(day: date, row: int) -> str:
        minute = grid.first_minute + (row - HEADER_ROWS - 1) * QUARTER
        return format_time(datetime.combine(day, time(0)) + timedelta(minutes=minute),
                           rebase=False)

    days = []
    for index, column in enumerate(grid.columns, start=2):
        blocks = sorted((b for b in grid.blocks if b.column == index
                         and b.kind in ("booking", "closure", "free")),
                        key=lambda b: (b.row_start, b.kind != "free"))
        entries: list[AgendaEntry] = []
        free_until = None
        for block in blocks:
            if block.kind == "free":
                if free_until == block.row_start and entries and entries[-1].kind == "free":
                    entry = entries[-1]
                    entry.when = f"{entry.when.split('–')[0]}–{wall(column.day, block.row_end)}"
                else:
                    entries.append(AgendaEntry(
                        "free", f"{wall(column.day, block.row_start)}–"
                                f"{wall(column.day, block.row_end)}",
                        url=block.url, name=block.name))
                free_until = block.row_end
                continue
            free_until = None
            if block.kind == "closure":
                entries.append(AgendaEntry(
                    "closure", f"{wall(column.day, block.row_start)}–"
                               f"{wall(column.day, block.row_end)}", label=block.label))
            else:
                entries.append(AgendaEntry("booking", block.detail, label=block.label,
                                           url=block.url, css=block.css))
        days.append(AgendaDay(column, entries))
    return days


def visible_range(rules_list: list[SpaceRules], days: list[date]) -> tuple[int, int]:
    """First and last local minute to draw: from the earliest opening to the latest closing."""
    starts, ends = [], []
    for rules in rules_list:
        for day in days:
            for opening, closing in rules.opening_hours.get(day.weekday(), []):
                starts.append(opening.hour * 60 + opening.minute)
                ends.append(24 * 60 if closing == time(0) else closing.hour * 60 + closing.minute)
    if not starts:
        return DEFAULT_RANGE[0].hour * 60, DEFAULT_RANGE[1].hour * 60
    return min(starts) // 60 * 60, min(24 * 60, -(-max(ends) // 60) * 60)


def _row(minute: int, first_minute: int) -> int:
    return HEADER_ROWS + 1 + (minute - first_minute) // QUARTER


def _local_minutes(moment: datetime, zone: ZoneInfo, day: date) -> int:
    """Minutes since the day's local midnight, clamped to the day (so multi-day bookings fit)."""
    local = moment.astimezone(zone).replace(tzinfo=None)
    midnight = datetime.combine(day, time(0))
    return max(0, min(24 * 60, int((local - midnight).total_seconds() // 60)))


def build_grid(columns: list[Column], rules_by_space: dict[int, SpaceRules],
               bookings: list[Booking], closures: list[Closure], *, viewer: Member,
               now: datetime, tz: str, booking_url, new_booking_url,
               booked_label: str, judge=None, taking_part: frozenset[int] = frozenset()
               ) -> Grid:
    """`judge(space, start, end)` -> SlotVerdict: whether the viewer can book a free cell
    (quota) and on what terms; `taking_part`: bookings the viewer takes part in."""
    zone = ZoneInfo(tz)
    first, last = visible_range(list(rules_by_space.values()), [c.day for c in columns])
    rows = (last - first) // QUARTER
    grid = Grid(columns=columns, rows=rows, first_minute=first, hour_rows=[
        (_row(m, first), format_time(time(m // 60, 0))) for m in range(first, last, 60)])

    def place(day: date, start: datetime, end: datetime) -> tuple[int, int] | None:
        """Rows covered by [start, end) on that day, widened to whole quarter hours."""
        a = max(first, _local_minutes(start, zone, day))
        b = min(last, _local_minutes(end, zone, day))
        if b <= a:
            return None
        a -= (a - first) % QUARTER
        b += (first - b) % QUARTER
        return _row(a, first), _row(b, first)

    for index, column in enumerate(columns, start=2):
        rules = rules_by_space[column.space.id]
        day_start = schedule.local_to_utc(datetime.combine(column.day, time(0)), tz)
        day_end = schedule.local_to_utc(
            datetime.combine(column.day + timedelta(days=1), time(0)), tz)
        busy: list[tuple[datetime, datetime]] = []
        if now > day_start:
            spot = place(column.day, day_start, min(now, day_end))
            if spot:
                grid.blocks.append(Block(index, *spot, kind="past"))
        # Closed hours first, so bookings and closures are drawn over them.
        cursor = day_start
        windows = schedule.opening_windows(rules, day_start, day_end)
        for opening, closing in [*windows, (day_end, day_end)]:
            if opening > cursor:
                spot = place(column.day, cursor, opening)
                if spot:
                    grid.blocks.append(Block(index, *spot, kind="closed"))
            cursor = max(cursor, closing)
        for closure in closures:
            if closure.space_id not in (None, column.space.id):
                continue
            if closure.start_at < day_end and closure.end_at > day_start:
                busy.append((closure.start_at, closure.end_at))
                spot = place(column.day, closure.start_at, closure.end_at)
                if spot:
                    grid.blocks.append(Block(index, *spot, kind="closure", label=closure.reason))
        for booking in bookings:
            if booking.space_id != column.space.id:
                continue
            if not (booking.start_at < day_end and booking.end_at > day_start):
                continue
            busy.append((booking.start_at, booking.blocked_until))
            spot = place(column.day, booking.start_at, booking.end_at)
            if not spot:
                continue
            own = booking.member_id == viewer.id or booking.id in taking_part
            label = (booking.title if own or title_visible_to(booking, viewer)
                     else booked_label)
            start, end = booking.start_at.astimezone(zone), booking.end_at.astimezone(zone)
            detail = f"{format_time(start)}–{format_time(end)}"
            if viewer.is_comanager and not own:
                detail += f" · {booking.member.name}"
            css = f"status-{booking.status}" + (" own" if own else "")
            url = booking_url(booking) if can_see_booking(booking, viewer, taking_part) else None
            grid.blocks.append(Block(index, *spot, kind="booking", label=label, detail=detail,
                                     url=url, css=css))
        if column.space.active:
            _add_free_slots(grid, index, column, rules, busy, now, zone, first, last,
                            new_booking_url, judge)
    return grid


def _add_free_slots(grid, index, column, rules, busy, now, zone, first, last, new_booking_url,
                    judge=None):
    """Links on free cells open the booking form pre-filled; they work without JavaScript.
    Only cells the viewer can book are links; those needing approval or costing overage
    say so."""
    step = rules.slot_minutes
    earliest = now + timedelta(minutes=rules.notice_minutes)
    latest = now + timedelta(days=rules.horizon_days)
    tz = str(zone)
    midnight = datetime.combine(column.day, time(0))
    # The day's opening windows once (merged, so a cell over two adjacent ranges is open), not
    # once per cell: a week view has hundreds of cells.
    day_start = schedule.local_to_utc(midnight, tz)
    open_windows = schedule.opening_windows(rules, day_start - timedelta(days=1),
                                            day_start + timedelta(days=2))
    day_label = format_date(column.day, "day")
    for minute in range(first - first % step, last, step):
        if minute < first:
            continue
        wall = midnight + timedelta(minutes=minute)
        length = max(rules.min_minutes, step)
        start = schedule.local_to_utc(wall, tz)
        # The link books the shortest allowed length: offer it only where that length fits.
        end = schedule.local_to_utc(wall + timedelta(minutes=length), tz)
        if start < earliest or start > latest:
            continue
        if not schedule.within_windows(open_windows, (start, end)):
            continue
        if any(a < end + timedelta(minutes=rules.buffer_minutes) and b > start for a, b in busy):
            continue
        verdict = judge(column.space, start, end) if judge is not None else None
        if verdict is not None and not verdict.bookable:
            continue
        label = format_time(wall, rebase=False)
        name = _("Book %(space)s on %(day)s at %(time)s", space=column.space.name,
                 day=day_label, time=label)
        terms = " ".join(str(why) for why in verdict.why) if verdict is not None else ""
        grid.blocks.append(Block(
            index, _row(minute, first), _row(minute + step, first), kind="free",
            label=label, detail=terms,
            css="free-terms" if terms else "", name=f"{name} ({terms})" if terms else name,
            url=new_booking_url(column.space, wall, wall + timedelta(minutes=length))))
