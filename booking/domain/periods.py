"""Calendar arithmetic on local dates: months, quarters and years, written once."""
from __future__ import annotations

from datetime import date, timedelta


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` after (or before) the month holding `day`."""
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1)


def month_end(day: date) -> date:
    """The last day of the month holding `day`."""
    return add_months(day, 1) - timedelta(days=1)


def quarter_start(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def period_span(kind: str, day: date) -> tuple[date, date]:
    """First day and the day after the last of the month, quarter or year holding `day`."""
    if kind == "year":
        return date(day.year, 1, 1), date(day.year + 1, 1, 1)
    if kind == "quarter":
        first = quarter_start(day)
        return first, add_months(first, 3)
    first = month_start(day)
    return first, add_months(first, 1)
