"""Between the UTC instants we store and the wall-clock times people read and type."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from .domain.schedule import local_to_utc
from .i18n import cooperative_settings


def current_tz() -> str:
    return cooperative_settings().timezone


def to_local(moment: datetime, tz: str | None = None) -> datetime:
    return moment.astimezone(ZoneInfo(tz or current_tz()))


def from_local(wall: datetime, tz: str | None = None) -> datetime:
    """A naive local time typed in a form, as a UTC instant."""
    return local_to_utc(wall, tz or current_tz())
