"""What every template can use: formatting in the reader's locale and the shared layout data."""
from __future__ import annotations

from flask import Flask, current_app
from flask_babel import get_locale

from . import clock
from .domain.wording import describe_duration
from .formatting import format_currency, format_date, format_datetime, format_decimal, format_time
from .forms import EmptyForm
from .i18n import cooperative_settings
from .timezones import to_local

LANGUAGE_NAMES = {"fr": "Français", "nl": "Nederlands", "en": "English"}


def format_money(cents: int | None) -> str:
    """Integer cents shown as the reader expects: 1 234,50 € in French, € 1.234,50 in Dutch."""
    if cents is None:
        return ""
    return format_currency(cents / 100, cooperative_settings().currency)


def local_input_value(moment) -> str:
    """An instant as a datetime-local field's value (a machine format, not for reading)."""
    return to_local(moment).replace(tzinfo=None).isoformat(timespec="minutes") if moment else ""


def init_app(app: Flask) -> None:
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["duration"] = describe_duration
    app.jinja_env.filters["hours"] = lambda minutes: format_decimal(
        (minutes or 0) / 60, "#,##0.0#")
    app.jinja_env.filters["decimal"] = lambda value: format_decimal(value or 0, "#,##0.0")
    app.jinja_env.filters["number"] = lambda value: format_decimal(value or 0)
    # Styles are names from formatting.DATE_STYLES, never patterns: one look across the app.
    app.jinja_env.filters["datetime"] = lambda v, style="medium": (
        format_datetime(v, style) if v else "")
    app.jinja_env.filters["date"] = lambda v, style="medium": format_date(v, style) if v else ""
    app.jinja_env.filters["time"] = lambda v: format_time(v) if v else ""
    app.jinja_env.filters["local_date"] = lambda v: to_local(v).date() if v else None
    app.jinja_env.filters["local_input"] = local_input_value
    app.jinja_env.add_extension("jinja2.ext.do")

    @app.context_processor
    def _layout():
        return {
            "coop": cooperative_settings(),
            "current_locale": str(get_locale()),
            "language_names": LANGUAGE_NAMES,
            "languages": current_app.config["LANGUAGES"],
            # Never reads the request body: an error page (413) must render without it.
            "empty_form": EmptyForm(formdata=None),
            "now_utc": clock.now,
        }
