"""Dates, times and numbers as the reader's language writes them in Brussels.

Every page, message and e-mail formats through here, so the whole app shares one 24-hour clock
and one small set of date styles. The language (fr, nl, en) picks the Belgian variant for
formatting: plain "en" would print "6:00 PM" where Brussels reads "18:00"."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, tzinfo
from functools import lru_cache

from babel import Locale, dates, numbers
from flask import current_app, has_app_context
from flask_babel import get_locale, get_timezone

FORMAT_LOCALES = {"fr": "fr_BE", "nl": "nl_BE", "en": "en_GB"}

# The date styles of the app: Babel's standard names and skeletons (the locale orders the parts).
DATE_STYLES = {
    "medium": "medium",           # 3 mars 2026 · 3 Mar 2026
    "long": "long",               # 3 mars 2026 · 3 March 2026
    "full": "full",               # mardi 3 mars 2026 · Tuesday, 3 March 2026
    "day": "full-without-year",   # mardi 3 mars · Tuesday 3 March
    "short_day": "MMMEd",         # mar. 3 mars · Tue 3 Mar
    "short_day_year": "yMMMEd",   # mar. 3 mars 2026 · Tue, 3 Mar 2026
    "day_month": "MMMd",          # 3 mars · 3 Mar
    "month": "yMMMM",             # mars 2026 · March 2026
    "weekday": "EEE",             # mar. · Tue
}
STANDARD = {"short", "medium", "long", "full"}
_YEAR = re.compile(r"[\s,]*\by+\b[\s,]*")


def format_locale(language: str | None = None) -> Locale:
    """The Belgian locale for a language code, the reader's when none is given."""
    if language is None:
        language = str(get_locale() or _default_language())
    return _locale(language.split("_")[0])


@lru_cache(maxsize=16)
def _locale(language: str) -> Locale:
    """Parsed once per language: a refusal's message formats a dozen dates and times."""
    return Locale.parse(FORMAT_LOCALES.get(language, language))


def _default_language() -> str:
    return current_app.config["BABEL_DEFAULT_LOCALE"] if has_app_context() else "fr"


def _zone(zone: tzinfo | None, rebase: bool) -> tzinfo | None:
    if not rebase:
        return None
    return zone or (get_timezone() if has_app_context() else UTC)


def _aware(value):
    """Stored instants are UTC; SQLite hands them back without a zone."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def format_date(value: date | datetime, style: str = "medium", *, zone: tzinfo | None = None,
                language: str | None = None, rebase: bool = True) -> str:
    pattern = DATE_STYLES[style]
    locale = format_locale(language)
    if isinstance(value, datetime):
        tz = _zone(zone, rebase)
        value = _aware(value).astimezone(tz) if tz else value
    if pattern in STANDARD:
        return dates.format_date(value, pattern, locale=locale)
    if pattern == "full-without-year":
        # Skeletons fall back to abbreviated names ("mar. 3 mars"); the full pattern keeps them.
        full = locale.date_formats["full"].pattern
        return dates.format_date(value, _YEAR.sub("", full).strip(" ,"), locale=locale)
    return dates.format_skeleton(pattern, value, locale=locale)


def format_time(value: datetime | time, *, zone: tzinfo | None = None,
                language: str | None = None, rebase: bool = True) -> str:
    """18:00 in every language; `rebase=False` for wall-clock times that are already local."""
    if isinstance(value, datetime):
        tz = _zone(zone, rebase)
        value = (_aware(value).astimezone(tz) if tz else value).time()
    return dates.format_time(value, "short", locale=format_locale(language))


def format_datetime(value: datetime, style: str = "medium", *, zone: tzinfo | None = None,
                    language: str | None = None, rebase: bool = True) -> str:
    """The date in one of the styles and the time, joined as the locale joins them."""
    locale = format_locale(language)
    language = locale.language  # resolved once for the date and the time too
    joiner = locale.datetime_formats[style if style in ("long", "full") else "medium"]
    return (str(joiner).replace("'", "")
            .replace("{1}", format_date(value, style, zone=zone, language=language, rebase=rebase))
            .replace("{0}", format_time(value, zone=zone, language=language, rebase=rebase)))


def format_decimal(value, pattern: str = "#,##0.##", *, language: str | None = None) -> str:
    return numbers.format_decimal(value or 0, pattern, locale=format_locale(language))


def format_currency(amount, currency: str, *, language: str | None = None) -> str:
    return numbers.format_currency(amount, currency, locale=format_locale(language))


def format_percent(value, pattern: str | None = None, *, language: str | None = None) -> str:
    return numbers.format_percent(value, pattern, locale=format_locale(language))


CENTS = "#,##0.00"
