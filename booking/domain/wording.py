"""How durations and times read in messages, in the reader's language and timezone."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask_babel import lazy_gettext as _l

from ..formatting import format_datetime, format_time

Interval = tuple[datetime, datetime]


def describe_duration(minutes: int):
    hours, rest = divmod(int(minutes), 60)
    if hours and rest:
        return _l("%(h)d h %(m)02d", h=hours, m=rest)
    if hours:
        return _l("%(h)d h", h=hours)
    return _l("%(m)d min", m=rest)


def describe_slots(slots: Iterable[Interval]) -> str:
    """"mardi 3 mars 18:00–20:00, ..." in the reader's language and timezone."""
    parts = []
    for start, end in slots:
        if start.date() == end.date():
            parts.append(f"{format_datetime(start, 'day')}–{format_time(end)}")
        else:
            parts.append(f"{format_datetime(start, 'short_day')}–"
                         f"{format_datetime(end, 'short_day')}")
    return ", ".join(parts)
